"""The coverage page (docs/plans.md, "Coverage"): group tabs, any day, ratio bars, the allowed shortfalls explained
with links, and the lots behind a row; scoped like the API. reserve-materials-measures §二(三), §三, §四(一)–(二)."""
from __future__ import annotations

import pytest

from tests.plans.test_coverage import build_city


@pytest.fixture
def city(db):
    return build_city(db)


def _row(page: str, key: str, unit: str) -> str:
    start = page.index(f'data-key="{key}" data-unit="{unit}"')
    return page[start:page.index("</tr>", start)]


def test_the_page_shows_ratio_bars_and_explains_the_allowed_shortfall(login_as, city):
    client = login_as("coordinator")
    client.get("/lang/en")
    page = client.get(f"/plans/coverage/?group_by=material&as_of={city.day.isoformat()}").get_data(as_text=True)
    rice = _row(page, "COV-RICE", "cov-t")
    assert ">1,000<" in rice and ">770<" in rice and ">170<" in rice
    assert 'style="width: 77.0%"' in rice and "77.0%" in rice
    assert "Rotation within its window" in rice and "ROT-COV-1" in rice and "/rotations/" in rice
    assert "Replenishment within its due date" in rice and "/replenishments/" in rice
    assert "Dispatch in progress" in rice and "/dispatches/" in rice
    assert f"/plans/coverage/material/COV-RICE/lots?as_of={city.day.isoformat()}" in rice
    assert 'id="coverage-tabs"' in page and "Contract line" in page


def test_every_tab_opens_and_the_drill_down_marks_what_counts(login_as, city):
    client = login_as("coordinator")
    client.get("/lang/en")
    for group in ("material", "enterprise", "contract_line", "district", "city"):
        assert client.get(f"/plans/coverage/?group_by={group}").status_code == 200, group
    page = client.get(f"/plans/coverage/enterprise/ENT-BAZHOU/lots?as_of={city.day.isoformat()}").get_data(
        as_text=True)
    assert "Counted" in page and "Not counted: Quality hold" in page


def test_bad_input_is_refused_with_a_message(login_as, city):
    client = login_as("coordinator")
    client.get("/lang/en")
    assert client.get("/plans/coverage/?group_by=lot").status_code == 422
    response = client.get("/plans/coverage/?as_of=1999-01-01")
    assert response.status_code == 422 and "a day from 2000-01-01" in response.get_data(as_text=True)
    assert client.get("/plans/coverage/?as_of=not-a-day").status_code == 422
    assert client.get("/plans/coverage/lot/x/lots").status_code == 422


def test_tenancy_on_the_page(login_as, city):
    client = login_as("emofficer")
    page = client.get(f"/plans/coverage/?as_of={city.day.isoformat()}").get_data(as_text=True)
    assert 'data-key="COV-TENT"' in page and 'data-key="COV-RICE"' not in page
    assert client.get("/plans/coverage/material/COV-RICE/lots").status_code == 404
    client = login_as("coldclerk")
    assert client.get("/plans/coverage/enterprise/ENT-GRAIN/lots").status_code == 404
    assert login_as("blood").get("/plans/coverage/").status_code == 403
