"""Coverage against the plan (docs/plans.md, "Coverage"; reserve-materials-measures §二(三)–(五)): the plan (or
contract) quantity in force on a day beside the stock that may be counted towards it, as a ratio, with the
shortfalls the rules allow shown and explained.

Everything is computed by SQL aggregates: lots are summed per (enterprise, material) or per material in the
database, joined to the targets (``targets.py``) and the allowances, then rolled up to the group; Python only
divides the few resulting rows.

- **Available** stock is the on-hand of lots whose status is ``available`` and whose expiry date is not before the
  day: held, quarantined, expired (by status or by date) and depleted lots do not count.
- **Allowed shortfalls** (``allowances``): an approved rotation within its window (out − in), an open replenishment
  within its due date (quantity − received), a dispatch in progress (released − recovered). They name an
  enterprise and a material, never a storage place, so every contract line of that enterprise and material shows
  them.
- A roll-up (enterprise, district, city, category) adds targets of one unit only, and its ratio counts the
  available stock of the materials that have a target: stock of unplanned materials is shown, not counted.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import Date, Select, String, and_, case, cast, false, func, literal, null, or_, select, true, \
    type_coerce, union_all
import sqlmodel
from sqlmodel import Session

from inventory import scope
from inventory.core.clock import business_today
from inventory.core.errors import Invalid, NotFound
from inventory.core.vocab import (
    AllowanceKind, CoverageGroup, DispatchStatus, InstructionKind, LotStatus, OrgKind, ReplenishmentStatus,
    RotationStatus,
)
from inventory.models import (
    District, Dispatch, DispatchRecovery, Facility, Instruction, Lot, Material, Organisation, Replenishment, Rotation,
    StorageContract, User,
)
from inventory.models.types import Quantity
from inventory.services.plans import targets

RATIO_PLACES = Decimal("0.0001")
FIRST_DAY = date(2000, 1, 1)
CITY = "city"
#: the groups the stock summary asks for besides the coverage groups
SUMMARY_GROUPS = ("material", "enterprise", "district", "category")


@dataclass(frozen=True)
class CoverageRow:
    key: str
    name: str
    unit: str | None
    plan_quantity: Decimal | None
    available: Decimal
    allowed_shortfall: Decimal
    coverage: Decimal | None
    allowed_reasons: tuple[str, ...]


@dataclass(frozen=True)
class Allowance:
    """One row behind an allowed shortfall: ``kind`` (AllowanceKind), the row's id and code, how much, until when."""

    kind: str
    ref_id: int
    code: str
    quantity: Decimal
    until: date | None

    @property
    def reason(self) -> str:
        return f"{self.kind}:{self.code}"


def ratio(available: Decimal, plan: Decimal | None) -> Decimal | None:
    """available / plan to four places; None without a plan."""
    if not plan:
        return None
    return (Decimal(available) / Decimal(plan)).quantize(RATIO_PLACES, rounding=ROUND_HALF_UP)


def check_day(day: date) -> date:
    """A day the plans can speak of: from 2000 to a year from today."""
    if not FIRST_DAY <= day <= business_today() + timedelta(days=366):
        raise Invalid.field("as_of", _l("a day from %(first)s to a year from today", first=FIRST_DAY.isoformat()))
    return day


def check_group(group: str) -> str:
    if group not in CoverageGroup.values():
        raise Invalid.field("group_by", _l("one of %(choices)s", choices=", ".join(CoverageGroup.values())))
    return group


def available_lots(day: date):
    """The condition on ``Lot`` for stock that counts towards the plan on ``day``."""
    return and_(Lot.status == LotStatus.available, Lot.expiry_date >= day, Lot.on_hand > 0)


def _qty(expression):
    return type_coerce(expression, Quantity)


def allowances(day: date) -> Select:
    """(kind, ref_id, code, enterprise_id, material_id, quantity, until) of every allowed shortfall on ``day``."""
    end = targets.day_end(day)
    rotations = select(
        literal(AllowanceKind.rotation.value, String).label("kind"), Rotation.id.label("ref_id"),
        Rotation.code.label("code"), Rotation.enterprise_id, Rotation.material_id,
        _qty(Rotation.quantity_out - Rotation.quantity_in).label("quantity"), Rotation.window_ends_on.label("until"),
    ).where(Rotation.status == RotationStatus.approved, Rotation.approved_at < end, Rotation.window_ends_on >= day,
            Rotation.quantity_out > Rotation.quantity_in)
    replenishments = select(
        literal(AllowanceKind.replenishment.value, String), Replenishment.id, Replenishment.code,
        Replenishment.enterprise_id, Replenishment.material_id,
        _qty(Replenishment.quantity - Replenishment.received), Replenishment.due_on,
    ).where(Replenishment.status.in_([ReplenishmentStatus.proposed, ReplenishmentStatus.confirmed]),
            Replenishment.created_at < end, Replenishment.due_on >= day,
            Replenishment.quantity > Replenishment.received)
    released = select(Instruction.dispatch_id, Instruction.enterprise_id, Instruction.material_id,
                      func.sum(Instruction.executed).label("released")) \
        .join(Dispatch, Dispatch.id == Instruction.dispatch_id) \
        .where(Instruction.kind == InstructionKind.release, Instruction.executed > 0,
               Dispatch.status == DispatchStatus.executing,
               or_(Dispatch.executed_at.is_(None), Dispatch.executed_at < end)) \
        .group_by(Instruction.dispatch_id, Instruction.enterprise_id, Instruction.material_id).subquery()
    recovered = select(DispatchRecovery.dispatch_id, DispatchRecovery.enterprise_id, DispatchRecovery.material_id,
                       func.sum(DispatchRecovery.quantity).label("recovered")) \
        .group_by(DispatchRecovery.dispatch_id, DispatchRecovery.enterprise_id, DispatchRecovery.material_id) \
        .subquery()
    net = _qty(released.c.released - func.coalesce(recovered.c.recovered, 0))
    dispatches = select(
        literal(AllowanceKind.dispatch.value, String), Dispatch.id, Dispatch.code, released.c.enterprise_id,
        released.c.material_id, net, cast(null(), Date),
    ).select_from(released).join(Dispatch, Dispatch.id == released.c.dispatch_id).outerjoin(
        recovered, and_(recovered.c.dispatch_id == released.c.dispatch_id,
                        recovered.c.enterprise_id == released.c.enterprise_id,
                        recovered.c.material_id == released.c.material_id)
    ).where(released.c.released > func.coalesce(recovered.c.recovered, 0))
    return union_all(rotations, replenishments, dispatches)


@dataclass(frozen=True)
class _Reach:
    """How far the actor sees: ``materials`` (a subquery of material ids) or ``enterprise_id`` narrow the rows."""

    none: bool = False
    materials: object | None = None
    enterprise_id: int | None = None

    def where(self, material_column, enterprise_column=None):
        if self.none:
            return false()
        if self.materials is not None:
            return material_column.in_(self.materials)
        if self.enterprise_id is not None and enterprise_column is not None:
            return enterprise_column == self.enterprise_id
        return true()


def _reach(session: Session, actor: User | None) -> _Reach:
    if actor is None:
        return _Reach()
    reach = scope.stock_reach(session, actor)
    if reach == "all":
        return _Reach()
    if reach == "bureau":
        return _Reach(materials=scope.remit_materials(actor))
    if reach == "enterprise":
        return _Reach(enterprise_id=actor.org_id)
    return _Reach(none=True)


def _zero():
    return literal(Decimal(0), Quantity)


def _no_target():
    return cast(null(), Quantity)


def grain(session: Session, day: date, actor: User | None, *, per_enterprise: bool):
    """The coverage at its finest: per material (the city's targets) or per (enterprise, material), as a subquery
    with ``target`` (NULL without one), ``available`` and ``allowed``. An enterprise's user has only a share, so
    for one ``per_enterprise`` must be true (``_per_enterprise``)."""
    reach = _reach(session, actor)
    lot_filter = scope.lot_filter(session, actor) if actor is not None else true()
    if per_enterprise:
        wanted = targets.enterprise_targets(day).subquery()
        target_ids = [wanted.c.enterprise_id, wanted.c.material_id]
        lot_ids = [Lot.enterprise_id, Lot.material_id]
    else:
        wanted = targets.material_targets(day).subquery()
        target_ids, lot_ids = [wanted.c.material_id], [Lot.material_id]
    allowed = allowances(day).subquery()
    allowed_ids = [allowed.c.enterprise_id, allowed.c.material_id] if per_enterprise else [allowed.c.material_id]
    enterprise = (lambda ids: ids[0]) if per_enterprise else (lambda ids: None)
    parts = union_all(
        select(*target_ids, wanted.c.target.label("target"), _zero().label("available"), _zero().label("allowed"))
        .where(reach.where(wanted.c.material_id, enterprise(target_ids))),
        select(*lot_ids, _no_target(), func.sum(Lot.on_hand), _zero())
        .where(available_lots(day), lot_filter).group_by(*lot_ids),
        select(*allowed_ids, _no_target(), _zero(), func.sum(allowed.c.quantity))
        .where(reach.where(allowed.c.material_id, enterprise(allowed_ids))).group_by(*allowed_ids),
    ).subquery()
    ids = [parts.c.enterprise_id, parts.c.material_id] if per_enterprise else [parts.c.material_id]
    return select(*ids, func.sum(parts.c.target).label("target"), func.sum(parts.c.available).label("available"),
                  func.sum(parts.c.allowed).label("allowed")).group_by(*ids).subquery()


def _group_columns(group: str, rows, query: Select) -> tuple[Select, list]:
    """Join what names the group to ``query`` over ``rows`` (a grain subquery); the key and name columns."""
    query = query.join(Material, Material.id == rows.c.material_id)
    if group == "material":
        return query, [Material.code, Material.name_zh]
    if group == "category":
        return query, [Material.category, Material.category]
    if group == CITY:
        return query, []
    query = query.join(Organisation, Organisation.id == rows.c.enterprise_id)
    if group == "enterprise":
        return query, [Organisation.code, Organisation.name]
    return query.join(District, District.id == Organisation.district_id), [District.code, District.name_zh]


def _per_enterprise(session: Session, group: str, actor: User | None) -> bool:
    """Enterprise and district rows add enterprises' targets; an enterprise sees only its own share of anything."""
    return group in {"enterprise", "district"} or (
        actor is not None and scope.stock_reach(session, actor) == "enterprise")


def _rows(session: Session, group: str, day: date, actor: User | None) -> list[CoverageRow]:
    if group == "contract_line":
        return _contract_line_rows(session, day, actor)
    rows = grain(session, day, actor, per_enterprise=_per_enterprise(session, group, actor))
    planned = case((rows.c.target.is_not(None), rows.c.available), else_=_zero())
    query, names = _group_columns(group, rows, select().select_from(rows))
    query = query.add_columns(*names, Material.unit, func.sum(rows.c.target),
                              func.coalesce(func.sum(rows.c.available), _zero()),
                              func.coalesce(func.sum(rows.c.allowed), _zero()),
                              func.coalesce(func.sum(planned), _zero())) \
        .group_by(*names, Material.unit).order_by(*names, Material.unit)
    reasons = _reasons(session, group, day, actor)
    found = []
    for row in session.execute(query):
        # the city is one group per unit
        key, name, unit, plan, available, allowed, counted = row if names else (CITY, gettext("City"), *row)
        found.append(CoverageRow(
            key=str(key), name=name, unit=unit, plan_quantity=plan, available=Decimal(available),
            allowed_shortfall=Decimal(allowed), coverage=ratio(counted, plan),
            allowed_reasons=tuple(a.reason for a in reasons.get((str(key), unit), ()))))
    return found


def _contract_lines(session: Session, day: date, actor: User | None):
    """The contract lines in force the actor may see, as a subquery."""
    lines = targets.contract_lines(day).subquery()
    return lines, _reach(session, actor).where(lines.c.material_id, lines.c.enterprise_id)


def _contract_line_rows(session: Session, day: date, actor: User | None) -> list[CoverageRow]:
    lines, visible = _contract_lines(session, day, actor)
    stock = select(Lot.enterprise_id, Lot.material_id, Lot.facility_id, func.sum(Lot.on_hand).label("total")) \
        .where(available_lots(day)).group_by(Lot.enterprise_id, Lot.material_id, Lot.facility_id).subquery()
    allowed = allowances(day).subquery()
    owed = select(allowed.c.enterprise_id, allowed.c.material_id, func.sum(allowed.c.quantity).label("total")) \
        .group_by(allowed.c.enterprise_id, allowed.c.material_id).subquery()
    query = select(lines.c.id, StorageContract.number, Material.name_zh, Facility.code, Material.unit,
                   lines.c.quantity, func.coalesce(stock.c.total, _zero()), func.coalesce(owed.c.total, _zero())) \
        .select_from(lines).join(StorageContract, StorageContract.id == lines.c.contract_id) \
        .join(Material, Material.id == lines.c.material_id).join(Facility, Facility.id == lines.c.facility_id) \
        .outerjoin(stock, and_(stock.c.enterprise_id == lines.c.enterprise_id,
                               stock.c.material_id == lines.c.material_id, stock.c.facility_id == lines.c.facility_id)) \
        .outerjoin(owed, and_(owed.c.enterprise_id == lines.c.enterprise_id, owed.c.material_id == lines.c.material_id)) \
        .where(visible).order_by(StorageContract.number, lines.c.id)
    reasons = _reasons(session, "contract_line", day, actor)
    return [CoverageRow(key=str(line_id), name=f"{number} · {material} · {facility}", unit=unit, plan_quantity=plan,
                        available=Decimal(available), allowed_shortfall=Decimal(allowed),
                        coverage=ratio(available, plan),
                        allowed_reasons=tuple(a.reason for a in reasons.get((str(line_id), unit), ())))
            for line_id, number, material, facility, unit, plan, available, allowed in session.execute(query)]


def _reasons(session: Session, group: str, day: date, actor: User | None) -> dict[tuple[str, str], list[Allowance]]:
    """The allowances behind each group's allowed shortfall: (key, unit) -> rows, few (one per rotation,
    replenishment or dispatch in progress), read in one query."""
    allowed = allowances(day).subquery()
    reach = _reach(session, actor)
    query = select().select_from(allowed).where(reach.where(allowed.c.material_id, allowed.c.enterprise_id))
    if group == "contract_line":
        lines, visible = _contract_lines(session, day, actor)
        query = query.join(lines, and_(lines.c.enterprise_id == allowed.c.enterprise_id,
                                       lines.c.material_id == allowed.c.material_id)).where(visible) \
            .join(Material, Material.id == allowed.c.material_id)
        keys = [cast(lines.c.id, String)]
    else:
        query, keys = _group_columns(group, allowed, query)
        keys = keys[:1] or [literal(CITY)]
    query = query.add_columns(*keys, Material.unit, allowed.c.kind, allowed.c.ref_id, allowed.c.code,
                              allowed.c.quantity, allowed.c.until) \
        .order_by(allowed.c.kind, allowed.c.code, allowed.c.ref_id)
    found: dict[tuple[str, str], list[Allowance]] = defaultdict(list)
    for key, unit, kind, ref_id, code, quantity, until in session.execute(query):
        found[(str(key), unit)].append(Allowance(kind, ref_id, code, Decimal(quantity), until))
    return found


def coverage_rows(session: Session, *, group: str, as_of: date, actor: User | None = None) -> list[CoverageRow]:
    """Coverage per ``group`` (material, enterprise, contract_line, district or city) on ``as_of``, split by unit,
    as far as ``actor`` sees (None: the whole city, for tasks)."""
    return _rows(session, check_group(group), check_day(as_of), actor)


def allowance_details(session: Session, *, group: str, as_of: date,
                      actor: User | None = None) -> dict[tuple[str, str], list[Allowance]]:
    """(key, unit) -> the rows behind each group's allowed shortfall, for a page or the API to explain it."""
    return _reasons(session, check_group(group), check_day(as_of), actor)


def summary_coverage(session: Session, *, group_by: str, as_of: date,
                     actor: User) -> dict[tuple[str, str | None], CoverageRow]:
    """(key, unit) -> coverage, for the stock summary's plan and coverage columns (material, enterprise,
    district or category)."""
    if group_by not in SUMMARY_GROUPS:
        raise Invalid.field("group_by", _l("one of %(choices)s", choices=", ".join(SUMMARY_GROUPS)))
    return {(row.key, row.unit): row for row in _rows(session, group_by, as_of, actor)}


def lots_of(session: Session, *, group: str, key: str, as_of: date, actor: User | None = None) -> Select:
    """The lots with stock behind one group (counted or not), as far as ``actor`` sees; 404 for a group the actor
    may not see or that does not exist. The caller orders and pages."""
    check_group(group)
    check_day(as_of)
    reach = _reach(session, actor)
    query = (scope.lots_query(session, actor) if actor is not None else sqlmodel.select(Lot)).where(Lot.on_hand > 0)
    missing = NotFound(_l("coverage group %(key)s not found", key=key))
    if group == CITY:
        if key != CITY:
            raise missing
        return query
    if group == "material":
        material_id = session.scalar(select(Material.id).where(Material.code == key,
                                                                reach.where(Material.id)))
        if material_id is None:
            raise missing
        return query.where(Lot.material_id == material_id)
    if group == "enterprise":
        enterprise_id = session.scalar(select(Organisation.id).where(Organisation.code == key,
                                                                     Organisation.kind == OrgKind.enterprise))
        if enterprise_id is None or reach.none or reach.enterprise_id not in (None, enterprise_id):
            raise missing
        return query.where(Lot.enterprise_id == enterprise_id)
    if group == "district":
        district_id = session.scalar(select(District.id).where(District.code == key))
        if district_id is None or reach.none:
            raise missing
        return query.where(Lot.enterprise_id.in_(select(Organisation.id).where(Organisation.district_id == district_id)))
    lines, visible = _contract_lines(session, as_of, actor)
    line = session.execute(select(lines.c.enterprise_id, lines.c.material_id, lines.c.facility_id)
                           .where(lines.c.id == int(key), visible)).first() if _is_row_id(key) else None
    if line is None:
        raise missing
    return query.where(Lot.enterprise_id == line.enterprise_id, Lot.material_id == line.material_id,
                       Lot.facility_id == line.facility_id)


def _is_row_id(key: str) -> bool:
    return key.isascii() and key.isdigit() and len(key) <= 9


def excluded_because(lot: Lot, as_of: date) -> str | None:
    """Why a lot's stock does not count on ``as_of`` (its status, or ``expired`` by date); None when it counts."""
    if lot.status != LotStatus.available:
        return lot.status
    if lot.expiry_date < as_of:
        return LotStatus.expired.value
    return None

