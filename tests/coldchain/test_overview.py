"""The cold-chain overview and its navigation entry (docs/coldchain.md, overview page): every cold facility the
reader's organisation may see (scope/coldchain.py), with its open excursions, silent sensors, today's daily check
(日检查制度, cold-chain opinions §二(八)1) and lots on quality hold, each linked to its temperature page."""
from __future__ import annotations

import re

import pytest

from inventory.services.coldchain import checks, holds
from inventory.services.stock import facilities
from tests.accounts.test_navigation import links, nav_parts
from tests.coldchain.helpers import detect, facility, feed, sensor, watch_as
from tests.helpers import user_named

#: the demo's cold facilities, all ENT-COLD's: the frozen store, the pre-cooling room and the refrigerated truck
ENT_COLD = {"CS-01", "CS-02", "CS-03"}


def _rows(page: str) -> dict[str, dict[str, str]]:
    """facility code -> {measure: the cell's text} of the overview's table."""
    rows = {}
    for code, body in re.findall(r'<tr data-facility="([^"]+)"[^>]*>(.*?)</tr>', page, re.S):
        cells = dict(re.findall(r'data-measure="(\w+)">(.*?)</td>', body, re.S))
        rows[code] = {name: re.sub(r"<[^>]+>", " ", text).split()[0] for name, text in cells.items()}
    return rows


@pytest.fixture
def watched(ctx, db):
    """CS-01 with an ongoing excursion (frozen pork above −18 °C for an hour, its lots held) and a sensor silent
    for two days beside one just registered; CS-02 checked today by its keeper."""
    probe = sensor(db, "S1", facility_code="CS-01")
    feed(db, probe, 0, [-20] * 10 + [-16] * 61)
    detect(db)
    holds.hold_for_excursions(db)
    sensor(db, "S2", facility_code="CS-01")
    checks.record_check(session=db, actor=user_named(db, "coldclerk"), facility=facility(db, "CS-02"), doors=True,
                        seals=True, compressor=True, recorder=True)
    db.commit()


@pytest.mark.parametrize(("username", "held"), [
    ("coldclerk", "2"),     # the enterprise's own facilities and lots
    ("bizofficer", "2"),    # the commerce bureau, responsible for the pork
    ("officer", "0"),       # the grain bureau sees the facilities, not another bureau's lots
    ("inspector", "0"),     # an inspector of the grain bureau: the same reach as its bureau
    ("gov", "2"),           # city-wide
])
def test_the_overview_lists_the_cold_facilities_with_their_state(watched, login_as, username, held):
    client = login_as(username)
    client.get("/lang/en")
    page = client.get("/coldchain/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    rows = _rows(text)
    assert set(rows) == ENT_COLD, "cold facilities only: the ambient warehouses are not listed"
    assert rows["CS-01"] == {"excursions": "1", "silent": "1", "check": "Missing", "held": held}
    assert rows["CS-02"] == {"excursions": "0", "silent": "0", "check": "Done", "held": "0"}
    assert 'data-facility="CS-01" class="table-danger"' in text  # an excursion still going
    for code in ENT_COLD:
        assert f'href="/coldchain/facilities/{code}"' in text


def test_an_enterprise_sees_only_its_own_cold_facilities(ctx, db, login_as):
    facilities.create_facility(session=db, actor=user_named(db, "admin"), code="GR-CS", name="粮库低温库",
                               enterprise="ENT-GRAIN", kind="cold_store", district="anci", categories=["meat"])
    db.commit()
    assert set(_rows(login_as("clerk").get("/coldchain/").get_data(as_text=True))) == {"GR-CS"}
    assert set(_rows(login_as("coldclerk").get("/coldchain/").get_data(as_text=True))) == ENT_COLD
    # and another enterprise's temperature page stays out of reach
    assert login_as("clerk").get("/coldchain/facilities/CS-01").status_code == 404


def test_an_enterprise_without_cold_facilities_sees_an_empty_overview(login_as):
    page = login_as("clerk").get("/coldchain/").get_data(as_text=True)
    assert _rows(page) == {} and 'id="coldchain-facilities"' in page


def test_the_held_lots_link_to_the_lot_list(watched, login_as):
    client = login_as("coldclerk")
    page = client.get("/coldchain/").get_data(as_text=True)
    link = re.search(r'href="(/stock/lots\?[^"]*facility=CS-01[^"]*)"', page).group(1).replace("&amp;", "&")
    listed = client.get(link).get_data(as_text=True)
    assert "PK-2026-031" in listed and "PK-2026-052" in listed and "WH-2024-001" not in listed


@pytest.mark.parametrize("username", ["clerk", "coldclerk", "manager", "officer", "approver", "bizofficer",
                                      "inspector", "coordinator", "gov", "health", "viewer", "admin"])
def test_the_navigation_offers_the_cold_chain_to_whoever_may_see_it(login_as, username):
    client = login_as(username)
    client.get("/lang/en")
    main, _user = nav_parts(client.get("/").get_data(as_text=True))
    assert '<a class="dropdown-item" href="/coldchain/">Cold chain</a>' in main


def test_the_blood_station_has_neither_the_entry_nor_the_page(login_as):
    client = login_as("blood")
    main, _user = nav_parts(client.get("/").get_data(as_text=True))
    assert "/coldchain/" not in links(main)
    assert client.get("/coldchain/").status_code == 403


def test_a_facility_watched_as_ambient_is_not_a_cold_facility(ctx, db, login_as):
    watch_as(db, "CS-03", "ambient")
    assert set(_rows(login_as("gov").get("/coldchain/").get_data(as_text=True))) == ENT_COLD - {"CS-03"}
