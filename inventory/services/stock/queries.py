"""Read models over stock: filtered lot lists and the summary by material, enterprise, district or category.

Lists are keyset-paged on (expiry_date, id) and summaries are SQL aggregates, so both stay fast with a
million lots.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlmodel import Session, select

from inventory import scope
from inventory.models import (
    Adjustment, District, Facility, Lot, Material, Movement, Organisation, Replenishment, StockCount, Transfer, User,
)
from inventory.core.errors import Invalid
from inventory.core.vocab import LotStatus, OrgKind, ReplenishmentStatus, RequestStatus, SummaryGroup
from inventory.core.clock import business_today
from inventory.services.plans import coverage



#: the widest "expiring within" window: a hundred years (a larger one overflows the calendar)
MAX_EXPIRY_DAYS = 36_500


@dataclass(frozen=True)
class LotFilter:
    material: str | None = None
    enterprise: str | None = None
    facility: str | None = None
    status: str | None = None
    category: str | None = None
    expiring_within_days: int | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> LotFilter:
        """The filters of a query string (the API's ``GET /lots`` and the export links); blanks mean no filter."""
        raw_days = (args.get("expiring_within_days") or "").strip()
        if raw_days and not (raw_days.isascii() and raw_days.removeprefix("-").isdigit()):
            raise Invalid.field("expiring_within_days", _l("a whole number"))
        if len(raw_days) > len(str(MAX_EXPIRY_DAYS)):  # before int(): Python refuses very long digit strings
            raise Invalid.field("expiring_within_days", _l("too large"))
        return cls(material=args.get("material") or None, enterprise=args.get("enterprise") or None,
                   facility=args.get("facility") or None, status=args.get("status") or None,
                   category=args.get("category") or None, expiring_within_days=int(raw_days) if raw_days else None)


def lots(*, session: Session, actor: User, filters: LotFilter, today: date | None = None):
    """The lots this user may see, filtered; the caller orders and pages."""
    query = scope.lots_query(session, actor)
    if filters.material:
        query = query.where(Lot.material_id == select(Material.id).where(Material.code == filters.material).scalar_subquery())
    if filters.category:
        query = query.where(Lot.material_id.in_(select(Material.id).where(Material.category == filters.category)))
    if filters.enterprise:
        query = query.where(Lot.enterprise_id == select(Organisation.id).where(Organisation.code == filters.enterprise).scalar_subquery())
    if filters.facility:
        query = query.where(Lot.facility_id == select(Facility.id).where(Facility.code == filters.facility).scalar_subquery())
    if filters.status:
        if filters.status not in LotStatus.values():
            raise Invalid.field("status", _l("one of %(choices)s", choices=", ".join(LotStatus.values())))
        query = query.where(Lot.status == filters.status)
    if filters.expiring_within_days is not None:
        if filters.expiring_within_days < 0:
            raise Invalid.field("expiring_within_days", _l("must not be negative"))
        if filters.expiring_within_days > MAX_EXPIRY_DAYS:
            raise Invalid.field("expiring_within_days", _l("too large"))
        horizon = (today or business_today()) + timedelta(days=filters.expiring_within_days)
        query = query.where(Lot.expiry_date <= horizon, Lot.on_hand > 0)
    return query


@dataclass(frozen=True)
class SummaryRow:
    key: str
    name: str
    unit: str | None
    lot_count: int
    on_hand: Decimal
    plan_quantity: Decimal | None
    coverage: Decimal | None
    #: what open replenishments still have to bring in (by material only; None otherwise or when none is open)
    to_replenish: Decimal | None = None


def summary(*, session: Session, actor: User, group_by: str) -> list[SummaryRow]:
    """On hand per group and unit (tonnes are not added to tents), with the plan in force today and the coverage
    (available stock against it, docs/plans.md "Coverage")."""
    if group_by not in SummaryGroup.values():
        raise Invalid.field("group_by", _l("one of %(choices)s", choices=", ".join(SummaryGroup.values())))
    key_columns = {
        "material": (Material.code, Material.name_zh),
        "category": (Material.category, Material.category),
        "enterprise": (Organisation.code, Organisation.name),
        "district": (District.code, District.name_zh),
    }[group_by]
    # aggregate the lots on integer ids first, then name the few resulting groups: sorting a million
    # lots by text keys is what made the enterprise summary spill to disk
    ids = {"material": [Lot.material_id], "category": [Lot.material_id],
           "enterprise": [Lot.enterprise_id, Lot.material_id], "district": [Lot.facility_id, Lot.material_id]}[group_by]
    groups = (
        select(*ids, func.count().label("lots"), func.sum(Lot.on_hand).label("total"))
        .where(scope.lot_filter(session, actor), Lot.on_hand > 0)
        .group_by(*ids)
        .subquery()
    )
    query = (
        select(*key_columns, Material.unit, func.sum(groups.c.lots), func.coalesce(func.sum(groups.c.total), 0))
        .select_from(groups)
        .join(Material, Material.id == groups.c.material_id)
    )
    if group_by == "enterprise":
        query = query.join(Organisation, Organisation.id == groups.c.enterprise_id)
    if group_by == "district":
        query = (query.join(Facility, Facility.id == groups.c.facility_id)
                 .join(District, District.id == Facility.district_id))
    query = query.group_by(*key_columns, Material.unit).order_by(key_columns[0], Material.unit)
    rows = [SummaryRow(key=k, name=n, unit=u, lot_count=int(c), on_hand=Decimal(total), plan_quantity=None,
                       coverage=None) for k, n, u, c, total in session.execute(query)]
    rows = _with_plan(session, actor, group_by, rows)
    return _with_replenishments(session, actor, rows) if group_by == "material" else rows


def _with_plan(session: Session, actor: User, group_by: str, rows: list[SummaryRow]) -> list[SummaryRow]:
    """Beside on-hand, the plan quantity and the coverage of each group and unit; a group planned but with nothing
    on hand shows too. By district, the plan follows the keeping enterprise's district (docs/plans.md)."""
    planned = coverage.summary_coverage(session=session, group_by=group_by, as_of=business_today(), actor=actor)
    shown = [replace(row, plan_quantity=planned[key].plan_quantity, coverage=planned[key].coverage)
             if (key := (row.key, row.unit)) in planned else row for row in rows]
    keys = {(row.key, row.unit) for row in rows}
    shown += [SummaryRow(key=c.key, name=c.name, unit=c.unit, lot_count=0, on_hand=Decimal(0),
                         plan_quantity=c.plan_quantity, coverage=c.coverage)
              for key, c in planned.items() if key not in keys and c.plan_quantity is not None]
    return sorted(shown, key=lambda row: (row.key, row.unit or ""))


def _with_replenishments(session: Session, actor: User, rows: list[SummaryRow]) -> list[SummaryRow]:
    """Beside on-hand, what open replenishments (dispatched or scrapped stock to buy back, docs/domain-rules.md,
    dispatch) still have to bring in; a material with nothing on hand but a replenishment open shows too."""
    if not scope.can(actor, "view", "replenishment"):
        return rows
    owed = select(Replenishment.material_id, func.sum(Replenishment.quantity - Replenishment.received).label("left")) \
        .where(Replenishment.id.in_(scope.enterprise_rows_query(session, actor, Replenishment)
                                    .with_only_columns(Replenishment.id)),
               Replenishment.status.in_([ReplenishmentStatus.proposed, ReplenishmentStatus.confirmed])) \
        .group_by(Replenishment.material_id).subquery()
    left = {code: (name, unit, Decimal(amount)) for code, name, unit, amount in session.execute(
        select(Material.code, Material.name_zh, Material.unit, owed.c.left).join(owed, owed.c.material_id == Material.id))}
    shown = [replace(row, to_replenish=left[row.key][2]) if row.key in left else row for row in rows]
    keys = {row.key for row in rows}
    shown += [SummaryRow(key=code, name=name, unit=unit, lot_count=0, on_hand=Decimal(0), plan_quantity=None,
                         coverage=None, to_replenish=amount) for code, (name, unit, amount) in left.items()
              if code not in keys]
    return sorted(shown, key=lambda row: (row.key, row.unit or ""))


@dataclass(frozen=True)
class FacilityOverview:
    facilities: list[Facility]
    lot_counts: dict[int, int]
    orgs: dict[int, Organisation]
    districts: dict[int, District]


def facility_overview(*, session: Session, actor: User) -> FacilityOverview:
    """The facilities the actor sees, with how many of its lots with stock each holds."""
    rows = list(session.exec(scope.facilities_query(session, actor).order_by(Facility.code)))
    counts = dict(session.execute(
        select(Lot.facility_id, func.count(Lot.id)).where(scope.lot_filter(session, actor), Lot.on_hand > 0,
                                                          Lot.facility_id.in_([f.id for f in rows]))
        .group_by(Lot.facility_id)).all())
    orgs = {o.id: o for o in session.exec(select(Organisation).where(
        Organisation.id.in_({f.enterprise_id for f in rows})))}
    return FacilityOverview(rows, counts, orgs, {d.id: d for d in session.exec(select(District))})


@dataclass(frozen=True)
class FacilityPage:
    facility: Facility
    enterprise: Organisation
    district: District | None
    keeper: User | None
    lots: list[Lot]
    more_lots: bool


def facility_page(*, session: Session, actor: User, code: str, lots_shown: int) -> FacilityPage:
    """One facility with its earliest-expiring lots with stock, as far as the actor sees them."""
    facility = scope.visible_facility(session, actor, code)
    rows = list(session.exec(lots(session=session, actor=actor, filters=LotFilter(facility=facility.code))
                             .where(Lot.on_hand > 0).order_by(Lot.expiry_date, Lot.id).limit(lots_shown + 1)))
    return FacilityPage(
        facility, session.get(Organisation, facility.enterprise_id),
        session.get(District, facility.district_id) if facility.district_id else None,
        session.get(User, facility.keeper_id) if facility.keeper_id else None, rows[:lots_shown], len(rows) > lots_shown)


def enterprise_users(*, session: Session, enterprise_id: int) -> list[User]:
    """The people of an enterprise who may keep its facilities."""
    return list(session.exec(select(User).where(User.org_id == enterprise_id, User.active,
                                                User.role.in_(scope.ENTERPRISE_ROLES)).order_by(User.username)))


@dataclass(frozen=True)
class Reference:
    """The request a movement carries out, for the ledger: which flow, who asked, who decided and what they said."""

    flow: str
    row_id: int
    requested_by: int | None
    decided_by: int | None
    decision_note: str


def movement_references(*, session: Session, movements: list[Movement]) -> dict[tuple[str, int], Reference]:
    """A query per kind of request on the page: a ledger page shows who asked for each approved change."""
    found: dict[tuple[str, int], Reference] = {}
    for ref_type, flow, model, requester in (("adjustment", "adjustment", Adjustment, Adjustment.requested_by),
                                             ("transfer", "transfer", Transfer, Transfer.requested_by),
                                             ("stock_count", "count", StockCount, StockCount.submitted_by)):
        ids = {m.ref_id for m in movements if m.ref_type == ref_type and m.ref_id}
        if ids:
            for row_id, asked, decided, note in session.execute(
                    select(model.id, requester, model.decided_by, model.decision_note).where(model.id.in_(ids))):
                found[(ref_type, row_id)] = Reference(flow, row_id, asked, decided, note)
    return found


@dataclass(frozen=True)
class LotPage:
    lot: Lot
    material: Material
    facility: Facility
    enterprise: Organisation
    held_by: Organisation | None
    movements: list[Movement]
    later: int | None
    transfer_targets: list[Facility]
    pending_transfers: list[Transfer]
    pending_adjustments: list[Adjustment]


def lot_page(*, session: Session, actor: User, lot_id: int, after_seq: int, ledger_page: int) -> LotPage:
    """A lot as its page shows it: a page of its ledger, where it may go, and what waits for the bureau."""
    lot = scope.visible_lot(session, actor, lot_id)
    movements = list(session.exec(select(Movement).where(Movement.lot_id == lot.id, Movement.seq > after_seq)
                                  .order_by(Movement.seq).limit(ledger_page + 1)))
    later = movements[ledger_page - 1].seq if len(movements) > ledger_page else None
    targets = list(session.exec(scope.facilities_query(session, actor)
                                .where(Facility.id != lot.facility_id).order_by(Facility.code)))

    def pending(model):
        return list(session.exec(scope.enterprise_rows_query(session, actor, model)
                                 .where(model.lot_id == lot.id, model.status == RequestStatus.pending)))

    return LotPage(lot, session.get(Material, lot.material_id), session.get(Facility, lot.facility_id),
                   session.get(Organisation, lot.enterprise_id),
                   session.get(Organisation, lot.held_by_org_id) if lot.held_by_org_id else None,
                   movements[:ledger_page], later, targets, pending(Transfer), pending(Adjustment))


def recent_counts(*, session: Session, actor: User, limit: int) -> tuple[list[StockCount], dict[int, Facility]]:
    rows = list(session.exec(scope.enterprise_rows_query(session, actor, StockCount)
                             .order_by(StockCount.id.desc()).limit(limit)))
    facilities = {f.id: f for f in session.exec(select(Facility).where(Facility.id.in_({c.facility_id for c in rows})))}
    return rows, facilities


def catalogue(*, session: Session, actor: User, category: str | None = None) -> tuple[list[Material], dict[int, str]]:
    """The catalogue (every signed-in user reads it), optionally one category, with the bureaus' names."""
    query = scope.materials_query(session, actor)
    if category:
        query = query.where(Material.category == category)
    materials = list(session.exec(query.order_by(Material.category, Material.code)))
    bureaus = dict(session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.kind == OrgKind.bureau)).all())
    return materials, bureaus


def material(*, session: Session, actor: User, code: str) -> Material | None:
    return session.exec(scope.materials_query(session, actor).where(Material.code == code)).first()


def materials(*, session: Session, actor: User, active_only: bool = False) -> list[Material]:
    query = scope.materials_query(session, actor).order_by(Material.category, Material.code)
    return list(session.exec(query.where(Material.active) if active_only else query))


def active_facilities(*, session: Session, actor: User) -> list[Facility]:
    return list(session.exec(scope.facilities_query(session, actor).where(Facility.active).order_by(Facility.code)))


def enterprises(*, session: Session, actor: User) -> list[Organisation]:
    return list(session.exec(scope.organisations_query(session, actor)
                             .where(Organisation.kind == OrgKind.enterprise).order_by(Organisation.code)))


def bureaus(*, session: Session) -> list[Organisation]:
    return list(session.exec(select(Organisation).where(Organisation.kind == OrgKind.bureau).order_by(Organisation.code)))
