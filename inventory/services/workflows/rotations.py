"""Rotation (轮换, reserve-materials-measures §三) on the workflow registry: ageing stock sold and bought back.

"建立健全常态化轮换机制，组织指导承储单位或者企业对市级重要储备物资适时进行轮换，保证物资质量": for a material whose
policy is rotation, the enterprise proposes the lots to take out, the quantity, the mode (market sale or directed,
§一(三)), a window of 1–365 days (default: the rotation window of the enterprise's active storage contract for the
material, else the material's rotation lead time) and the sale price; the bureau approver of the material
approves (four eyes). While the window runs the enterprise records what goes out (``rotation_out``, with its sale price) and what comes back in (``rotation_in``: the same material only, a
new lot with its purchase price and quality result), each linked to the rotation (``ref_type='rotation'``) and kept
with its price so a bureau sees "low in, high out" (§二(六)2(4)). The rotation completes once as much came in as
went out; ``rotation_overdue`` opens the day after the window ends before that.

**Floor** (docs/domain-rules.md, rotation): during a window the enterprise is short of the rotated quantity, which
is allowed, but never below a floor: the floor share of the enterprise's active storage contract for the material
times the quantity it contracts (docs/plans.md), else ``ROTATION_FLOOR_SHARE`` (default 0.7) of its stock of the
material. Its stock is counted as what it holds plus what open rotations have taken out and not yet brought back;
approval is refused (409 ``below_floor``) when this rotation, with the other open ones, could take it below.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from uuid import uuid4

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from inventory import scope
from inventory.core import settings
from inventory.core.clock import business_today
from inventory.core.errors import Conflict, Forbidden, Invalid, NotFound
from inventory.core.quantities import quantity_text
from inventory.core.vocab import LotStatus, MovementKind, RotationMode, StockPolicy, WorkflowAction as A
from inventory.core.vocab import RotationStatus as S
from inventory.models import Lot, Material, Movement, Rotation, RotationLot, RotationMovement, User
from inventory.scope.rotation import PERMISSIONS
from inventory.services.audit import trail
from inventory.services.coldchain import traceability
from inventory.services.stock import ledger, lots as stock_lots
from inventory.services.inspections import qualification
from inventory.services.plans import storage_places
from inventory.services.workflows import engine
from inventory.services.workflows.dispatch_plan import Problems
from inventory.services.workflows.registry import Flow, InboxEntry, Transition, register

ENTERPRISE = PERMISSIONS[("rotation", "execute")]
APPROVERS = PERMISSIONS[("rotation", "approve")]
SHORTEST, LONGEST = 1, 365
NOTE_LENGTH = 500


def _own_enterprise(session: Session, actor: User, row: Rotation) -> None:
    if actor.org_id != row.enterprise_id:
        raise NotFound(_l("rotation not found"))


def _material_bureau(session: Session, actor: User, row: Rotation) -> None:
    if actor.org_id != session.get(Material, row.material_id).bureau_id:
        raise Forbidden(_l("only the bureau responsible for the material decides its rotation"))


def _may_complete(session: Session, actor: User, row: Rotation) -> None:
    """Closed by the enterprise once as much came back in as went out (the rest of the plan is not rotated)."""
    _own_enterprise(session, actor, row)
    if row.quantity_out <= 0 or row.quantity_in < row.quantity_out:
        raise Conflict(_l("a rotation completes once as much came in as went out: %(out)s out, %(in)s in",
                          out=quantity_text(row.quantity_out), **{"in": quantity_text(row.quantity_in)}),
                       code="illegal_transition")


def _describe(session: Session, user: User, rows: list[Rotation]) -> dict[int, InboxEntry]:
    materials = {m.id: m for m in session.exec(select(Material).where(
        Material.id.in_({row.material_id for row in rows})))}
    return {row.id: InboxEntry(
        title=f"{row.code} · {materials[row.material_id].name_zh}",
        detail=f"{quantity_text(row.quantity)} {materials[row.material_id].unit} · "
               f"{RotationMode.label_of(row.mode)} · {_l('%(days)s days', days=row.window_days)}",
        endpoint="rotations.show", args={"rotation_id": row.id}, requested_by=row.requested_by,
        requested_at=row.submitted_at or row.created_at, reason=row.note) for row in rows}


ROTATION = register(Flow(
    name="rotation", label=_l("rotation"), model=Rotation, initial=S.draft, statuses=S,
    missing=_l("rotation not found"), requester="requested_by",
    transitions=(
        Transition(S.draft, A.submit, S.submitted, ENTERPRISE, _own_enterprise, by="submitted_by",
                   at="submitted_at", awaited=False),
        Transition(S.submitted, A.approve, S.approved, APPROVERS, _material_bureau, four_eyes=True,
                   by="approved_by", at="approved_at", note="approval_note"),
        Transition(S.submitted, A.reject, S.rejected, APPROVERS, _material_bureau, four_eyes=True,
                   by="rejected_by", at="rejected_at", note="rejection_note"),
        Transition(S.approved, A.complete, S.completed, ENTERPRISE, _may_complete, by="completed_by",
                   at="completed_at"),
        *(Transition(source, A.cancel, S.cancelled, ENTERPRISE, _own_enterprise, by="cancelled_by",
                     at="cancelled_at", awaited=False) for source in (S.draft, S.submitted)),
    ),
    describe=_describe,
))


# -- proposal ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RotationInput:
    lots: tuple[int, ...]
    quantity: Decimal | str | int
    mode: str
    sale_price: Decimal | str | int | None
    window_days: int | None = None
    note: str = ""


def default_window(session: Session, enterprise_id: int, material: Material) -> int:
    """The rotation window of the enterprise's active contract for the material, else the material's rotation lead
    time, within 1–365 days."""
    terms = storage_places.rotation_terms(session, enterprise_id, material.id)
    if terms is not None and terms.window_days is not None:
        return terms.window_days
    return min(LONGEST, max(SHORTEST, material.rotation_lead_days or 30))


def _amount(value, name: str, problems: Problems, *, zero: bool = False) -> Decimal | None:
    try:
        amount = ledger.quantity(value, field=name)
    except Invalid as error:
        problems.add(name, error.message)
        return None
    if amount < 0 or (amount == 0 and not zero):
        problems.add(name, _l("must not be negative") if zero else _l("must be positive"))
        return None
    return amount


def _check_lots(session: Session, enterprise_id: int, lot_ids: tuple[int, ...], quantity: Decimal | None,
                problems: Problems) -> tuple[Material | None, list[Lot]]:
    if not lot_ids:
        problems.add("lots", _l("name at least one lot to take out"))
        return None, []
    if len(lot_ids) > 100:
        problems.add("lots", _l("at most %(count)s lots", count=100))
        return None, []
    if len(set(lot_ids)) != len(lot_ids):
        problems.add("lots", _l("a lot is listed twice"))
    found = {lot.id: lot for lot in session.exec(select(Lot).where(Lot.id.in_(list(lot_ids))))}
    material: Material | None = None
    chosen: list[Lot] = []
    today = business_today()
    for index, lot_id in enumerate(lot_ids):
        lot = found.get(lot_id)
        name = f"lots[{index}]"
        if lot is None or lot.enterprise_id != enterprise_id:
            problems.add(name, _l("not a lot of your enterprise"))
            continue
        if material is None:
            material = session.get(Material, lot.material_id)
            if material.policy != StockPolicy.rotate:
                problems.add(name, _l("%(code)s is scrapped, not rotated", code=material.code))
        elif lot.material_id != material.id:
            problems.add(name, _l("one rotation takes lots of one material"))
            continue
        if lot.status != LotStatus.available or lot.expiry_date < today:
            problems.add(name, _l("lot %(code)s is %(status)s: only available, unexpired stock is rotated out",
                                  code=lot.lot_code, status=LotStatus.label_of(
                                      LotStatus.expired if lot.expiry_date < today else lot.status)))
        chosen.append(lot)
    held = sum((lot.on_hand for lot in chosen), Decimal(0))
    if quantity is not None and chosen and not problems.fields and quantity > held:
        problems.add("quantity", _l("the lots hold %(held)s; %(quantity)s proposed", held=quantity_text(held),
                                    quantity=quantity_text(quantity)))
    return material, chosen


def propose(*, session: Session, actor: User, given: RotationInput) -> Rotation:
    """An enterprise's draft rotation; 422 naming every bad field, nothing written."""
    scope.require(actor, "request", "rotation")
    # stock rotated out must come back in: an enterprise that may not receive does not start one (§六(二))
    qualification.check_may_receive(session, actor.org_id)
    problems = Problems()
    quantity = _amount(given.quantity, "quantity", problems)
    if given.mode not in RotationMode.values():
        problems.add("mode", _l("one of %(choices)s", choices=", ".join(RotationMode.values())))
    price = None
    if given.sale_price is None or given.sale_price == "":
        problems.add("sale_price", _l("required"))
    else:
        price = _amount(given.sale_price, "sale_price", problems, zero=True)
    window = given.window_days
    if window is not None and (isinstance(window, bool) or not isinstance(window, int)
                               or not SHORTEST <= window <= LONGEST):
        problems.add("window_days", _l("a whole number of days from %(first)s to %(last)s", first=SHORTEST,
                                       last=LONGEST))
    if len(given.note.strip()) > NOTE_LENGTH:
        problems.add("note", _l("at most %(count)s characters", count=NOTE_LENGTH))
    material, chosen = _check_lots(session, actor.org_id, given.lots, quantity, problems)
    problems.raise_any(_l("the rotation has errors; nothing was saved"))
    row = Rotation(code=f"new-{uuid4().hex}", enterprise_id=actor.org_id, material_id=material.id, mode=given.mode,
                   quantity=quantity, window_days=window or default_window(session, actor.org_id, material),
                   sale_price=price, note=given.note.strip(), requested_by=actor.id)
    session.add(row)
    session.flush()
    row.code = f"RT-{business_today().year}-{row.id:05d}"
    session.add_all([RotationLot(rotation_id=row.id, lot_id=lot.id) for lot in chosen])
    session.flush()
    engine.opened(session, flow=ROTATION, row=row, actor=actor, note=row.note)
    trail.record(session, actor=actor, action="rotation.request", entity="rotation", entity_id=row.id,
                 org_id=row.enterprise_id, after={
                     "code": row.code, "material_id": material.id, "quantity": str(quantity), "mode": row.mode,
                     "window_days": row.window_days, "sale_price": str(price), "lots": [lot.id for lot in chosen]})
    return row


def decide(*, session: Session, actor: User, rotation_id: int, action: str, note: str = "") -> Rotation:
    """A person's step: submit, approve, reject, complete or cancel."""
    if len(note) > NOTE_LENGTH:
        raise Invalid.field("note", _l("at most %(count)s characters", count=NOTE_LENGTH))
    return engine.take(session, flow=ROTATION, row_id=rotation_id, action=action, actor=actor, note=note.strip())


@ROTATION.on_enter(S.submitted)
def _submitted(session: Session, actor: User, row: Rotation, note: str) -> None:
    problems = Problems()
    _check_lots(session, row.enterprise_id, tuple(lot_ids(session, row.id)), row.quantity, problems)
    problems.raise_any(_l("the rotation cannot be submitted; nothing was changed"))


@ROTATION.on_enter(S.rejected)
def _rejected(session: Session, actor: User, row: Rotation, note: str) -> None:
    if not note.strip():
        raise Invalid.field("note", _l("a rejection needs a reason"))


@dataclass(frozen=True)
class Floor:
    reserve: Decimal
    floor: Decimal
    gap: Decimal
    #: the floor is ``share`` of ``basis``: the contracted quantity, else the reserve
    share: Decimal
    basis: Decimal

    @property
    def lowest(self) -> Decimal:
        """The least the enterprise may hold during the windows, if every open rotation takes all out first."""
        return self.reserve - self.gap


def floor_for(session: Session, row: Rotation) -> Floor:
    """The enterprise's stock of the material (held plus what open rotations owe back), the floor under it, and
    the most those rotations and this one may take out at once."""
    held = session.exec(select(func.coalesce(func.sum(Lot.on_hand), 0)).where(
        Lot.enterprise_id == row.enterprise_id, Lot.material_id == row.material_id)).one()
    others = list(session.exec(select(Rotation).where(
        Rotation.enterprise_id == row.enterprise_id, Rotation.material_id == row.material_id,
        Rotation.status == S.approved, Rotation.id != row.id)))
    owed = sum((max(r.quantity_out - r.quantity_in, Decimal(0)) for r in others), Decimal(0))
    reserve = Decimal(held) + owed
    gap = sum((max(r.quantity - r.quantity_in, Decimal(0)) for r in others), Decimal(0)) + row.quantity
    terms = storage_places.rotation_terms(session, row.enterprise_id, row.material_id)
    if terms is not None and terms.floor_share is not None:
        share, basis = terms.floor_share, terms.contracted
    else:
        share, basis = settings.rotation_floor_share(), reserve
    return Floor(reserve, (basis * share).quantize(ledger.QUANTUM), gap, share, basis)


@ROTATION.on_enter(S.approved)
def _approved(session: Session, actor: User, row: Rotation, note: str) -> None:
    """Refused below the floor; the window starts the day after approval and ends ``window_days`` later."""
    qualification.check_may_receive(session, row.enterprise_id)
    floor = floor_for(session, row)
    if floor.lowest < floor.floor:
        raise Conflict(_l("the rotation could take the enterprise's stock of the material to %(lowest)s, below the "
                          "floor of %(floor)s (%(share)s of %(reserve)s)", lowest=quantity_text(floor.lowest),
                          floor=quantity_text(floor.floor), share=str(floor.share),
                          reserve=quantity_text(floor.basis)), code="below_floor")
    ends = business_today() + timedelta(days=row.window_days)
    session.execute(update(Rotation).where(Rotation.id == row.id).values(window_ends_on=ends)
                    .execution_options(synchronize_session=False))
    set_committed_value(row, "window_ends_on", ends)


# -- execution ---------------------------------------------------------------------------------------------------


def _executing(session: Session, actor: User, rotation_id: int) -> Rotation:
    row = scope.visible_rotation(session, actor, rotation_id)
    scope.require(actor, "execute", "rotation")
    _own_enterprise(session, actor, row)
    if row.status != S.approved:
        raise Conflict(_l("a rotation is executed once approved and until it completes; this one is %(status)s",
                          status=S.label_of(row.status)), code="illegal_transition")
    return row


def _add(session: Session, row: Rotation, column: str, amount: Decimal) -> None:
    """Add to what went out (never past the plan) or came in, decided once by the conditional UPDATE."""
    target = getattr(Rotation, column)
    condition = [Rotation.id == row.id, Rotation.status == S.approved]
    if column == "quantity_out":
        condition.append(Rotation.quantity_out + amount <= Rotation.quantity)
    result = session.execute(update(Rotation).where(*condition).values({column: target + amount})
                             .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        current = session.exec(select(Rotation).where(Rotation.id == row.id)
                               .execution_options(populate_existing=True)).one()
        if current.status != S.approved:
            raise Conflict(_l("the rotation is %(status)s", status=S.label_of(current.status)),
                           code="illegal_transition")
        raise Conflict(_l("only %(left)s remains to rotate out; %(asked)s given", asked=quantity_text(amount),
                          left=quantity_text(current.quantity - current.quantity_out)), code="over_rotated")
    fresh = session.exec(select(target).where(Rotation.id == row.id)).one()
    set_committed_value(row, column, fresh)


def rotate_out(*, session: Session, actor: User, rotation_id: int, lot_id: int, quantity: Decimal | str | int,
               unit_price: Decimal | str | int | None = None, note: str = "") -> RotationMovement:
    """Stock out of one of the rotation's lots, sold at ``unit_price`` (default: the proposed sale price)."""
    row = _executing(session, actor, rotation_id)
    problems = Problems()
    amount = _amount(quantity, "quantity", problems)
    price = row.sale_price if unit_price in (None, "") else _amount(unit_price, "unit_price", problems, zero=True)
    if lot_id not in lot_ids(session, row.id):
        problems.add("lot", _l("not a lot of this rotation"))
    if len(note.strip()) > NOTE_LENGTH:
        problems.add("note", _l("at most %(count)s characters", count=NOTE_LENGTH))
    problems.raise_any(_l("the rotation out has errors; nothing was taken out"))
    _add(session, row, "quantity_out", amount)
    text = f"{row.code} · sale {price:f}/unit" + (f" · {note.strip()}" if note.strip() else "")
    movement = ledger.post_movement(session=session, lot_id=lot_id, kind=MovementKind.rotation_out, amount=-amount,
                                    actor=actor, ref_type="rotation", ref_id=row.id, note=text[:NOTE_LENGTH])
    return _record(session, actor, row, movement, "out", amount, price, "", note)


@dataclass(frozen=True)
class RotationIn:
    """What comes back: a new lot of the same material, its purchase price and quality result, and for cold-chain
    food its traceability and quarantine certificates (checked as any receipt's, docs/coldchain.md)."""

    material: str
    facility: str
    lot_code: str
    quantity: Decimal | str | int
    unit_price: Decimal | str | int | None
    production_date: date | None = None
    expiry_date: date | None = None
    inspection_result: str = "passed"
    note: str = ""
    certificates: traceability.Certificates = traceability.Certificates()


def rotate_in(*, session: Session, actor: User, rotation_id: int, given: RotationIn) -> RotationMovement:
    """A new lot bought back for the rotation (the same material only: 422 otherwise); reaching the quantity that
    went out once all of it went out completes the rotation."""
    row = _executing(session, actor, rotation_id)
    material = session.get(Material, row.material_id)
    problems = Problems()
    if given.material.strip() != material.code:
        problems.add("material", _l("a rotation brings back the same material: %(code)s", code=material.code))
    price = None
    if given.unit_price in (None, ""):
        problems.add("unit_price", _l("required"))
    else:
        price = _amount(given.unit_price, "unit_price", problems, zero=True)
    if len(given.note.strip()) > NOTE_LENGTH:
        problems.add("note", _l("at most %(count)s characters", count=NOTE_LENGTH))
    problems.raise_any(_l("the rotation in has errors; nothing was received"))
    # a new lot like any receipt's, through the same checks (facility, dates, certificates); its movement is the
    # rotation's ``rotation_in`` with the purchase price in its note
    text = f"{row.code} · purchase {price:f}/unit" + (f" · {given.note.strip()}" if given.note.strip() else "")
    receipt = stock_lots.Receipt(material=material.code, facility=given.facility, lot_code=given.lot_code,
                                 quantity=given.quantity, production_date=given.production_date,
                                 expiry_date=given.expiry_date, inspection_result=given.inspection_result,
                                 note=text[:NOTE_LENGTH], certificates=given.certificates)
    lot = stock_lots.receive_lot(session=session, actor=actor, receipt=receipt, ref_type="rotation", ref_id=row.id,
                                 kind=MovementKind.rotation_in, audited={"rotation": row.code})
    amount, result = lot.quantity_received, stock_lots.inspection_result(given.inspection_result)
    _add(session, row, "quantity_in", amount)
    movement = session.exec(select(Movement).where(Movement.lot_id == lot.id)).one()
    done = _record(session, actor, row, movement, "in", amount, price, result, given.note)
    if row.quantity_out >= row.quantity and row.quantity_in >= row.quantity_out:
        engine.take(session, flow=ROTATION, row_id=row.id, action=A.complete, actor=actor)
    return done


def _record(session: Session, actor: User, row: Rotation, movement: Movement, direction: str, amount: Decimal,
            price: Decimal, quality: str, note: str) -> RotationMovement:
    done = RotationMovement(rotation_id=row.id, movement_id=movement.id, lot_id=movement.lot_id, direction=direction,
                            quantity=amount, unit_price=price, quality_result=quality, note=note.strip()[:NOTE_LENGTH],
                            recorded_by=actor.id)
    session.add(done)
    session.flush()
    # stored as written, not in the request's language: the page translates the step's action, not its note
    text = f"{'−' if direction == 'out' else '+'}{quantity_text(amount)} × {quantity_text(price)}"
    engine.progressed(session, flow=ROTATION, row=row, action=A.execute, actor=actor, note=text)
    trail.record(session, actor=actor, action=f"rotation.{direction}", entity="rotation", entity_id=row.id,
                 org_id=row.enterprise_id, after={"lot": movement.lot_id, "movement": movement.id,
                                                  "quantity": str(amount), "unit_price": str(price),
                                                  "quality_result": quality, "quantity_out": str(row.quantity_out),
                                                  "quantity_in": str(row.quantity_in)})
    return done


# -- reads -------------------------------------------------------------------------------------------------------


def rotations_query(session: Session, actor: User):
    scope.require(actor, "view", "rotation")
    return scope.enterprise_rows_query(session, actor, Rotation)


def visible(session: Session, actor: User, rotation_id: int) -> Rotation:
    scope.require(actor, "view", "rotation")
    return scope.visible_rotation(session, actor, rotation_id)


def lot_ids(session: Session, rotation_id: int) -> list[int]:
    return list(session.exec(select(RotationLot.lot_id).where(RotationLot.rotation_id == rotation_id)
                             .order_by(RotationLot.id)))


def rotation_lots(session: Session, rotation_id: int) -> list[Lot]:
    return list(session.exec(select(Lot).join(RotationLot, RotationLot.lot_id == Lot.id)
                             .where(RotationLot.rotation_id == rotation_id).order_by(RotationLot.id)))


def executions(session: Session, rotation_id: int) -> list[RotationMovement]:
    return list(session.exec(select(RotationMovement).where(RotationMovement.rotation_id == rotation_id)
                             .order_by(RotationMovement.id)))


def actions_for(session: Session, actor: User, row: Rotation) -> list[str]:
    return sorted({t.action for t in ROTATION.transitions if t.roles and t.source == row.status
                   and engine.may_take(session, actor, ROTATION, row, t.action)})


def may_execute(session: Session, actor: User, row: Rotation) -> bool:
    return row.status == S.approved and actor.org_id == row.enterprise_id and scope.can(actor, "execute", "rotation")
