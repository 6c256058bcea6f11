"""The document flow shared by catalogue versions and annual plans (docs/plans.md, reserve-materials-measures
§二(二)–(三)): drafted by a coordinator or a bureau, co-signed by the development-and-reform commission, the finance
bureau and every responsible bureau of its lines (会同), approved by the city government, then in force until a
newer version supersedes it.

``draft --submit--> cosigning``: the drafting organisation, with at least one line. While co-signing each party
signs once per round in any order (``signatures.sign``; the person's ``sign`` step only says who may, for the inbox
and the pages); the last signature moves it to ``cosigned`` (the system's ``complete``). A party yet to sign may
reject with a reason, as may the government once co-signed: back to draft, and the next round is signed afresh
(every round's signatures are kept). The government approves — not the drafter, not a signer of the round — and
the version in force before it is superseded in the same transaction. Four eyes throughout.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from inventory import scope
from inventory.core.errors import Conflict, Forbidden, Invalid
from inventory.core.quantities import quantity_text
from inventory.core.vocab import PlanStatus as S
from inventory.core.vocab import WorkflowAction as A
from inventory.db import lock_row
from inventory.models import Material, Organisation, PlanSignature, User
from inventory.services.audit import trail
from inventory.scope.plans import DRAFTERS, GOVERNMENT, SIGNERS
from inventory.services.plans import signatures
from inventory.services.workflows import engine
from inventory.services.workflows.dispatch_plan import Problems
from inventory.services.workflows.registry import Flow, InboxEntry, Transition, register

#: the coordinator organisations whose coordinators sign every plan document
COORDINATOR_PARTIES = ("CO-NDRC", "CO-FIN")
NOTE_LENGTH = 500
#: a document's own title and note
TITLE_LENGTH, TEXT_LENGTH = 200, 2000
#: (session, row) -> the responsible bureaus of the document's lines
Bureaus = Callable[[Session, Any], list[int]]
#: (session, row) -> the other rows a newly approved one supersedes (the same year's plan, or any catalogue)
Predecessors = Callable[[Session, Any], Any]
#: (session, row) -> what the audit trail keeps of a document and its lines
Snapshot = Callable[[Session, Any], dict]


def coordinator_parties(session: Session) -> list[int]:
    """The ids of the development-and-reform commission and the finance bureau, in that order."""
    found = dict(session.exec(select(Organisation.code, Organisation.id)
                              .where(Organisation.code.in_(COORDINATOR_PARTIES))).all())
    return [found[code] for code in COORDINATOR_PARTIES if code in found]


class DocumentFlow:
    """One registered document flow and the party rule that goes with it."""

    def __init__(self, *, name: str, label, model: type, missing, describe, bureaus: Bureaus,
                 predecessors: Predecessors, lines: Callable[[Session, int], list], line_key: str) -> None:
        """``name`` is also the scope entity and the audit trail's; ``line_key`` the lines' column naming the row."""
        self.model, self.bureaus, self.predecessors, self.lines = model, bureaus, predecessors, lines
        self.line_key = line_key
        rejection = {"four_eyes": True, "by": "rejected_by", "at": "rejected_at", "note": "rejection_note"}
        self.flow = register(Flow(
            name=name, label=label, model=model, initial=S.draft, statuses=S, missing=missing, describe=describe,
            transitions=(
                Transition(S.draft, A.submit, S.cosigning, DRAFTERS, self._may_submit, by="submitted_by",
                           at="submitted_at"),
                Transition(S.cosigning, A.sign, S.cosigning, SIGNERS, self._may_sign, four_eyes=True),
                Transition(S.cosigning, A.sign, S.cosigned),  # the system's, after the last signature
                Transition(S.cosigning, A.reject, S.draft, SIGNERS, self._unsigned_party, awaited=False, **rejection),
                Transition(S.cosigned, A.approve, S.in_force, GOVERNMENT, self._not_a_signer, four_eyes=True,
                           by="approved_by", at="approved_at", note="approval_note"),
                Transition(S.cosigned, A.reject, S.draft, GOVERNMENT, **rejection),
                Transition(S.draft, A.withdraw, S.withdrawn, DRAFTERS, self._drafting_org, by="withdrawn_by",
                           at="withdrawn_at", awaited=False),
                Transition(S.in_force, A.supersede, S.superseded, at="superseded_at"),
            )))
        self.flow.on_enter(S.draft)(self._returned)
        self.flow.on_enter(S.in_force)(self._in_force)

    # -- who may ---------------------------------------------------------------------------------------------

    def parties(self, session: Session, row: Any) -> list[int]:
        """Who signs: the two coordinator organisations and every responsible bureau of the lines."""
        return [*coordinator_parties(session), *sorted(set(self.bureaus(session, row)))]

    def _drafting_org(self, session: Session, actor: User, row: Any) -> None:
        if actor.org_id != row.drafting_org_id:
            raise Forbidden(_l("only the organisation that drafted it may change, submit or withdraw it"))

    def _may_submit(self, session: Session, actor: User, row: Any) -> None:
        self._drafting_org(session, actor, row)
        if not self.lines(session, row.id):
            raise Invalid.field("lines", _l("list at least one line before submitting"))

    def _party(self, session: Session, actor: User, row: Any) -> None:
        if actor.org_id not in self.parties(session, row):
            raise Forbidden(_l("your organisation is not a party that signs this %(entity)s", entity=self.flow.label))

    def _unsigned_party(self, session: Session, actor: User, row: Any) -> None:
        """A party decides once a round: having signed, it neither signs again nor rejects what it signed."""
        self._party(session, actor, row)
        if actor.org_id not in signatures.missing(session, self.flow, row, [actor.org_id]):
            org = session.get(Organisation, actor.org_id)
            raise Conflict(_l("%(party)s has signed this %(entity)s already", party=org.name,
                              entity=self.flow.label), code="illegal_transition")

    def _may_sign(self, session: Session, actor: User, row: Any) -> None:
        self._unsigned_party(session, actor, row)

    def _not_a_signer(self, session: Session, actor: User, row: Any) -> None:
        if any(s.signed_by == actor.id for s in signatures.of_round(session, self.flow, row)):
            raise Forbidden(_l("you signed this %(entity)s: someone else approves it (four eyes)",
                               entity=self.flow.label))

    # -- effects ---------------------------------------------------------------------------------------------

    def _returned(self, session: Session, actor: User, row: Any, note: str) -> None:
        """A rejection needs its reason and starts the next round; the signatures given stay with theirs."""
        if not note.strip():
            raise Invalid.field("note", _l("a rejection needs a reason"))
        model = self.model
        result = session.execute(update(model).where(model.id == row.id, model.status == S.draft)
                                 .values(round=model.round + 1).execution_options(synchronize_session=False))
        if result.rowcount != 1:
            raise Conflict(_l("someone else has acted on this %(entity)s; reload it", entity=self.flow.label),
                           code="illegal_transition")
        set_committed_value(row, "round", row.round + 1)

    def _in_force(self, session: Session, actor: User, row: Any, note: str) -> None:
        """The version in force before is superseded in this transaction. Approvals of this kind queue on one lock
        first, so of two approved at once the later one finds the earlier in force and supersedes it: one stays."""
        serialise(session, self.flow.name)
        for older in session.exec(self.predecessors(session, row).where(
                self.model.status == S.in_force, self.model.id != row.id)
                .execution_options(populate_existing=True)).all():
            engine.follow(session, flow=self.flow, row=older, action=A.supersede, actor=actor,
                          note=getattr(row, "code", ""))

    # -- steps -----------------------------------------------------------------------------------------------

    def decide(self, session: Session, *, actor: User, row_id: int, action: str, note: str = "") -> Any:
        """submit, sign, reject, approve or withdraw; ``sign`` records the party's signature of the round."""
        if len(note) > NOTE_LENGTH:
            raise Invalid.field("note", _l("at most %(count)s characters", count=NOTE_LENGTH))
        note = note.strip()
        if action == A.sign:
            row = engine.visible_row(session, actor, self.flow, row_id)
            engine.check(session, actor, self.flow, row, action)
            return signatures.sign(session, flow=self.flow, row_id=row_id, actor=actor,
                                   parties=self.parties(session, row), roles=SIGNERS, waiting=S.cosigning,
                                   note=note)
        if action == A.submit:
            # the line checks read the lines: an edit must not slip in between
            row = engine.visible_row(session, actor, self.flow, row_id)
            lock_row(session, self.model.__table__, row.id)
        return engine.take(session, flow=self.flow, row_id=row_id, action=action, actor=actor, note=note)

    def editable(self, session: Session, actor: User, row_id: int) -> Any:
        """The draft row, locked, for its drafting organisation to change; 409 once submitted."""
        scope.require(actor, "draft", self.flow.name)
        row = engine.visible_row(session, actor, self.flow, row_id)
        self._drafting_org(session, actor, row)
        lock_row(session, self.model.__table__, row.id)
        session.refresh(row)
        if row.status != S.draft:
            raise Conflict(_l("lines can be changed only while it is a draft; this one is %(status)s",
                              status=S.label_of(row.status)), code="illegal_transition")
        return row

    def amended(self, session: Session, actor: User, row_id: int) -> Any:
        """The row a new draft is copied from: only the version in force is amended (409 else)."""
        scope.require(actor, "draft", self.flow.name)
        source = engine.visible_row(session, actor, self.flow, row_id)
        if source.status != S.in_force:
            raise Conflict(_l("only the version in force is amended; this one is %(status)s",
                              status=S.label_of(source.status)), code="illegal_transition")
        return source

    def rows_query(self, session: Session, actor: User):
        """Every row the actor may list: an enterprise only those that are or were in force."""
        scope.require(actor, "view", self.flow.name)
        return scope.enterprise_rows_query(session, actor, self.model)

    def store(self, session: Session, actor: User, row: Any, lines: list, *, verb: str, snapshot: Snapshot,
              before: dict | None = None) -> None:
        """Replace the row's lines and audit the change; the old lines go first, as the new may repeat their keys."""
        for old in self.lines(session, row.id):
            session.delete(old)
        session.flush()
        for line in lines:
            setattr(line, self.line_key, row.id)
            session.add(line)
        session.flush()
        trail.record(session, actor=actor, action=f"{self.flow.name}.{verb}", entity=self.flow.name,
                     entity_id=row.id, org_id=actor.org_id, before=before, after=snapshot(session, row))

    def actions_for(self, session: Session, actor: User, row: Any) -> list[str]:
        return sorted({t.action for t in self.flow.transitions if t.roles and t.source == row.status
                       and engine.may_take(session, actor, self.flow, row, t.action)})

    def round_signatures(self, session: Session, row: Any) -> list[PlanSignature]:
        return signatures.of_round(session, self.flow, row)

    def missing_parties(self, session: Session, row: Any) -> list[int]:
        if row.status != S.cosigning:
            return []
        return signatures.missing(session, self.flow, row, self.parties(session, row))


def serialise(session: Session, name: str) -> None:
    """A transaction-long lock shared by every approval of ``name`` (PostgreSQL advisory lock; SQLite has one
    writer at a time already)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"plans:{name}"))))


def describe_with(title: Callable[[Any], str], detail: Callable[[Session, list[Any]], dict[int, str]],
                  endpoint: str, arg: str):
    """An inbox ``describe`` for a document flow: the rejection's reason shows on a returned draft."""
    def describe(session: Session, user: User, rows: list[Any]) -> dict[int, InboxEntry]:
        details = detail(session, rows)
        return {row.id: InboxEntry(title=title(row), detail=details.get(row.id, ""), endpoint=endpoint,
                                   args={arg: row.id}, requested_by=row.requested_by,
                                   requested_at=row.submitted_at or row.created_at,
                                   reason=row.rejection_note if row.status == S.draft else row.note)
                for row in rows}
    return describe


def check_text(title: str, note: str, problems: Problems) -> None:
    """A document's title and note within their lengths."""
    if len(title.strip()) > TITLE_LENGTH:
        problems.add("title", _l("at most %(count)s characters", count=TITLE_LENGTH))
    if len(note.strip()) > TEXT_LENGTH:
        problems.add("note", _l("at most %(count)s characters", count=TEXT_LENGTH))


def line_summaries(line_model: type, key: str) -> Callable[[Session, list[Any]], dict[int, str]]:
    """An inbox ``detail`` for a document flow: its first six lines' materials and targets, to tell versions apart."""
    def details(session: Session, rows: list[Any]) -> dict[int, str]:
        found = session.exec(select(line_model, Material).join(Material, Material.id == line_model.material_id)
                             .where(getattr(line_model, key).in_([r.id for r in rows])).order_by(line_model.id))
        texts: dict[int, list[str]] = {}
        for line, material in found:
            texts.setdefault(getattr(line, key), []).append(
                f"{material.name_zh} {quantity_text(line.target_quantity)} {material.unit}")
        return {row_id: ", ".join(text[:6]) + (" …" if len(text) > 6 else "") for row_id, text in texts.items()}
    return details
