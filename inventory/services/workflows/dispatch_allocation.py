"""Where the stock of an approved dispatch comes from: a proposal first expiry, first out across every enterprise,
or the approver's own list, checked against the same rules.

A lot can be allocated when it is ``available``, not past its expiry date (business day), kept in a facility that
suits its storage class, and holds stock that no open release instruction (another dispatch's, a bureau's own) is
still to take.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from inventory.core.clock import business_today
from inventory.core.errors import Conflict, Invalid
from inventory.core.quantities import quantity_text
from inventory.core.vocab import LotStatus
from inventory.models import Dispatch, DispatchAllocation, Facility, Lot, Material
from inventory.services.stock import holds
from inventory.services.stock.lots import check_cold_chain
from inventory.services.workflows.dispatch_plan import Problems, fefo_take, plan_lines, positive_amount

#: lots looked at per line: more than a plan ever takes from
LOTS_PER_LINE = 500


@dataclass(frozen=True)
class AllocationInput:
    line_id: int
    lot_id: int
    quantity: Decimal | str | int


def _allocatable(material_id: int, today: date):
    return (select(Lot).where(Lot.material_id == material_id, Lot.status == LotStatus.available, Lot.on_hand > 0,
                              Lot.expiry_date >= today))


def _suiting(session: Session, lots: list[Lot]) -> list[Lot]:
    """The lots whose facility still keeps their material's storage class (a facility's range may have changed);
    the materials and facilities are read once, not per lot."""
    materials = {m.id: m for m in session.exec(select(Material).where(
        Material.id.in_({lot.material_id for lot in lots})))} if lots else {}
    facilities = {f.id: f for f in session.exec(select(Facility).where(
        Facility.id.in_({lot.facility_id for lot in lots})))} if lots else {}
    suiting = []
    for lot in lots:
        try:
            check_cold_chain(materials[lot.material_id], facilities[lot.facility_id])
        except Invalid:
            continue
        suiting.append(lot)
    return suiting


def propose(session: Session, dispatch: Dispatch, *, today: date | None = None) -> list[DispatchAllocation]:
    """FEFO for every line, across enterprises: earliest expiry first, then the oldest lot; 409 ``insufficient_stock``
    naming each line the free stock cannot cover."""
    day = today or business_today()
    allocations: list[DispatchAllocation] = []
    short: list[str] = []
    for line in plan_lines(session, dispatch.id):
        lots = _suiting(session, list(session.exec(_allocatable(line.material_id, day)
                                                   .order_by(Lot.expiry_date, Lot.id).limit(LOTS_PER_LINE))))
        picks, remaining = fefo_take(lots, holds.free(session, lots), line.quantity)
        enterprise_of = {lot.id: lot.enterprise_id for lot in lots}
        allocations += [DispatchAllocation(dispatch_id=dispatch.id, line_id=line.id, lot_id=lot_id,
                                           enterprise_id=enterprise_of[lot_id], quantity=take) for lot_id, take in picks]
        if remaining > 0:
            material = session.get(Material, line.material_id)
            short.append(str(_l("%(material)s: %(available)s %(unit)s available, %(requested)s planned",
                                material=material.code, available=quantity_text(line.quantity - remaining),
                                unit=material.unit, requested=quantity_text(line.quantity))))
    if short:
        raise Conflict(_l("available stock cannot cover the plan (%(lines)s)", lines="; ".join(short)),
                       code="insufficient_stock")
    return allocations


def check_given(session: Session, dispatch: Dispatch, given: list[AllocationInput], *,
                today: date | None = None) -> list[DispatchAllocation]:
    """The approver's allocations, checked: lots of the line's material, allocatable, within what each lot can
    still give, each line covered exactly. 422 naming every bad entry, nothing written."""
    day = today or business_today()
    lines = {line.id: line for line in plan_lines(session, dispatch.id)}
    lot_ids = {entry.lot_id for entry in given}
    lots = {lot.id: lot for lot in session.exec(select(Lot).where(Lot.id.in_(lot_ids)))} if lot_ids else {}
    free = holds.free(session, list(lots.values()))
    problems = Problems()
    allocations: list[DispatchAllocation] = []
    per_line: dict[int, Decimal] = defaultdict(Decimal)
    per_lot: dict[int, Decimal] = defaultdict(Decimal)
    pairs: set[tuple[int, int]] = set()
    for index, entry in enumerate(given):
        key = f"allocations[{index}]"
        line, lot = lines.get(entry.line_id), lots.get(entry.lot_id)
        quantity = positive_amount(entry.quantity, f"{key}.quantity", problems)
        if line is None:
            problems.add(f"{key}.line", _l("not a line of this plan"))
            continue
        if lot is None or lot.material_id != line.material_id:
            problems.add(f"{key}.lot", _l("not a lot of the line's material"))
            continue
        if lot.status != LotStatus.available or lot.expiry_date < day:
            problems.add(f"{key}.lot", _l("lot %(code)s cannot be dispatched: it is %(status)s", code=lot.lot_code,
                                          status=LotStatus.label_of(lot.status) if lot.expiry_date >= day
                                          else LotStatus.expired.label))
            continue
        if not _suiting(session, [lot]):
            problems.add(f"{key}.lot", _l("lot %(code)s is kept outside its storage class", code=lot.lot_code))
            continue
        if (line.id, lot.id) in pairs:
            problems.add(f"{key}.lot", _l("lot %(code)s is listed twice for this line", code=lot.lot_code))
            continue
        pairs.add((line.id, lot.id))
        if quantity is None:
            continue
        per_lot[lot.id] += quantity
        if per_lot[lot.id] > free[lot.id]:
            problems.add(f"{key}.quantity", _l("lot %(code)s can give %(free)s at most", code=lot.lot_code,
                                               free=quantity_text(free[lot.id])))
        per_line[line.id] += quantity
        allocations.append(DispatchAllocation(dispatch_id=dispatch.id, line_id=line.id, lot_id=lot.id,
                                              enterprise_id=lot.enterprise_id, quantity=quantity))
    for index, line in enumerate(lines.values()):
        if per_line[line.id] != line.quantity:
            problems.add(f"lines[{index}]", _l("allocated %(allocated)s of %(planned)s",
                                               allocated=quantity_text(per_line[line.id]),
                                               planned=quantity_text(line.quantity)))
    problems.raise_any(_l("the allocations do not fit the plan; nothing was saved"))
    return allocations


def allocations_of(session: Session, dispatch_id: int) -> list[DispatchAllocation]:
    return list(session.exec(select(DispatchAllocation).where(DispatchAllocation.dispatch_id == dispatch_id)
                             .order_by(DispatchAllocation.line_id, DispatchAllocation.id)))

