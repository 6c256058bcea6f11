"""Coverage over the API and in the stock summary (docs/plans.md, "Coverage"; docs/api.md), on the fixture of
test_coverage.py. reserve-materials-measures §二(三) (plan), §二(五)2 (contracts), §二(二) (catalogue scale)."""
from __future__ import annotations

import pytest
from sqlmodel import select

from inventory.models import Lot
from tests.helpers import assert_error
from tests.plans.test_coverage import build_city


@pytest.fixture
def city(db):
    return build_city(db)


def _items(response, *units: str) -> dict[str, dict]:
    assert response.status_code == 200, response.get_json()
    return {item["key"]: item for item in response.get_json()["items"] if item["unit"] in units}


def test_coverage_per_material_with_its_allowances(api, city):
    response = api("coordinator").get(f"/coverage?group_by=material&as_of={city.day.isoformat()}")
    rice = _items(response, "cov-t")["COV-RICE"]
    assert {k: rice[k] for k in ("plan_quantity", "available", "allowed_shortfall", "coverage")} == {
        "plan_quantity": "1000.000", "available": "770.000", "allowed_shortfall": "170.000", "coverage": "0.770"}
    assert rice["allowed_reasons"] == ["dispatch:DSP-COV-1", "replenishment:RP-COV-1", "rotation:ROT-COV-1"]
    assert [(a["kind"], a["code"], a["quantity"]) for a in rice["allowances"]] == [
        ("dispatch", "DSP-COV-1", "100.000"), ("replenishment", "RP-COV-1", "30.000"),
        ("rotation", "ROT-COV-1", "40.000")]
    assert response.get_json()["as_of"] == city.day.isoformat()


def test_every_group_answers_and_today_is_the_default(api, city):
    for group in ("material", "enterprise", "contract_line", "district", "city"):
        assert api("gov").get(f"/coverage?group_by={group}").status_code == 200
    enterprises = _items(api("coordinator").get("/coverage?group_by=enterprise"), "cov-t")
    assert (enterprises["ENT-GRAIN"]["plan_quantity"], enterprises["ENT-GRAIN"]["coverage"]) == ("600.000", "0.700")


def test_the_drill_down_lists_the_lots_and_whether_they_count(api, city):
    body = api("coordinator").get(f"/coverage/enterprise/ENT-BAZHOU/lots?as_of={city.day.isoformat()}").get_json()
    rows = {(item["lot"]["on_hand"], item["counted"], item["excluded_because"]) for item in body["items"]
            if item["lot"]["material"] == "COV-RICE"}
    assert rows == {("270.000", True, None), ("20.000", False, "quality_hold")}


def test_tenancy_bureau_against_bureau_and_enterprise_against_enterprise(api, city):
    assert "COV-RICE" in _items(api("officer").get("/coverage"), "cov-t")
    assert "COV-TENT" not in _items(api("officer").get("/coverage"), "cov-pc")
    assert "COV-RICE" not in _items(api("emofficer").get("/coverage"), "cov-t")
    assert_error(api("officer").get("/coverage/material/COV-TENT/lots"), 404, "not_found")
    assert_error(api("emofficer").get("/coverage/material/COV-RICE/lots"), 404, "not_found")
    assert set(_items(api("clerk").get("/coverage?group_by=enterprise"), "cov-t")) == {"ENT-GRAIN"}
    assert set(_items(api("coldclerk").get("/coverage?group_by=enterprise"), "cov-t")) == {"ENT-COLD"}
    assert_error(api("coldclerk").get("/coverage/enterprise/ENT-GRAIN/lots"), 404, "not_found")
    line = str(city.contract_lines["HT-COV-1"])
    assert_error(api("coldclerk").get(f"/coverage/contract_line/{line}/lots"), 404, "not_found")
    assert api("clerk").get(f"/coverage/contract_line/{line}/lots").status_code == 200
    assert_error(api("blood").get("/coverage"), 403, "forbidden")


@pytest.mark.parametrize("query", ["group_by=lot", "as_of=2026-02-30", "as_of=yesterday", "as_of=1999-12-31",
                                   "as_of=9999-12-31"])
def test_bad_input_is_a_422(api, city, query):
    assert_error(api("coordinator").get(f"/coverage?{query}"), 422, "validation_error")


def test_bad_drill_down_input(api, city):
    assert_error(api("coordinator").get("/coverage/lot/x/lots"), 422, "validation_error")
    assert_error(api("coordinator").get("/coverage/city/city/lots?as_of=soon"), 422, "validation_error")
    assert_error(api("coordinator").get("/coverage/city/town/lots"), 404, "not_found")
    assert_error(api("coordinator").get("/coverage/contract_line/abc/lots"), 404, "not_found")


def test_the_stock_summary_gains_plan_and_coverage(api, city):
    """GET /stock/summary: the plan in force today and available ÷ plan, by material, category, enterprise and
    district (by the keeping enterprise's district); a planned group with nothing on hand shows too."""
    expected = {"material": ("COV-RICE", "1000.000", "0.770"), "category": ("grain", "1000.000", "0.770"),
                "enterprise": ("ENT-GRAIN", "600.000", "0.700"), "district": ("anci", "600.000", "0.700")}
    for group, (key, plan, ratio) in expected.items():
        row = _items(api("coordinator").get(f"/stock/summary?group_by={group}"), "cov-t")[key]
        assert (row["plan_quantity"], row["coverage"]) == (plan, ratio), group
    rice = _items(api("coordinator").get("/stock/summary?group_by=material"), "cov-t")["COV-RICE"]
    assert rice["on_hand"] == "1010.000"  # every lot with stock; coverage counts the available 770
    tents = _items(api("coordinator").get("/stock/summary?group_by=district"), "cov-pc")
    assert (tents["sanhe"]["plan_quantity"], tents["sanhe"]["coverage"]) == (None, None)  # no enterprise target


def test_a_planned_material_with_nothing_on_hand_shows_in_the_summary(api, city, db):
    for lot in db.exec(select(Lot).where(Lot.material_id == city.tent.id)):
        db.delete(lot)
    db.commit()
    tent = _items(api("coordinator").get("/stock/summary?group_by=material"), "cov-pc")["COV-TENT"]
    assert (tent["lot_count"], tent["on_hand"], tent["plan_quantity"], tent["coverage"]) == (
        0, "0.000", "50.000", "0.000")
