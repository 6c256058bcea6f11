"""Materials, facilities, lots and movements through the JSON API (API.md 'Resources')."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from inventory.models import Facility, Lot, Material, Movement
from inventory.core.clock import business_today
from tests.helpers import count_rows
from tests.helpers import assert_error

TODAY = business_today()
LOT = {"material": "WHEAT", "facility": "GR-01", "lot_code": "API-1", "quantity": "120.5",
       "production_date": (TODAY - timedelta(days=10)).isoformat()}


def lot_by_code(db, code: str) -> Lot:
    db.expire_all()
    return db.exec(select(Lot).where(Lot.lot_code == code)).one()


def test_receive_a_lot(api, db):
    response = api("clerk").post("/lots", json=LOT)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["quantity_received"] == body["on_hand"] == "120.500"
    assert (body["material"], body["facility"], body["enterprise"], body["status"]) == ("WHEAT", "GR-01", "ENT-GRAIN", "available")
    # expiry derived from the shelf life (1095 days for wheat) when not given
    assert body["expiry_date"] == (TODAY - timedelta(days=10) + timedelta(days=1095)).isoformat()
    ledger = api("clerk").get(f"/lots/{body['id']}/movements").get_json()["items"]
    assert [(m["kind"], m["quantity"], m["on_hand_after"]) for m in ledger] == [("receipt", "120.500", "120.500")]


def test_quantities_as_json_numbers_are_accepted(api):
    assert api("clerk").post("/lots", json={**LOT, "quantity": 7.25}).get_json()["on_hand"] == "7.250"


BAD_LOTS = [
    ({"quantity": 0}, "quantity"),
    ({"quantity": "-5"}, "quantity"),
    ({"quantity": "1.0001"}, "quantity"),
    ({"quantity": "lots"}, "quantity"),
    ({"material": "UNOBTAINIUM"}, "material"),
    ({"facility": "NOWHERE"}, "facility"),
    ({"facility": "CS-01"}, "facility"),  # another enterprise's cold store
    ({"production_date": "2026-02-30"}, "production_date"),
    ({"expiry_date": (TODAY - timedelta(days=20)).isoformat()}, "expiry_date"),
    ({"production_date": (TODAY + timedelta(days=5)).isoformat()}, "production_date"),
    ({"lot_code": ""}, "lot_code"),
    ({"extra": 1}, "extra"),
]


@pytest.mark.parametrize("change,field", BAD_LOTS)
def test_bad_lots_are_422_and_write_nothing(api, db, change, field):
    lots_before, moves_before = count_rows(db, Lot), count_rows(db, Movement)
    error = assert_error(api("clerk").post("/lots", json={**LOT, **change}), 422, "validation_error")
    assert field in error["fields"], error
    assert (count_rows(db, Lot), count_rows(db, Movement)) == (lots_before, moves_before)


def test_expiry_before_production_is_422(api, db):
    body = {**LOT, "production_date": (TODAY - timedelta(days=3)).isoformat(),
            "expiry_date": (TODAY - timedelta(days=4)).isoformat()}
    assert "expiry_date" in assert_error(api("clerk").post("/lots", json=body), 422, "validation_error")["fields"]


def test_frozen_goods_need_a_cold_facility(api):
    body = {"material": "PORK-FZ", "facility": "CS-02", "lot_code": "PK-X", "quantity": "3"}
    assert "facility" in assert_error(api("coldclerk").post("/lots", json=body), 422, "validation_error")["fields"]
    # frozen pork carries its traceability voucher and quarantine certificate (cold-chain opinions §二(八)1)
    body |= {"origin": "河北省廊坊市", "trace_certificate": "TR-1", "quarantine_certificate": "Q-1"}
    assert api("coldclerk").post("/lots", json={**body, "facility": "CS-01"}).status_code == 201


def test_duplicate_lot_code_in_one_enterprise_is_409(api):
    assert api("clerk").post("/lots", json=LOT).status_code == 201
    assert_error(api("clerk").post("/lots", json=LOT), 409, "duplicate_code")


def test_only_enterprise_staff_receive(api):
    assert_error(api("approver").post("/lots", json=LOT), 403, "forbidden")


def issue(api, user: str, lot_id: int, quantity, **headers):
    return api(user).post(f"/lots/{lot_id}/movements", json={"kind": "issue", "quantity": quantity}, headers=headers)


def test_issue_and_insufficient_stock(api, db):
    lot_id = api("clerk").post("/lots", json=LOT).get_json()["id"]
    response = issue(api, "clerk", lot_id, "20.5")
    assert response.status_code == 201
    assert response.get_json()["on_hand_after"] == "100.000"
    assert_error(issue(api, "clerk", lot_id, "100.001"), 409, "insufficient_stock")
    assert lot_by_code(db, "API-1").on_hand == 100


def test_api_messages_stay_english_when_the_client_chose_chinese_pages(api, client):
    """Machine clients get English whatever the session says; the code is what they branch on."""
    client.get("/lang/zh")
    lot_id = api("clerk").post("/lots", json=LOT).get_json()["id"]
    error = assert_error(issue(api, "clerk", lot_id, "120.501"), 409, "insufficient_stock")
    assert error["message"] == "only 120.5 t on hand; 120.501 t requested"
    error = assert_error(issue(api, "clerk", lot_id, "0"), 422, "validation_error")
    assert error["fields"] == {"quantity": ["must be positive"]}


@pytest.mark.parametrize("quantity", [0, "-1", "0.0001", None, "ten"])
def test_bad_issue_quantities_are_422(api, db, quantity):
    lot_id = api("clerk").post("/lots", json=LOT).get_json()["id"]
    before = count_rows(db, Movement)
    assert_error(issue(api, "clerk", lot_id, quantity), 422, "validation_error")
    assert count_rows(db, Movement) == before


def test_idempotency_key_posts_one_movement(api, db):
    lot_id = api("clerk").post("/lots", json=LOT).get_json()["id"]
    first = issue(api, "clerk", lot_id, "1", **{"Idempotency-Key": "issue-42"})
    second = issue(api, "clerk", lot_id, "1", **{"Idempotency-Key": "issue-42"})
    assert first.get_json() == second.get_json()
    assert db.exec(select(Movement).where(Movement.lot_id == lot_id, Movement.kind == "issue")).all().__len__() == 1


def test_small_adjustment_posts_and_large_write_down_waits_for_the_bureau(api, db):
    lot_id = api("clerk").post("/lots", json=LOT).get_json()["id"]
    small = api("clerk").post(f"/lots/{lot_id}/movements", json={"kind": "adjustment", "quantity": "-0.5", "note": "moisture"})
    assert small.status_code == 201
    large = api("clerk").post(f"/lots/{lot_id}/movements", json={"kind": "adjustment", "quantity": "-30", "note": "rodents"})
    assert large.status_code == 202
    adjustment_id = large.get_json()["adjustment"]["id"]
    assert lot_by_code(db, "API-1").on_hand == 120
    assert_error(api("clerk").post(f"/adjustments/{adjustment_id}/actions/approve", json={}), 403, "forbidden")
    # another bureau does not even see a write-down outside its remit
    assert_error(api("emapprover").post(f"/adjustments/{adjustment_id}/actions/approve", json={}), 404, "not_found")
    approved = api("approver").post(f"/adjustments/{adjustment_id}/actions/approve", json={"note": "checked"})
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    assert lot_by_code(db, "API-1").on_hand == 90
    assert_error(api("approver").post(f"/adjustments/{adjustment_id}/actions/approve", json={}), 409, "illegal_transition")


def test_adjustment_needs_a_reason(api):
    lot_id = api("clerk").post("/lots", json=LOT).get_json()["id"]
    response = api("clerk").post(f"/lots/{lot_id}/movements", json={"kind": "adjustment", "quantity": "1"})
    assert "note" in assert_error(response, 422, "validation_error")["fields"]


def test_only_issue_and_adjustment_may_be_posted_directly(api):
    lot_id = api("clerk").post("/lots", json=LOT).get_json()["id"]
    response = api("clerk").post(f"/lots/{lot_id}/movements", json={"kind": "receipt", "quantity": "1"})
    assert "kind" in assert_error(response, 422, "validation_error")["fields"]


def test_held_lot_cannot_be_issued(api):
    lot_id = api("clerk").post("/lots", json=LOT).get_json()["id"]
    held = api("inspector").post(f"/lots/{lot_id}/hold", json={"status": "quality_hold", "reason": "moisture test"})
    assert held.get_json()["status"] == "quality_hold"
    assert_error(issue(api, "clerk", lot_id, "1"), 409, "lot_not_available")
    # issue 7 item 3: a hold the bureau's inspector placed is lifted only by that bureau, with the result
    assert_error(api("manager").post(f"/lots/{lot_id}/hold", json={"status": "available", "reason": "mine"}),
                 403, "forbidden")
    assert_error(issue(api, "clerk", lot_id, "1"), 409, "lot_not_available")
    released = api("inspector").post(f"/lots/{lot_id}/hold", json={"status": "available", "reason": "moisture 12.5 %"})
    assert released.status_code == 200, released.get_json()
    assert issue(api, "clerk", lot_id, "1").status_code == 201


def test_an_enterprise_lifts_only_its_own_holds(api):
    lot_id = api("clerk").post("/lots", json=LOT).get_json()["id"]
    assert api("manager").post(f"/lots/{lot_id}/hold", json={"status": "quarantined", "reason": "pests"}).status_code == 200
    assert api("manager").post(f"/lots/{lot_id}/hold", json={"status": "available", "reason": "fumigated"}).status_code == 200


def test_lot_list_is_earliest_expiry_first_and_filters(api):
    items = api("clerk").get("/lots?limit=500").get_json()["items"]
    expiries = [i["expiry_date"] for i in items]
    assert expiries == sorted(expiries)
    wheat = api("clerk").get("/lots?material=WHEAT").get_json()["items"]
    assert {i["material"] for i in wheat} == {"WHEAT"}
    soon = api("admin").get("/lots?expiring_within_days=30").get_json()["items"]
    assert soon and all(i["expiry_date"] <= (TODAY + timedelta(days=30)).isoformat() for i in soon)
    assert {i["facility"] for i in api("clerk").get("/lots?facility=GR-03").get_json()["items"]} == {"GR-03"}
    assert api("clerk").get("/lots?status=quarantined").get_json()["items"] == []


def test_lot_list_pages_with_a_cursor(api):
    seen, cursor = [], None
    while True:
        body = api("admin").get("/lots?limit=4" + (f"&cursor={cursor}" if cursor else "")).get_json()
        seen += [i["id"] for i in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == len(api("admin").get("/lots?limit=500").get_json()["items"])


@pytest.mark.parametrize("query", ["status=lost", "expiring_within_days=soon", "expiring_within_days=-1", "limit=9999"])
def test_bad_list_filters_are_422(api, query):
    assert_error(api("admin").get(f"/lots?{query}"), 422, "validation_error")


@pytest.mark.parametrize("group_by", ["material", "category", "enterprise", "district"])
def test_stock_summary_adds_up_to_the_lots(api, group_by):
    rows = api("admin").get(f"/stock/summary?group_by={group_by}").get_json()["items"]
    lots = api("admin").get("/lots?limit=500").get_json()["items"]
    by_unit: dict[str, float] = {}
    for row in rows:
        by_unit[row["unit"]] = by_unit.get(row["unit"], 0) + float(row["on_hand"])
    assert round(sum(by_unit.values()), 3) == round(sum(float(i["on_hand"]) for i in lots), 3)


def test_summary_rejects_an_unknown_grouping(api):
    assert_error(api("admin").get("/stock/summary?group_by=colour"), 422, "validation_error")


def test_fefo_proposes_the_earliest_expiring_lots(api):
    picks = api("clerk").get("/stock/fefo?material=WHEAT&quantity=3500").get_json()["items"]
    assert [p["lot"]["lot_code"] for p in picks] == ["WH-2024-001", "WH-2025-014"]
    assert [p["take"] for p in picks] == ["3000.000", "500.000"]


def test_materials_list_and_create_by_the_responsible_bureau(api, db):
    assert {m["category"] for m in api("clerk").get("/materials?limit=500").get_json()["items"]} >= {"grain", "epidemic"}
    body = {"code": "CORN-OIL", "name": "玉米油", "category": "edible_oil", "unit": "t", "shelf_life_days": 540,
            "storage_class": "ambient", "policy": "rotate"}
    assert api("approver").post("/materials", json=body).status_code == 201
    assert db.exec(select(Material).where(Material.code == "CORN-OIL")).one().rotation_lead_days == 30
    assert_error(api("clerk").post("/materials", json={**body, "code": "X2"}), 403, "forbidden")
    assert_error(api("emofficer").post("/materials", json={**body, "code": "X3", "bureau": "BUR-GRAIN"}), 403, "forbidden")
    assert_error(api("approver").post("/materials", json={**body, "code": "X4", "category": "gold"}), 422, "validation_error")
    assert_error(api("approver").post("/materials", json={**body, "shelf_life_days": 0, "code": "X5"}), 422, "validation_error")


def test_facilities_create_by_the_enterprise_manager(api, db):
    body = {"code": "GR-09", "name": "新仓", "enterprise": "ENT-GRAIN", "kind": "warehouse", "district": "anci",
            "capacity": "1000", "capacity_unit": "t", "categories": ["grain"], "keeper": "clerk"}
    response = api("manager").post("/facilities", json=body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["temp_max"] == "25.00"
    assert_error(api("coldmanager").post("/facilities", json={**body, "code": "GR-10"}), 403, "forbidden")
    assert_error(api("manager").post("/facilities", json={**body, "code": "GR-11", "temp_min": 30, "temp_max": 20}), 422, "validation_error")
    assert_error(api("manager").post("/facilities", json={**body, "code": "GR-12", "kind": "cave"}), 422, "validation_error")
    # issue 7 item 7: a facility declares what it stores; the keeper is a user of the enterprise (专人保管)
    assert_error(api("manager").post("/facilities", json={**body, "code": "GR-13", "categories": []}), 422, "validation_error")
    assert_error(api("manager").post("/facilities", json={**body, "code": "GR-14", "keeper": "coldclerk"}), 422,
                 "validation_error")
    assert db.exec(select(Facility).where(Facility.code.in_(["GR-10", "GR-11", "GR-12", "GR-13", "GR-14"]))).all() == []
    assert db.exec(select(Facility).where(Facility.code == "GR-09")).one().categories == "grain"


def test_openapi_documents_the_stock_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/lots", "/api/v1/lots/{lot_id}/movements", "/api/v1/stock/summary", "/api/v1/counts"} <= set(paths)


def test_material_update_by_its_bureau_only(api, db):
    assert api("approver").patch("/materials/WHEAT", json={"rotation_lead_days": 120}).get_json()["rotation_lead_days"] == 120
    assert api("approver").patch("/materials/WHEAT", json={"active": False}).get_json()["active"] is False
    assert_error(api("emapprover").patch("/materials/WHEAT", json={"unit": "kg"}), 403, "forbidden")
    assert_error(api("approver").patch("/materials/WHEAT", json={"shelf_life_days": -1}), 422, "validation_error")
    assert_error(api("approver").patch("/materials/NOPE", json={"unit": "kg"}), 404, "not_found")
    db.expire_all()
    assert db.exec(select(Material).where(Material.code == "WHEAT")).one().unit == "t"
    retired = {**LOT, "lot_code": "RETIRED-1"}
    assert "material" in assert_error(api("clerk").post("/lots", json=retired), 422, "validation_error")["fields"]


def test_a_lot_is_relocated_over_the_api(api, db):
    """Issue 7 item 16: what the pages can do, the API can do."""
    lot_id = api("clerk").post("/lots", json=LOT).get_json()["id"]
    moved = api("clerk").post(f"/lots/{lot_id}/position", json={"position": "2号仓 A垛", "reason": "倒仓"})
    assert moved.status_code == 200 and moved.get_json()["position"] == "2号仓 A垛"
    assert_error(api("clerk").post(f"/lots/{lot_id}/position", json={"position": "2号仓 A垛"}), 422, "validation_error")
    assert_error(api("officer").post(f"/lots/{lot_id}/position", json={"position": "X"}), 403, "forbidden")
    assert_error(api("coldclerk").post(f"/lots/{lot_id}/position", json={"position": "X"}), 404, "not_found")
    held = api("inspector").post(f"/lots/{lot_id}/hold", json={"status": "quality_hold", "reason": "moisture"})
    assert held.get_json()["held_by"] == "BUR-GRAIN"
