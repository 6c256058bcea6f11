"""The rotation and scrap lists (issue 10, "lists with filters"): one service query behind the web list and the API
list (status, enterprise, material, the day range of the request), a reversed range refused, another tenant's rows
never shown; and the prices each rotation sold and bought back at, for a bureau to see "low in, high out"
(reserve-materials-measures §二(六)2(4))."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from inventory.core.clock import business_today
from tests.helpers import assert_error
from tests.workflows.waiting import _lot_id, submitted_rotation, submitted_scrap

TODAY = business_today()


@pytest.fixture(autouse=True)
def evidence_folder(app, tmp_path):
    app.config["ATTACHMENTS_FOLDER"] = str(tmp_path / "evidence")


def _ids(response, kind: str) -> set[int]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return {int(i) for i in re.findall(rf'data-{kind}-id="(\d+)"', response.get_data(as_text=True))}


def _api_ids(response) -> set[int]:
    assert response.status_code == 200, response.get_json()
    return {item["id"] for item in response.get_json()["items"]}


def _filters(material: str, enterprise: str, other_material: str) -> list[tuple[dict, bool]]:
    """Each filter with whether the one row made today matches it."""
    day = TODAY.isoformat()
    return [
        ({}, True), ({"status": "submitted"}, True), ({"status": "approved"}, False),
        ({"enterprise": enterprise}, True), ({"enterprise": "ENT-COLD"}, False), ({"enterprise": "NOPE"}, False),
        ({"material": material}, True), ({"material": other_material}, False),
        ({"created_from": day, "created_to": day}, True),
        ({"created_from": (TODAY + timedelta(days=1)).isoformat()}, False),
        ({"created_to": (TODAY - timedelta(days=1)).isoformat()}, False),
        ({"status": "submitted", "enterprise": enterprise, "material": material, "created_from": day}, True),
    ]


def test_rotation_filters_match_on_the_page_and_over_the_api(api, db, login_as):
    made = submitted_rotation(api, db)
    client, token = login_as("approver"), api("approver")
    for params, matches in _filters("WHEAT", "ENT-GRAIN", "RICE"):
        expected = {made.row_id} if matches else set()
        assert _api_ids(token.get("/rotations", query_string=params)) == expected, params
        assert _ids(client.get("/rotations/", query_string=params), "rotation") == expected, params


def test_scrap_filters_match_on_the_page_and_over_the_api(api, db, login_as):
    made = submitted_scrap(api, db)
    client, token = login_as("emapprover"), api("emapprover")
    for params, matches in _filters("TENT", "ENT-RELIEF", "WHEAT"):
        expected = {made.row_id} if matches else set()
        assert _api_ids(token.get("/scraps", query_string=params)) == expected, params
        assert _ids(client.get("/scraps/", query_string=params), "scrap") == expected, params


@pytest.mark.parametrize(("path", "kind"), [("/rotations", "rotation"), ("/scraps", "scrap")])
def test_a_reversed_day_range_is_refused_on_both_faces(api, login_as, path, kind):
    params = {"created_from": TODAY.isoformat(), "created_to": (TODAY - timedelta(days=1)).isoformat()}
    body = assert_error(api("gov").get(path, query_string=params), 422, "validation_error")
    assert set(body["fields"]) == {"created_to"}
    page = login_as("gov").get(f"{path}/", query_string=params)
    assert page.status_code == 200
    field = re.search(r'<input[^>]*name="created_to"[^>]*>', page.get_data(as_text=True)).group(0)
    assert "is-invalid" in field
    assert _api_ids(api("gov").get(path, query_string={**params, "created_to": TODAY.isoformat()})) == set()


def test_a_filter_never_reaches_another_tenants_rows(api, db, login_as):
    rotation = submitted_rotation(api, db)
    scrap = submitted_scrap(api, db)
    assert _api_ids(api("reliefclerk").get("/rotations", query_string={"enterprise": "ENT-GRAIN"})) == set()
    assert _api_ids(api("clerk").get("/scraps", query_string={"enterprise": "ENT-RELIEF"})) == set()
    assert _ids(login_as("emapprover").get("/rotations/?material=WHEAT"), "rotation") == set()
    assert _ids(login_as("approver").get("/scraps/?material=TENT"), "scrap") == set()
    assert _api_ids(api("gov").get("/rotations")) == {rotation.row_id}
    assert _api_ids(api("gov").get("/scraps")) == {scrap.row_id}


def test_the_bureau_sees_what_each_rotation_sold_and_bought_back_at(api, db, login_as):
    """§二(六)2(4) "以低价购进高价入账、高价售出低价入账…套取差价": the prices out and in are kept and shown side by
    side, weighted by quantity."""
    made = submitted_rotation(api, db)
    assert api("approver").post(f"/rotations/{made.row_id}/actions/approve", json={}).status_code == 200
    lot = _lot_id(db, "WH-2024-001")
    for quantity, price in (("60", "2700"), ("40", "2600")):
        assert api("clerk").post(f"/rotations/{made.row_id}/out", json={
            "lot": lot, "quantity": quantity, "unit_price": price}).status_code == 201
    assert api("clerk").post(f"/rotations/{made.row_id}/in", json={
        "material": "WHEAT", "facility": "GR-01", "lot_code": "WH-RT-9", "quantity": "50",
        "unit_price": "2300"}).status_code == 201
    item = api("approver").get("/rotations").get_json()["items"][0]
    assert (item["sold_at"], item["bought_at"]) == ("2660.000", "2300.000")
    assert api("approver").get(f"/rotations/{made.row_id}").get_json()["sold_at"] == "2660.000"
    page = login_as("approver").get("/rotations/").get_data(as_text=True)
    row = page.split(f'data-rotation-id="{made.row_id}"', 1)[1].split("</tr>", 1)[0]
    assert re.search(r'class="[^"]*sold-at">2660\.00<', row) and re.search(r'bought-at">2300\.00<', row)
    assert re.search(r'price-margin">360\.00<', row), row


def test_a_rotation_without_executions_shows_no_prices(api, db):
    made = submitted_rotation(api, db)
    item = api("approver").get(f"/rotations/{made.row_id}").get_json()
    assert (item["sold_at"], item["bought_at"]) == (None, None)
