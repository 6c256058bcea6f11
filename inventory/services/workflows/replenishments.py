"""Replenishment (补充, reserve-materials-measures §四(二)): after a dispatch the reserve goes back to its plan scale.

"动用后，市级储备部门应当……及时提出补充方案，明确物资种类、补充数量，及时补充至计划储备规模": when a dispatch completes,
the system proposes, per material and enterprise, what was released less what came back in good order, due a
configurable number of days later; the bureau confirms it (not the person whose completion proposed it) (adjusting quantity and due date), which sends the enterprise a
receive instruction; receipts under that instruction fulfil it (docs/domain-rules.md, dispatch). A suspended or revoked
enterprise receives no new lots (§六(二)), so its replenishment is confirmed to another enterprise that may store
the material, or not at all (409 ``enterprise_sanctioned``).
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import uuid4

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from inventory import scope
from inventory.core import settings
from inventory.core.clock import business_today, utcnow
from inventory.core.errors import Conflict, Forbidden, Invalid
from inventory.core.quantities import quantity_text
from inventory.core.vocab import InspectionResult, ReplenishmentStatus as S
from inventory.core.vocab import WorkflowAction as A
from inventory.core.vocab import OrgKind
from inventory.models import (
    Dispatch, DispatchRecovery, Instruction, Material, Organisation, Replenishment, User,
)
from inventory.scope.dispatch import PERMISSIONS
from inventory.services.audit import trail
from inventory.services.inspections import qualification
from inventory.services.stock import ledger, storage_fit
from inventory.services.workflows import engine
from inventory.services.workflows.dispatch_plan import Problems
from inventory.services.workflows.registry import Flow, InboxEntry, Transition, register

#: the furthest a bureau may set a due date
LONGEST_DAYS = 366


def _material_bureau(session: Session, actor: User, row: Replenishment) -> None:
    if actor.org_id != session.get(Material, row.material_id).bureau_id:
        raise Forbidden(_l("only the bureau responsible for the material confirms its replenishment"))


def _describe(session: Session, user: User, rows: list[Replenishment]) -> dict[int, InboxEntry]:
    materials = {m.id: m for m in session.exec(select(Material).where(
        Material.id.in_({row.material_id for row in rows})))}
    return {row.id: InboxEntry(
        title=f"{row.code} · {materials[row.material_id].name_zh}",
        detail=f"{quantity_text(row.quantity)} {materials[row.material_id].unit} · {row.due_on.isoformat()}",
        endpoint="replenishments.show", args={"replenishment_id": row.id}, requested_by=row.proposed_by,
        requested_at=row.created_at) for row in rows}


REPLENISHMENT = register(Flow(
    name="replenishment", label=_l("replenishment"), model=Replenishment, initial=S.proposed, statuses=S,
    missing=_l("replenishment not found"), requester="proposed_by",
    transitions=(
        Transition(S.proposed, A.confirm, S.confirmed, PERMISSIONS[("replenishment", "confirm")], _material_bureau,
                   four_eyes=True, by="confirmed_by", at="confirmed_at", note="confirm_note"),
        Transition(S.confirmed, A.complete, S.fulfilled),
    ),
    describe=_describe,
))


def propose_for_dispatch(session: Session, actor: User, dispatch: Dispatch,
                         released: dict[tuple[int, int], Decimal]) -> list[Replenishment]:
    """One proposal per enterprise and material: released less recovered, when anything is left to buy back."""
    recovered = dict(((enterprise, material), Decimal(total or 0)) for enterprise, material, total in session.exec(
        select(DispatchRecovery.enterprise_id, DispatchRecovery.material_id, func.sum(DispatchRecovery.quantity))
        .where(DispatchRecovery.dispatch_id == dispatch.id,
               DispatchRecovery.quality_result == InspectionResult.passed)
        .group_by(DispatchRecovery.enterprise_id, DispatchRecovery.material_id)))
    due = business_today() + timedelta(days=settings.replenishment_due_days())
    made = []
    for (enterprise_id, material_id), quantity in sorted(released.items()):
        left = quantity - recovered.get((enterprise_id, material_id), Decimal(0))
        if left <= 0:
            continue
        row = Replenishment(code=f"new-{uuid4().hex}", source="dispatch", dispatch_id=dispatch.id,
                            material_id=material_id, enterprise_id=enterprise_id, quantity=left, due_on=due,
                            proposed_by=actor.id)
        session.add(row)
        session.flush()
        row.code = f"RP-{business_today().year}-{row.id:05d}"
        session.flush()
        engine.opened(session, flow=REPLENISHMENT, row=row, actor=actor, note=dispatch.code)
        trail.record(session, actor=actor, action="replenishment.propose", entity="replenishment", entity_id=row.id,
                     org_id=enterprise_id, after={"code": row.code, "dispatch_id": dispatch.id,
                                                  "material_id": material_id, "quantity": str(left),
                                                  "due_on": due.isoformat()})
        made.append(row)
    return made


def propose_for_scrap(session: Session, actor: User, *, enterprise_id: int, material_id: int, quantity: Decimal,
                      scrap_code: str) -> Replenishment:
    """§三 "作报废处理的，应当同时进行补充": the replenishment of what a scrap took out, proposed in the transaction
    that posts the scrap movements (services/workflows/scraps.py); the bureau confirms it like a dispatch's."""
    due = business_today() + timedelta(days=settings.replenishment_due_days())
    row = Replenishment(code=f"new-{uuid4().hex}", source="scrap", material_id=material_id,
                        enterprise_id=enterprise_id, quantity=quantity, due_on=due, proposed_by=actor.id)
    session.add(row)
    session.flush()
    row.code = f"RP-{business_today().year}-{row.id:05d}"
    session.flush()
    engine.opened(session, flow=REPLENISHMENT, row=row, actor=actor, note=scrap_code)
    trail.record(session, actor=actor, action="replenishment.propose", entity="replenishment", entity_id=row.id,
                 org_id=enterprise_id, after={"code": row.code, "scrap": scrap_code, "material_id": material_id,
                                              "quantity": str(quantity), "due_on": due.isoformat()})
    return row


def receivers(session: Session, actor: User, material: Material) -> list[Organisation]:
    """The enterprises a replenishment of the material may be confirmed to: of those the actor may see (scope),
    active, neither suspended nor revoked, with an active facility that stores the material (storage_fit)."""
    candidates = scope.organisations_query(session, actor).where(
        Organisation.active, Organisation.kind == OrgKind.enterprise,
        Organisation.id.not_in(qualification.barred_ids()))
    ids = storage_fit.storing(session, material, candidates.with_only_columns(Organisation.id))
    return list(session.exec(candidates.where(Organisation.id.in_(ids)).order_by(Organisation.code))) if ids else []


def _receiver(session: Session, actor: User, row: Replenishment, code: str, problems: Problems) -> int | None:
    """The enterprise chosen to receive instead of the proposed one, checked; None to keep the proposed one."""
    code = code.strip()
    if not code:
        return None
    org = session.exec(select(Organisation).where(Organisation.code == code)).first()
    if org is None or org.kind != OrgKind.enterprise or not org.active:
        problems.add("enterprise", _l("not an enterprise"))
        return None
    if org.id == row.enterprise_id:
        return None
    qualification.check_may_receive(session, org.id)
    if org.id not in {o.id for o in receivers(session, actor, session.get(Material, row.material_id))}:
        problems.add("enterprise", _l("%(enterprise)s has no facility that may store this material",
                                      enterprise=org.name))
        return None
    return org.id


def confirm(*, session: Session, actor: User, replenishment_id: int, quantity: Decimal | str | int | None = None,
            due_on: date | None = None, note: str = "", enterprise: str = "") -> Replenishment:
    """The bureau confirms the proposal, adjusting its quantity or due date, or choosing another enterprise to
    receive it (organisation code); the receiving enterprise is then instructed. One suspended or revoked cannot
    be confirmed to: 409 ``enterprise_sanctioned``."""
    row = scope.visible_replenishment(session, actor, replenishment_id)
    engine.check(session, actor, REPLENISHMENT, row, A.confirm)
    problems = Problems()
    values: dict[str, object] = {}
    chosen = _receiver(session, actor, row, enterprise or "", problems)
    if chosen is not None:
        values["enterprise_id"] = chosen
    if quantity not in (None, ""):
        try:
            amount = ledger.quantity(quantity)
        except Invalid as error:
            problems.add("quantity", error.message)
        else:
            if amount <= 0:
                problems.add("quantity", _l("must be positive"))
            else:
                values["quantity"] = amount
    if due_on is not None:
        today = business_today()
        if not today <= due_on <= today + timedelta(days=LONGEST_DAYS):
            problems.add("due_on", _l("must be from today to a year ahead"))
        else:
            values["due_on"] = due_on
    if len(note) > 500:
        problems.add("note", _l("at most %(count)s characters", count=500))
    problems.raise_any(_l("the replenishment has errors; nothing was saved"))
    qualification.check_may_receive(session, chosen or row.enterprise_id)
    if values:
        before = {"quantity": str(row.quantity), "due_on": row.due_on.isoformat(), "enterprise_id": row.enterprise_id}
        result = session.execute(update(Replenishment).where(Replenishment.id == row.id,
                                                             Replenishment.status == S.proposed)
                                 .values(**values).execution_options(synchronize_session=False))
        if result.rowcount != 1:
            raise Conflict(_l("someone else has acted on this replenishment; reload it"), code="illegal_transition")
        for name, value in values.items():
            set_committed_value(row, name, value)
        trail.record(session, actor=actor, action="replenishment.adjust", entity="replenishment", entity_id=row.id,
                     org_id=row.enterprise_id, before=before,
                     after={"quantity": str(row.quantity), "due_on": row.due_on.isoformat(),
                            "enterprise_id": row.enterprise_id})
    return engine.take(session, flow=REPLENISHMENT, row_id=row.id, action=A.confirm, actor=actor, note=note.strip())


def for_instruction(session: Session, replenishment_id: int, enterprise_id: int, material_id: int, kind: str,
                    quantity: Decimal | None, problems: Problems) -> Replenishment | None:
    """A bureau's own receive instruction towards a confirmed replenishment (a refused one re-issued): same
    enterprise and material, within what no open instruction already covers."""
    row = session.get(Replenishment, replenishment_id)
    if row is None or row.enterprise_id != enterprise_id or row.material_id != material_id or kind != "receive":
        problems.add("replenishment", _l("not a replenishment of this enterprise and material to receive"))
        return None
    if row.status != S.confirmed:
        problems.add("replenishment", _l("the replenishment is %(status)s", status=S.label_of(row.status)))
        return None
    pending = session.exec(select(func.coalesce(func.sum(Instruction.quantity - Instruction.executed), 0)).where(
        Instruction.replenishment_id == row.id, Instruction.status.in_(["issued", "acknowledged"]))).one()
    room = row.quantity - row.received - Decimal(pending)
    if quantity is not None and quantity > room:
        problems.add("quantity", _l("the replenishment has %(room)s left to instruct", room=quantity_text(room)))
    return row


def received(session: Session, actor: User, replenishment_id: int, amount: Decimal) -> None:
    """A receipt under the replenishment's instruction; reaching its quantity fulfils it."""
    session.execute(update(Replenishment).where(Replenishment.id == replenishment_id)
                    .values(received=Replenishment.received + amount).execution_options(synchronize_session=False))
    row = session.exec(select(Replenishment).where(Replenishment.id == replenishment_id)
                       .execution_options(populate_existing=True)).one()
    if row.status == S.confirmed and row.received >= row.quantity:
        engine.follow(session, flow=REPLENISHMENT, row=row, action=A.complete, actor=actor)
        now = utcnow()
        session.execute(update(Replenishment).where(Replenishment.id == row.id).values(fulfilled_at=now)
                        .execution_options(synchronize_session=False))
        set_committed_value(row, "fulfilled_at", now)


def replenishments_query(session: Session, actor: User):
    scope.require(actor, "view", "replenishment")
    return scope.enterprise_rows_query(session, actor, Replenishment)


def open_by_material(session: Session, actor: User) -> dict[int, Decimal]:
    """What open replenishments still have to bring in, per material, within the reader's scope (coverage)."""
    query = replenishments_query(session, actor).where(Replenishment.status.in_([S.proposed, S.confirmed])) \
        .with_only_columns(Replenishment.material_id, func.sum(Replenishment.quantity - Replenishment.received)) \
        .group_by(Replenishment.material_id)
    return {material: Decimal(total or 0) for material, total in session.execute(query)}
