"""Emergency collection points (blood-supply plan §六(二); docs/blood.md, "Collection points").

Besides the usual donation rooms, the main city and each county preset points in crowded places, started when
needed: at least 3 in the main city and at least 1 in each county-level area outside it (the compliance rules are
in services/blood/donor_compliance.py; only active points count). A point holds no personal data: every reader of
the blood pages sees them; the blood station's officer and health officers add them, and deactivate one that can no
longer be started (closed, moved) or reactivate it. A deactivated point stays listed, with its history in the audit
trail, but no longer counts for §六(二).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, update
from sqlmodel import Session, select

from inventory import scope
from inventory.core.errors import Conflict, Invalid, NotFound, Text
from inventory.models import CollectionPoint, District, User
from inventory.services import paging
from inventory.services.audit import trail
from inventory.services.blood.donors import team_districts

NAME_MAX, ADDRESS_MAX, CAPACITY_MAX = 128, 255, 100_000


@dataclass(frozen=True)
class PointInput:
    name: str
    address: str
    district: str
    capacity: int | str
    active: bool = True


def add_point(*, session: Session, actor: User, given: PointInput) -> CollectionPoint:
    scope.require(actor, "manage", "blood_preparedness")
    districts = team_districts(session)
    problems: dict[str, list[Text]] = {}
    name, address = str(given.name or "").strip(), str(given.address or "").strip()
    if not name or len(name) > NAME_MAX:
        problems["name"] = [_l("a name of 1 to %(max)s characters", max=NAME_MAX)]
    if not address or len(address) > ADDRESS_MAX:
        problems["address"] = [_l("an address of 1 to %(max)s characters", max=ADDRESS_MAX)]
    district = districts.get(str(given.district or "").strip())
    if district is None:
        problems["district"] = [_l("one of %(codes)s", codes=", ".join(districts))]
    try:
        capacity = int(str(given.capacity).strip())
    except ValueError:
        capacity = 0
    if not 1 <= capacity <= CAPACITY_MAX:
        problems["capacity"] = [_l("donors a day, a whole number from 1 to %(max)s", max=CAPACITY_MAX)]
    if problems:
        raise Invalid(_l("the collection point was not added"), fields=problems)
    point = CollectionPoint(name=name, address=address, district_id=district.id, capacity=capacity,
                            active=bool(given.active), created_by=actor.id)
    session.add(point)
    session.flush()
    trail.record(session, actor=actor, action="blood_collection_point.add", entity="blood_collection_point",
                 entity_id=point.id, org_id=actor.org_id,
                 after={"name": name, "address": address, "district": district.code, "capacity": capacity,
                        "active": point.active})
    return point


def _visible(session: Session, actor: User, point_id: int) -> CollectionPoint:
    scope.require(actor, "view", "blood")
    point = session.exec(scope.blood.collection_points_query(session, actor)
                         .where(CollectionPoint.id == point_id)).first()
    if point is None:
        raise NotFound(_l("collection point not found"))
    return point


def set_active(*, session: Session, actor: User, point_id: int, active: bool) -> CollectionPoint:
    """Deactivate (``active`` false) or reactivate a point: a conditional update, so of two requests at once one
    changes it and the other is a 409 ``illegal_transition``, as is deactivating a point already inactive."""
    point = _visible(session, actor, point_id)
    scope.require(actor, "manage", "blood_preparedness")
    changed = session.execute(update(CollectionPoint).where(CollectionPoint.id == point.id,
                                                            CollectionPoint.active.is_(not active))
                              .values(active=active)).rowcount
    if not changed:
        raise Conflict(_l("the collection point is active already") if active
                       else _l("the collection point is inactive already"), code="illegal_transition")
    session.refresh(point)
    action = "blood_collection_point.reactivate" if active else "blood_collection_point.deactivate"
    trail.record(session, actor=actor, action=action, entity="blood_collection_point", entity_id=point.id,
                 org_id=actor.org_id, before={"active": not active}, after={"active": active})
    return point


def points(*, session: Session, actor: User) -> list[tuple[CollectionPoint, District]]:
    """Every point this reader may see with its district, active ones first, then by district and name."""
    scope.require(actor, "view", "blood")
    found = session.exec(scope.blood.collection_points_query(session, actor)
                         .join(District, District.id == CollectionPoint.district_id)
                         .order_by(CollectionPoint.active.desc(), District.id, CollectionPoint.name,
                                   CollectionPoint.id)).all()
    districts = {d.id: d for d in session.exec(select(District).where(
        District.id.in_({point.district_id for point in found})))}
    return [(point, districts[point.district_id]) for point in found]


def points_page(*, session: Session, actor: User, active: bool | None = None, limit: int = 50,
                cursor: str | None = None) -> tuple[list[CollectionPoint], str | None]:
    """A page of the points, oldest first, active and inactive ones alike unless ``active`` says which."""
    scope.require(actor, "view", "blood")
    query = scope.blood.collection_points_query(session, actor)
    if active is not None:
        query = query.where(CollectionPoint.active.is_(active))
    return paging.page(session, query, [CollectionPoint.id], limit=limit, cursor=cursor)


def district_codes(session: Session) -> dict[int, str]:
    return dict(session.exec(select(District.id, District.code)).all())


def active_by_district(session: Session) -> dict[int, int]:
    """Active points per district id."""
    return dict(session.exec(select(CollectionPoint.district_id, func.count()).where(CollectionPoint.active.is_(True))
                             .group_by(CollectionPoint.district_id)).all())
