"""The rotation and scrap lists' filters, one query each for the web list and the API list alike: status,
enterprise and material (by code), and the day range a request was made in (business days, Asia/Shanghai); and the
prices each rotation sold and bought back at, so a bureau sees "low in, high out" at a glance (§二(六)2(4)).

Rows come from the scope's ownership rules (an enterprise its own, a bureau those of its materials, city-wide roles
all); a filter only narrows them, and an unknown code matches nothing (docs/domain-rules.md, rotation and scrap).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from inventory.core.clock import BUSINESS_TZ
from inventory.core.errors import Invalid
from inventory.models import Material, Organisation, Rotation, RotationMovement, Scrap, User
from inventory.services.workflows import rotations, scraps


@dataclass(frozen=True)
class ListFilter:
    status: str = ""
    #: organisation code of the enterprise
    enterprise: str = ""
    #: material code
    material: str = ""
    #: the first and last business day the request was made on, both included
    created_from: date | None = None
    created_to: date | None = None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, BUSINESS_TZ).astimezone(timezone.utc)


def _narrowed(query, model, filters: ListFilter):
    if filters.created_from and filters.created_to and filters.created_to < filters.created_from:
        raise Invalid.field("created_to", _l("must not be before the first day"))
    if filters.status:
        query = query.where(model.status == filters.status)
    if filters.enterprise.strip():
        query = query.where(model.enterprise_id.in_(select(Organisation.id).where(
            Organisation.code == filters.enterprise.strip())))
    if filters.material.strip():
        query = query.where(model.material_id.in_(select(Material.id).where(
            Material.code == filters.material.strip())))
    if filters.created_from:
        query = query.where(model.created_at >= _day_start(filters.created_from))
    if filters.created_to:
        query = query.where(model.created_at < _day_start(filters.created_to + timedelta(days=1)))
    return query


def rotations_listed(session: Session, actor: User, filters: ListFilter | None = None):
    """The rotations this user may see, filtered (422 when the day range is reversed)."""
    return _narrowed(rotations.rotations_query(session, actor), Rotation, filters or ListFilter())


def scraps_listed(session: Session, actor: User, filters: ListFilter | None = None):
    """The scraps this user may see, filtered (422 when the day range is reversed)."""
    return _narrowed(scraps.scraps_query(session, actor), Scrap, filters or ListFilter())


@dataclass(frozen=True)
class Prices:
    """A rotation's prices as executed, each weighted by quantity: what it sold at and what it bought back at."""

    sold_at: Decimal | None
    bought_at: Decimal | None

    @property
    def margin(self) -> Decimal | None:
        """Sale less purchase per unit: a bureau compares these across enterprises (§二(六)2(4), "低价购进高价入账、
        高价售出低价入账")."""
        return None if self.sold_at is None or self.bought_at is None else self.sold_at - self.bought_at


def prices(session: Session, rotation_ids) -> dict[int, Prices]:
    """The executed prices of these rotations, in one query (summed here: quantities are exact decimals)."""
    ids = set(rotation_ids)
    if not ids:
        return {}
    sums: dict[tuple[int, str], tuple[Decimal, Decimal]] = {}
    for rotation_id, direction, price, quantity in session.exec(
            select(RotationMovement.rotation_id, RotationMovement.direction, RotationMovement.unit_price,
                   RotationMovement.quantity).where(RotationMovement.rotation_id.in_(ids))):
        value, total = sums.get((rotation_id, direction), (Decimal(0), Decimal(0)))
        sums[(rotation_id, direction)] = (value + price * quantity, total + quantity)

    def average(rotation_id: int, direction: str) -> Decimal | None:
        value, quantity = sums.get((rotation_id, direction), (Decimal(0), Decimal(0)))
        return (value / quantity).quantize(Decimal("0.01")) if quantity else None

    return {rotation_id: Prices(average(rotation_id, "out"), average(rotation_id, "in")) for rotation_id in ids}
