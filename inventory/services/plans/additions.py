"""Temporary additions (临时储备, reserve-materials-measures §二(四), docs/plans.md): extra varieties or scale for a
period, "报市人民政府批准后，由市级储备部门组织实施".

Drafted by bureau staff (a material in the bureau's remit) or a coordinator, with a quantity, a reason and a period;
submitted by the drafting organisation; approved by the government (four eyes) — in force, and for its period the
material counts as a reserve variety — or rejected with a reason back to draft. When the period ends the bureau's
approver or a coordinator decides, and the decision is recorded either way (who, when, note, timeline, audit):
``lapse``, or ``propose`` it into the catalogue — its line goes into the current draft catalogue version (created as
a copy of the version in force when there is none), which then goes through the catalogue's own chain.
``addition_ending`` reminds before the end and stays open until the decision.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import uuid4

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from inventory import scope
from inventory.scope import plans as plan_scope
from inventory.core.clock import business_today
from inventory.core.errors import Conflict, Forbidden, Invalid
from inventory.core.quantities import quantity_text
from inventory.core.vocab import AdditionStatus as S
from inventory.core.vocab import OrgKind, Role
from inventory.core.vocab import PlanStatus
from inventory.core.vocab import WorkflowAction as A
from inventory.models import CatalogueLine, CatalogueVersion, Material, Organisation, TemporaryAddition, User
from inventory.scope.plans import PERMISSIONS
from inventory.services.audit import trail
from inventory.services.plans import catalogue
from inventory.services.plans.documents import serialise
from inventory.services.workflows import engine
from inventory.services.workflows.dispatch_plan import Problems, positive_amount
from inventory.services.workflows.registry import Flow, InboxEntry, Transition, register

DRAFTERS = PERMISSIONS[("temporary_addition", "draft")]
GOVERNMENT = PERMISSIONS[("temporary_addition", "approve")]
DECIDERS = PERMISSIONS[("temporary_addition", "decide")]
REASON_LENGTH, NOTE_LENGTH = 2000, 500
#: the longest period an addition may run: it is temporary
LONGEST_DAYS = 3 * 366


def _drafting_org(session: Session, actor: User, row: TemporaryAddition) -> None:
    if session.get(User, row.requested_by).org_id != actor.org_id:
        raise Forbidden(_l("only the organisation that drafted the addition may submit or withdraw it"))


def _decider(session: Session, actor: User, row: TemporaryAddition) -> None:
    """The bureau's approver or a coordinator, once the period's last day has come."""
    if actor.role == Role.bureau_approver and actor.org_id != row.bureau_id:
        raise Forbidden(_l("only the bureau responsible for the addition or a coordinator decides what follows it"))
    if business_today() < row.ends_on:
        raise Conflict(_l("the addition runs until %(day)s: what follows it is decided from its last day",
                          day=row.ends_on.isoformat()), code="illegal_transition")


def _describe(session: Session, user: User, rows: list[TemporaryAddition]) -> dict[int, InboxEntry]:
    materials = {m.id: m for m in session.exec(select(Material).where(
        Material.id.in_({row.material_id for row in rows})))}
    return {row.id: InboxEntry(
        title=f"{row.code} · {materials[row.material_id].name_zh}",
        detail=f"{quantity_text(row.quantity)} {materials[row.material_id].unit} · {row.starts_on.isoformat()} – "
               f"{row.ends_on.isoformat()}",
        endpoint="temporary_additions.show", args={"addition_id": row.id}, requested_by=row.requested_by,
        requested_at=row.submitted_at or row.created_at,
        reason=row.rejection_note if row.status == S.draft else row.reason) for row in rows}


DECISION = {"by": "decided_by", "at": "decided_at", "note": "decision_note"}
ADDITION = register(Flow(
    name="temporary_addition", label=_l("temporary addition"), model=TemporaryAddition, initial=S.draft, statuses=S,
    missing=_l("temporary addition not found"), describe=_describe,
    transitions=(
        Transition(S.draft, A.submit, S.submitted, DRAFTERS, _drafting_org, by="submitted_by", at="submitted_at"),
        Transition(S.submitted, A.approve, S.in_force, GOVERNMENT, four_eyes=True, by="approved_by",
                   at="approved_at", note="approval_note"),
        Transition(S.submitted, A.reject, S.draft, GOVERNMENT, four_eyes=True, by="rejected_by", at="rejected_at",
                   note="rejection_note"),
        Transition(S.draft, A.withdraw, S.withdrawn, DRAFTERS, _drafting_org, by="withdrawn_by", at="withdrawn_at",
                   awaited=False),
        Transition(S.in_force, A.lapse, S.lapsed, DECIDERS, _decider, **DECISION),
        Transition(S.in_force, A.propose, S.proposed, DECIDERS, _decider, **DECISION),
    )))


@ADDITION.on_enter(S.draft)
def _rejected(session: Session, actor: User, row: TemporaryAddition, note: str) -> None:
    if not note.strip():
        raise Invalid.field("note", _l("a rejection needs a reason"))


@ADDITION.on_enter(S.proposed)
def _proposed(session: Session, actor: User, row: TemporaryAddition, note: str) -> None:
    """The addition's scale goes into the current draft catalogue version (its target raised when the material is
    listed there already); a draft copied from the version in force is started when none exists."""
    serialise(session, "catalogue-draft")
    draft = session.exec(select(CatalogueVersion).where(CatalogueVersion.status == PlanStatus.draft)
                         .order_by(CatalogueVersion.id.desc())).first()
    if draft is None:
        source = catalogue.in_force(session)
        draft = catalogue.copy_of(session, actor, source) if source is not None else catalogue.new_draft(
            session, actor, title="", note="", review_due_on=None, lines=[])
    material = session.get(Material, row.material_id)
    line = session.exec(select(CatalogueLine).where(CatalogueLine.version_id == draft.id,
                                                    CatalogueLine.material_id == row.material_id)).first()
    if line is None:
        session.add(CatalogueLine(version_id=draft.id, material_id=row.material_id, target_quantity=row.quantity,
                                  storage_months=12, bureau_id=material.bureau_id))
    else:
        session.execute(update(CatalogueLine).where(CatalogueLine.id == line.id)
                        .values(target_quantity=CatalogueLine.target_quantity + row.quantity)
                        .execution_options(synchronize_session=False))
    session.execute(update(TemporaryAddition).where(TemporaryAddition.id == row.id)
                    .values(catalogue_version_id=draft.id).execution_options(synchronize_session=False))
    set_committed_value(row, "catalogue_version_id", draft.id)
    engine.progressed(session, flow=catalogue.CATALOGUE.flow, row=draft, action=A.propose, actor=actor,
                      note=f"{row.code}: +{quantity_text(row.quantity)} {material.code}")
    trail.record(session, actor=actor, action="catalogue.propose", entity="catalogue", entity_id=draft.id,
                 org_id=actor.org_id, after={"addition": row.code, "material_id": row.material_id,
                                             "quantity": str(row.quantity)})


@dataclass(frozen=True)
class AdditionInput:
    material: str
    quantity: Decimal | str | int
    reason: str
    starts_on: date | None
    ends_on: date | None
    enterprise: str | None = None


def _check(session: Session, actor: User, given: AdditionInput) -> tuple[Material | None, Organisation | None,
                                                                           Decimal | None]:
    problems = Problems()
    material = catalogue.material_of(session, given.material, "material", problems)
    if material is not None and actor.role in (Role.bureau_officer, Role.bureau_approver) \
            and material.bureau_id != actor.org_id:
        problems.add("material", _l("%(code)s is not in your bureau's remit", code=material.code))
    quantity = positive_amount(given.quantity, "quantity", problems)
    if not given.reason.strip():
        problems.add("reason", _l("say why the addition is needed"))
    elif len(given.reason.strip()) > REASON_LENGTH:
        problems.add("reason", _l("at most %(count)s characters", count=REASON_LENGTH))
    if given.starts_on is None:
        problems.add("starts_on", _l("required"))
    if given.ends_on is None:
        problems.add("ends_on", _l("required"))
    if given.starts_on and given.ends_on:
        if given.ends_on < given.starts_on:
            problems.add("ends_on", _l("the period ends before it starts"))
        elif (given.ends_on - given.starts_on).days > LONGEST_DAYS:
            problems.add("ends_on", _l("a temporary addition runs at most %(days)s days", days=LONGEST_DAYS))
    enterprise = None
    if given.enterprise:
        enterprise = session.exec(select(Organisation).where(Organisation.code == given.enterprise.strip(),
                                                             Organisation.kind == OrgKind.enterprise)).first()
        if enterprise is None:
            problems.add("enterprise", _l("no storage enterprise with the code %(code)s", code=given.enterprise))
    problems.raise_any(_l("the temporary addition has errors; nothing was saved"))
    return material, enterprise, quantity


def draft_addition(*, session: Session, actor: User, given: AdditionInput) -> TemporaryAddition:
    """A draft addition; 422 naming every bad field, nothing written."""
    scope.require(actor, "draft", "temporary_addition")
    material, enterprise, quantity = _check(session, actor, given)
    row = TemporaryAddition(code=f"new-{uuid4().hex}", bureau_id=material.bureau_id, material_id=material.id,
                            enterprise_id=enterprise.id if enterprise else None, quantity=quantity,
                            reason=given.reason.strip(), starts_on=given.starts_on, ends_on=given.ends_on,
                            requested_by=actor.id)
    session.add(row)
    session.flush()
    row.code = f"TA-{business_today().year}-{row.id:04d}"
    session.add(row)
    session.flush()
    engine.opened(session, flow=ADDITION, row=row, actor=actor, note=row.reason)
    trail.record(session, actor=actor, action="temporary_addition.draft", entity="temporary_addition",
                 entity_id=row.id, org_id=row.enterprise_id, after={
                     "code": row.code, "material_id": material.id, "quantity": str(quantity),
                     "starts_on": row.starts_on.isoformat(), "ends_on": row.ends_on.isoformat(),
                     "enterprise_id": row.enterprise_id, "reason": row.reason})
    return row


def decide(*, session: Session, actor: User, addition_id: int, action: str, note: str = "") -> TemporaryAddition:
    """submit, approve, reject, withdraw, lapse or propose."""
    if len(note) > NOTE_LENGTH:
        raise Invalid.field("note", _l("at most %(count)s characters", count=NOTE_LENGTH))
    return engine.take(session, flow=ADDITION, row_id=addition_id, action=action, actor=actor, note=note.strip())


def actions_for(session: Session, actor: User, row: TemporaryAddition) -> list[str]:
    return sorted({t.action for t in ADDITION.transitions if t.roles and t.source == row.status
                   and engine.may_take(session, actor, ADDITION, row, t.action)})


def additions_query(session: Session, actor: User):
    scope.require(actor, "view", "temporary_addition")
    return scope.enterprise_rows_query(session, actor, TemporaryAddition)


def visible(session: Session, actor: User, addition_id: int) -> TemporaryAddition:
    scope.require(actor, "view", "temporary_addition")
    return plan_scope.visible_temporary_addition(session, actor, addition_id)
