"""Langfang's eleven county-level areas ship with the schema, not only with the demo (issue 7 item 10): the
donor-team rule (0.4 ‰ of the resident population) needs them in production."""
from __future__ import annotations

from sqlmodel import select

from inventory.models import District


def test_the_migration_loads_the_eleven_areas_with_their_census_populations(db):
    districts = {d.code: d for d in db.exec(select(District)).all()}
    assert len(districts) == 11
    assert sum(d.population for d in districts.values()) == 5_464_100
    assert (districts["sanhe"].population, districts["sanhe"].population_year) == (965_100, 2020)
    assert all("census" in d.population_source for d in districts.values())
    assert {d.code for d in districts.values() if d.area == "main_city"} == {"guangyang", "anci", "devzone"}
