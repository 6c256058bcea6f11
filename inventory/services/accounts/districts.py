"""Districts and their resident populations, which the donor-team ratios (blood plan §六(一)) use."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from inventory import scope
from inventory.models import District, User
from inventory.services.audit import trail
from inventory.core.errors import Invalid, NotFound


def update_population(*, session: Session, actor: User, district_id: int, population: int) -> District:
    scope.require(actor, "update", "district")
    district = session.get(District, district_id)
    if district is None:
        raise NotFound(_l("district not found"))
    if population < 0:
        raise Invalid.field("population", _l("must not be negative"))
    before = district.population
    district.population = population
    session.add(district)
    trail.record(session, actor=actor, action="district.update", entity="district", entity_id=district.id,
                 before={"population": before}, after={"population": population})
    return district
