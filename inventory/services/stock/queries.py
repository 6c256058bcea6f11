"""Read models over stock: filtered lot lists and the summary by material, enterprise, district or category.

Lists are keyset-paged on (expiry_date, id) and summaries are SQL aggregates, so both stay fast with a
million lots.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlmodel import Session, select

from inventory import scope
from inventory.models import District, Facility, Lot, Material, Organisation, User
from inventory.core.errors import Invalid
from inventory.core.vocab import LotStatus, SummaryGroup
from inventory.core.clock import business_today



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
        if raw_days and not raw_days.lstrip("-").isdigit():
            raise Invalid.field("expiring_within_days", _l("a whole number"))
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


def summary(*, session: Session, actor: User, group_by: str) -> list[SummaryRow]:
    """On hand per group and unit (tonnes are not added to tents). Plan quantities arrive with annual plans."""
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
    return [SummaryRow(key=k, name=n, unit=u, lot_count=int(c), on_hand=Decimal(total), plan_quantity=None, coverage=None)
            for k, n, u, c, total in session.execute(query)]
