"""Emergency collection points (blood-supply plan §六(二); docs/blood.md, "Collection points").

Besides the usual donation rooms, the main city and each county preset points in crowded places, started when
needed: at least 3 in the main city and at least 1 in each county-level area outside it (the compliance rules are
in services/blood/donor_compliance.py; only active points count). A point holds no personal data: every reader of
the blood pages sees them; the blood station's officer and health officers add them.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlmodel import Session, select

from inventory import scope
from inventory.core.errors import Invalid, Text
from inventory.models import CollectionPoint, District, User
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


def points(session: Session) -> list[tuple[CollectionPoint, District]]:
    """Every point with its district, by district then name."""
    return list(session.exec(select(CollectionPoint, District).join(District, District.id == CollectionPoint.district_id)
                             .order_by(District.id, CollectionPoint.name, CollectionPoint.id)).all())


def district_codes(session: Session) -> dict[int, str]:
    return dict(session.exec(select(District.id, District.code)).all())


def active_by_district(session: Session) -> dict[int, int]:
    """Active points per district id."""
    return dict(session.exec(select(CollectionPoint.district_id, func.count()).where(CollectionPoint.active.is_(True))
                             .group_by(CollectionPoint.district_id)).all())
