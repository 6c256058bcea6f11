"""Districts and their resident populations, which the donor-team ratios (blood plan §六(一)) use."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from inventory import scope
from inventory.models import District, User
from inventory.services.audit import trail
from inventory.core.clock import business_today
from inventory.core.errors import Invalid, NotFound


#: a resident-population figure is for a year this system can hold data about
FIRST_YEAR = 2000


def update_population(*, session: Session, actor: User, district_id: int, population: int, year: int | None = None,
                      source: str | None = None) -> District:
    """A new figure with the year it is for and where it comes from (a census, a statistics yearbook)."""
    scope.require(actor, "update", "district")
    district = session.get(District, district_id)
    if district is None:
        raise NotFound(_l("district not found"))
    if population < 0:
        raise Invalid.field("population", _l("must not be negative"))
    year = district.population_year if year is None else year
    if year is not None and not FIRST_YEAR <= year <= business_today().year:
        raise Invalid.field("population_year", _l("a year from %(first)s to this year", first=FIRST_YEAR))
    source = district.population_source if source is None else source.strip()
    if not source:
        raise Invalid.field("population_source", _l("say where the figure comes from"))
    before = {"population": district.population, "year": district.population_year,
              "source": district.population_source}
    district.population, district.population_year, district.population_source = population, year, source
    session.add(district)
    trail.record(session, actor=actor, action="district.update", entity="district", entity_id=district.id,
                 before=before, after={"population": population, "year": year, "source": source})
    return district
