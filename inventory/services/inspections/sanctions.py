"""Sanctions on an inspection (reserve-materials-measures §六(二)): the interview (约谈) and the storage qualification.

"由市发展改革委、市财政局或者市级其他储备部门进行约谈；对拒不整改的承储单位或者企业，由市级储备部门取消其承储资格":
an interview is recorded, with its day and minutes, by the development-and-reform commission, the finance bureau
(the coordinators) or the inspecting reserve bureau, and takes effect at once (the enterprise becomes
``interviewed``). Suspending, revoking and reinstating the qualification are the reserve bureau's: proposed by its
staff, decided by its approver, never the proposer (four eyes), on the workflow registry. Each approved decision
moves the enterprise's qualification (qualification.py) and the inspection's outcome in the same transaction.
"""
from __future__ import annotations

from datetime import date
from uuid import uuid4

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlmodel import Session, select

from inventory import scope
from inventory.core.clock import business_today
from inventory.core.errors import Forbidden, Invalid
from inventory.core.vocab import InspectionOutcome, OrgKind, Role, SanctionKind
from inventory.core.vocab import SanctionStatus as S
from inventory.core.vocab import WorkflowAction as A
from inventory.models import Inspection, Organisation, Sanction, User
from inventory.scope.inspections import INSPECTORS, PERMISSIONS
from inventory.services.audit import trail
from inventory.services.inspections import qualification
from inventory.services.workflows import engine
from inventory.services.workflows.dispatch_plan import Problems
from inventory.services.workflows.registry import Flow, InboxEntry, Transition, register

#: the decisions the reserve bureau proposes and its approver decides
PROPOSED_KINDS = (SanctionKind.suspension, SanctionKind.revocation, SanctionKind.reinstatement)


def _inspecting_bureau(session: Session, actor: User, row: Sanction) -> None:
    if actor.org_id != row.bureau_id:
        raise Forbidden(_l("only the reserve bureau that inspected decides on the qualification"))


def _proposer(session: Session, actor: User, row: Sanction) -> None:
    if actor.id != row.proposed_by:
        raise Forbidden(_l("only the person who proposed it may withdraw it"))


def _describe(session: Session, user: User, rows: list[Sanction]) -> dict[int, InboxEntry]:
    orgs = {org.id: org for org in session.exec(select(Organisation).where(
        Organisation.id.in_({row.enterprise_id for row in rows})))}
    return {row.id: InboxEntry(
        title=f"{row.code} · {orgs[row.enterprise_id].name}", detail=str(SanctionKind.label_of(row.kind)),
        endpoint="inspections.show", args={"inspection_id": row.inspection_id}, requested_by=row.proposed_by,
        requested_at=row.created_at, reason=row.minutes[:120]) for row in rows}


SANCTION = register(Flow(
    name="sanction", label=_l("sanction"), model=Sanction, initial=S.proposed, statuses=S,
    missing=_l("sanction not found"), requester="proposed_by",
    transitions=(
        Transition(S.proposed, A.approve, S.approved, PERMISSIONS[("sanction", "decide")], _inspecting_bureau,
                   four_eyes=True, by="decided_by", at="decided_at", note="decision_note"),
        Transition(S.proposed, A.reject, S.rejected, PERMISSIONS[("sanction", "decide")], _inspecting_bureau,
                   four_eyes=True, by="decided_by", at="decided_at", note="decision_note"),
        Transition(S.proposed, A.withdraw, S.withdrawn, PERMISSIONS[("sanction", "propose")], _proposer,
                   by="decided_by", at="decided_at", note="decision_note", awaited=False),
    ),
    describe=_describe,
))


@SANCTION.on_enter(S.rejected)
def _with_reason(session: Session, actor: User, row: Sanction, note: str) -> None:
    """A rejection states its reason whichever face took it (the inbox's inline form too): 422 rolls it back."""
    if not note.strip():
        raise Invalid.field("note", _l("a reason is required to reject"))


@SANCTION.on_enter(S.approved)
def _in_force(session: Session, actor: User, row: Sanction, note: str) -> None:
    _take_effect(session, actor, row)


def _take_effect(session: Session, actor: User, row: Sanction) -> None:
    before, after = qualification.apply(session, enterprise_id=row.enterprise_id, kind=row.kind, sanction_id=row.id)
    outcome = {SanctionKind.interview: InspectionOutcome.interview,
               SanctionKind.revocation: InspectionOutcome.revocation}.get(SanctionKind(row.kind))
    if outcome is not None:
        # the inspection's outcome is its most severe sanction: revocation over interview over none
        lesser = [InspectionOutcome.none.value] + ([InspectionOutcome.interview.value]
                                                   if outcome == InspectionOutcome.revocation else [])
        session.execute(update(Inspection).where(Inspection.id == row.inspection_id, Inspection.outcome.in_(lesser))
                        .values(outcome=outcome.value).execution_options(synchronize_session=False))
    trail.record(session, actor=actor, action="qualification.change", entity="organisation",
                 entity_id=row.enterprise_id, org_id=row.enterprise_id, before={"state": before.value},
                 after={"state": after.value, "sanction": row.code, "kind": row.kind})


def _read(decided_on: date | None, minutes: str, inspection: Inspection, problems: Problems,
          today: date | None) -> str:
    today = today or business_today()
    if decided_on is None:
        problems.add("decided_on", _l("required"))
    elif not inspection.inspected_on <= decided_on <= today:
        problems.add("decided_on", _l("must be from the inspection's day to today"))
    text = minutes.strip()
    if not text:
        problems.add("minutes", _l("required"))
    elif len(text) > 4000:
        problems.add("minutes", _l("at most %(count)s characters", count=4000))
    return text


def _new(session: Session, actor: User, inspection: Inspection, kind: str, status: str, decided_on: date,
         minutes: str) -> Sanction:
    row = Sanction(code=f"new-{uuid4().hex}", kind=kind, status=status, enterprise_id=inspection.enterprise_id,
                   inspection_id=inspection.id, bureau_id=inspection.bureau_id, org_id=actor.org_id,
                   decided_on=decided_on, minutes=minutes, proposed_by=actor.id)
    session.add(row)
    session.flush()
    row.code = f"SN-{decided_on.year}-{row.id:05d}"
    session.flush()
    return row


def record_interview(*, session: Session, actor: User, inspection_id: int, held_on: date | None, minutes: str,
                     today: date | None = None) -> Sanction:
    """An interview (约谈) held with the inspected enterprise: by CO-NDRC or CO-FIN (coordinators) or the
    inspecting bureau; in force at once."""
    scope.require(actor, "interview", "sanction")
    inspection = scope.visible_inspection(session, actor, inspection_id)
    if actor.role == Role.coordinator:
        if scope.org_kind(session, actor) != OrgKind.coordinator:
            raise Forbidden(_l("interviews are held by the development-and-reform commission, the finance bureau "
                               "or the reserve bureau"))
    elif actor.org_id != inspection.bureau_id:
        raise Forbidden(_l("only the reserve bureau that inspected, or a coordinator, holds the interview"))
    problems = Problems()
    text = _read(held_on, minutes, inspection, problems, today)
    problems.raise_any(_l("the interview has errors; nothing was saved"))
    row = _new(session, actor, inspection, SanctionKind.interview, S.recorded, held_on, text)
    engine.opened(session, flow=SANCTION, row=row, actor=actor, note=text[:500])
    trail.record(session, actor=actor, action="sanction.interview", entity="sanction", entity_id=row.id,
                 org_id=row.enterprise_id, after={"code": row.code, "inspection_id": inspection.id,
                                                  "held_on": held_on.isoformat()})
    _take_effect(session, actor, row)
    return row


def propose(*, session: Session, actor: User, inspection_id: int, kind: str, decided_on: date | None, minutes: str,
            today: date | None = None) -> Sanction:
    """The inspecting bureau proposes to suspend, revoke or reinstate the qualification; its approver decides."""
    scope.require(actor, "propose", "sanction")
    inspection = scope.visible_inspection(session, actor, inspection_id)
    if actor.org_id != inspection.bureau_id:
        raise Forbidden(_l("only the reserve bureau that inspected decides on the qualification"))
    problems = Problems()
    if kind not in [k.value for k in PROPOSED_KINDS]:
        problems.add("kind", _l("one of %(choices)s", choices=", ".join(k.value for k in PROPOSED_KINDS)))
    text = _read(decided_on, minutes, inspection, problems, today)
    problems.raise_any(_l("the proposal has errors; nothing was saved"))
    problem = qualification.refusal(kind, qualification.state_of(session, inspection.enterprise_id))
    if problem is not None:
        raise problem
    row = _new(session, actor, inspection, kind, S.proposed, decided_on, text)
    engine.opened(session, flow=SANCTION, row=row, actor=actor, note=text[:500])
    trail.record(session, actor=actor, action="sanction.propose", entity="sanction", entity_id=row.id,
                 org_id=row.enterprise_id, after={"code": row.code, "kind": kind, "inspection_id": inspection.id})
    return row


def decide(*, session: Session, actor: User, sanction_id: int, action: str, note: str = "") -> Sanction:
    """approve (in force at once) or reject (a reason required) by the bureau's approver; withdraw by the proposer."""
    if action not in (A.approve, A.reject, A.withdraw):
        raise Invalid.field("action", _l("one of %(choices)s", choices="approve, reject, withdraw"))
    note = note.strip()
    if len(note) > 500:
        raise Invalid.field("note", _l("at most %(count)s characters", count=500))
    if action == A.reject and not note:
        row = engine.visible_row(session, actor, SANCTION, sanction_id)
        engine.check(session, actor, SANCTION, row, action)
        raise Invalid.field("note", _l("a reason is required to reject"))
    return engine.take(session, flow=SANCTION, row_id=sanction_id, action=action, actor=actor, note=note)


def of_inspection(session: Session, inspection_id: int) -> list[Sanction]:
    return list(session.exec(select(Sanction).where(Sanction.inspection_id == inspection_id).order_by(Sanction.id)))


def may_interview(session: Session, actor: User, inspection: Inspection) -> bool:
    if not scope.can(actor, "interview", "sanction"):
        return False
    if actor.role == Role.coordinator:
        return scope.org_kind(session, actor) == OrgKind.coordinator
    return actor.org_id == inspection.bureau_id


def may_propose(actor: User, inspection: Inspection) -> bool:
    return actor.role in INSPECTORS and actor.org_id == inspection.bureau_id
