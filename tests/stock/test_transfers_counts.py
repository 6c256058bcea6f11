"""Transfers (§二(六)2(3): no moving reserve stock to another place without approval) and physical
counts (§二(六) 账实相符) through the API."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import select

from inventory.models import CountMismatch, Facility, Lot, Movement, StockCount, Transfer
from inventory.services.stock import lots
from inventory.core.errors import Forbidden
from tests.helpers import count_rows, user_named
from tests.helpers import assert_error


def lot_id(db, code: str) -> int:
    return db.exec(select(Lot.id).where(Lot.lot_code == code)).one()


def on_hand(db, lot: int) -> Decimal:
    db.expire_all()
    return db.get(Lot, lot).on_hand


def test_a_move_to_a_new_depot_of_the_same_enterprise_and_district_waits_for_the_bureau(api, db):
    """Issue 7 item 6 (擅自变更储存地点, §六(二)): a manager's new depot is still another storage place."""
    depot = {"code": "GR-09", "name": "新建仓", "enterprise": "ENT-GRAIN", "kind": "warehouse", "district": "anci",
             "categories": ["grain"]}
    assert api("manager").post("/facilities", json=depot).status_code == 201
    source = lot_id(db, "WH-2025-014")  # GR-01, Anci
    response = api("clerk").post("/transfers", json={"lot": source, "to_facility": "GR-09", "quantity": "4000",
                                                      "reason": "仓容调整"})
    body = response.get_json()
    assert response.status_code == 201 and body["status"] == "pending" and body["needs_approval"]
    assert on_hand(db, source) == Decimal("4100.500")
    assert api("approver").post(f"/transfers/{body['id']}/actions/approve", json={}).get_json()["status"] == "executed"
    assert on_hand(db, source) == Decimal("100.500")
    moved = db.get(Lot, db.get(Transfer, body["id"]).to_lot_id)
    assert (moved.on_hand, moved.expiry_date) == (Decimal("4000.000"), db.get(Lot, source).expiry_date)


def test_a_transfer_into_a_facility_not_declared_for_the_category_is_refused(api, db):
    """Issue 7 item 7: GR-02 is declared for edible oil only."""
    error = assert_error(api("clerk").post("/transfers", json={"lot": lot_id(db, "WH-2025-014"), "to_facility": "GR-02",
                                                               "quantity": "1", "reason": "r"}), 422, "validation_error")
    assert "facility" in error["fields"]


def test_transfer_to_another_district_waits_for_the_bureau(api, db):
    source = lot_id(db, "WH-2025-014")  # GR-01, Anci → GR-03, Guangyang
    assert "reason" in assert_error(api("clerk").post("/transfers", json={"lot": source, "to_facility": "GR-03", "quantity": "100"}),
                                    422, "validation_error")["fields"]
    body = api("clerk").post("/transfers", json={"lot": source, "to_facility": "GR-03", "quantity": "100",
                                                  "reason": "仓容调整"}).get_json()
    assert body["status"] == "pending" and body["needs_approval"]
    assert on_hand(db, source) == Decimal("4100.500")
    assert_error(api("manager").post(f"/transfers/{body['id']}/actions/approve", json={}), 403, "forbidden")
    assert_error(api("emapprover").post(f"/transfers/{body['id']}/actions/approve", json={}), 404, "not_found")
    approved = api("approver").post(f"/transfers/{body['id']}/actions/approve", json={"note": "同意"}).get_json()
    assert approved["status"] == "executed"
    assert on_hand(db, source) == Decimal("4000.500")


def test_rejected_transfer_moves_nothing(api, db):
    source = lot_id(db, "WH-2025-014")
    body = api("clerk").post("/transfers", json={"lot": source, "to_facility": "GR-03", "quantity": "10",
                                                  "reason": "另一企业"}).get_json()
    assert body["status"] == "pending"
    moves = count_rows(db, Movement)
    assert api("approver").post(f"/transfers/{body['id']}/actions/reject", json={}).get_json()["status"] == "rejected"
    assert count_rows(db, Movement) == moves
    assert_error(api("approver").post(f"/transfers/{body['id']}/actions/approve", json={}), 409, "illegal_transition")


@pytest.mark.parametrize("body,field", [
    ({"to_facility": "GR-01", "quantity": "1"}, "to_facility"),        # already there
    ({"to_facility": "NOWHERE", "quantity": "1"}, "to_facility"),
    ({"to_facility": "GR-03", "quantity": "99999", "reason": "x"}, "quantity"),
    ({"to_facility": "GR-03", "quantity": "-1"}, "quantity"),
])
def test_bad_transfers_are_422(api, db, body, field):
    before = count_rows(db, Movement)
    response = api("clerk").post("/transfers", json={"lot": lot_id(db, "WH-2025-014"), **body})
    assert field in assert_error(response, 422, "validation_error")["fields"]
    assert count_rows(db, Movement) == before


def test_another_enterprise_cannot_transfer_my_lot(api, db):
    response = api("coldclerk").post("/transfers", json={"lot": lot_id(db, "WH-2025-014"), "to_facility": "CS-01", "quantity": "1"})
    assert_error(response, 404, "not_found")


def test_count_flow_posts_corrections_and_flags_mismatches(api, db):
    count = api("clerk").post("/counts", json={"facility": "GR-01"}).get_json()
    lines = {line["lot_code"]: line for line in count["lines"]}
    assert set(lines) == {"WH-2024-001", "WH-2025-014", "RI-2024-007"}
    assert_error(api("clerk").post("/counts", json={"facility": "GR-01"}), 409, "count_in_progress")
    assert_error(api("clerk").post(f"/counts/{count['id']}/actions/submit", json={}), 422, "validation_error")
    counted = [{"lot_id": lines["WH-2024-001"]["lot_id"], "counted": "3000"},        # agrees
               {"lot_id": lines["WH-2025-014"]["lot_id"], "counted": "4099.5"},      # -1: within 0.5 %
               {"lot_id": lines["RI-2024-007"]["lot_id"], "counted": "2400"}]        # -100: beyond
    recorded = api("clerk").post(f"/counts/{count['id']}/lines", json={"lines": counted}).get_json()
    assert {l["lot_code"]: l["difference"] for l in recorded["lines"]}["RI-2024-007"] == "-100.000"
    submitted = api("clerk").post(f"/counts/{count['id']}/actions/submit", json={}).get_json()
    assert submitted["status"] == "submitted"
    mismatches = db.exec(select(CountMismatch)).all()
    assert [(m.lot_id, m.difference) for m in mismatches] == [(lines["RI-2024-007"]["lot_id"], Decimal("-100.000"))]
    assert_error(api("clerk").post(f"/counts/{count['id']}/actions/approve", json={}), 403, "forbidden")
    approved = api("approver").post(f"/counts/{count['id']}/actions/approve", json={}).get_json()
    assert approved["status"] == "approved"
    assert on_hand(db, lines["RI-2024-007"]["lot_id"]) == Decimal("2400.000")
    assert on_hand(db, lines["WH-2025-014"]["lot_id"]) == Decimal("4099.500")
    corrections = db.exec(select(Movement).where(Movement.kind == "count_correction")).all()
    assert len(corrections) == 2 and all(m.ref_type == "stock_count" for m in corrections)


def test_count_rejects_bad_lines_and_records_nothing(api, db):
    count = api("clerk").post("/counts", json={"facility": "GR-01"}).get_json()
    first = count["lines"][0]["lot_id"]
    other_lot = lot_id(db, "PK-2026-031")
    for lines in ([{"lot_id": first, "counted": "-1"}], [{"lot_id": other_lot, "counted": "1"}],
                  [{"lot_id": first, "counted": "1.0001"}], []):
        response = api("clerk").post(f"/counts/{count['id']}/lines", json={"lines": lines})
        assert_error(response, 422, "validation_error")
    body = api("clerk").get(f"/counts/{count['id']}").get_json()
    assert all(line["counted"] is None for line in body["lines"])


def test_rejected_count_returns_to_the_enterprise(api, db):
    count = api("clerk").post("/counts", json={"facility": "GR-03"}).get_json()
    line = count["lines"][0]
    api("clerk").post(f"/counts/{count['id']}/lines", json={"lines": [{"lot_id": line["lot_id"], "counted": "1"}]})
    api("clerk").post(f"/counts/{count['id']}/actions/submit", json={})
    assert db.exec(select(CountMismatch)).all()
    assert api("approver").post(f"/counts/{count['id']}/actions/reject", json={"note": "recount"}).get_json()["status"] == "open"
    db.expire_all()
    # issue 7 item 11: the evidence of the rejected round is kept, marked with the decision
    assert {m.decision for m in db.exec(select(CountMismatch)).all()} == {"rejected"}
    assert api("clerk").post(f"/counts/{count['id']}/actions/submit", json={}).get_json()["status"] == "submitted"
    db.expire_all()
    assert sorted(m.decision for m in db.exec(select(CountMismatch)).all()) == ["", "rejected"]


def test_unknown_workflow_action_is_422(api, db):
    count = api("clerk").post("/counts", json={"facility": "GR-03"}).get_json()
    assert_error(api("clerk").post(f"/counts/{count['id']}/actions/teleport", json={}), 422, "validation_error")


def test_four_eyes_the_requester_cannot_decide(db):
    from inventory.models import Adjustment

    approver = user_named(db, "approver")
    lot = db.exec(select(Lot).where(Lot.lot_code == "WH-2025-014")).one()
    row = Adjustment(lot_id=lot.id, enterprise_id=lot.enterprise_id, quantity=Decimal("-1"), requested_by=approver.id)
    db.add(row)
    db.commit()
    with pytest.raises(Forbidden, match="four eyes"):
        lots.decide_adjustment(session=db, actor=approver, adjustment_id=row.id, action="approve")
    db.rollback()
    assert db.get(Adjustment, row.id).status == "pending"


def count_everything(api, count: dict, clerk: str = "reliefclerk") -> None:
    lines = [{"lot_id": line["lot_id"], "counted": line["book"]} for line in count["lines"]]
    api(clerk).post(f"/counts/{count['id']}/lines", json={"lines": lines})
    assert api(clerk).post(f"/counts/{count['id']}/actions/submit", json={}).status_code == 200


def test_a_mixed_facility_is_counted_per_bureau(api, db):
    """RL-01 holds relief (emergency), flood-control (water) and epidemic (health) stock: a whole-facility count
    would be no one bureau's to decide, so it is refused (issue 7 item 2: a count never stays stuck)."""
    error = assert_error(api("reliefclerk").post("/counts", json={"facility": "RL-01"}), 422, "validation_error")
    assert "BUR-EMERGENCY" in error["fields"]["bureau"][0]
    assert count_rows(db, StockCount) == 0


def test_an_inspector_counts_only_its_own_bureaus_stock(api, db):
    """Issue 7 item 2: the grain bureau's inspector cannot count (and lock) the cold store's pork and eggs."""
    for facility in ("CS-01", "RL-01"):  # none of the grain bureau's materials there: nothing to count
        error = assert_error(api("inspector").post("/counts", json={"facility": facility}), 422, "validation_error")
        assert "facility" in error["fields"]
    assert_error(api("inspector").post("/counts", json={"facility": "GR-01", "bureau": "BUR-EMERGENCY"}), 422,
                 "validation_error")
    own = api("inspector").post("/counts", json={"facility": "GR-01"})
    assert own.status_code == 201 and {line["lot_code"][:2] for line in own.get_json()["lines"]} <= {"WH", "RI"}
    assert count_rows(db, StockCount) == 1


def test_a_count_is_cancelled_by_its_opener_or_the_enterprise_manager(api, db):
    inspection = api("inspector").post("/counts", json={"facility": "GR-01"}).get_json()
    assert_error(api("clerk").post(f"/counts/{inspection['id']}/actions/cancel", json={"note": "not mine"}), 403,
                 "forbidden")
    assert_error(api("inspector").post(f"/counts/{inspection['id']}/actions/cancel", json={}), 422, "validation_error")
    assert api("inspector").post(f"/counts/{inspection['id']}/actions/cancel",
                                 json={"note": "wrong facility"}).get_json()["status"] == "cancelled"
    # the facility is free to be counted again; the enterprise's own count is the manager's to call off
    own = api("clerk").post("/counts", json={"facility": "GR-01"}).get_json()
    assert api("manager").post(f"/counts/{own['id']}/actions/cancel",
                               json={"note": "stocktaking moved"}).get_json()["status"] == "cancelled"


def test_a_per_bureau_count_is_approved_by_that_bureau(api):
    count = api("reliefclerk").post("/counts", json={"facility": "RL-01", "bureau": "BUR-EMERGENCY"}).get_json()
    assert {line["lot_code"] for line in count["lines"]} == {"TENT-2020-01", "QUILT-2022-03"}
    count_everything(api, count)
    assert api("emapprover").post(f"/counts/{count['id']}/actions/approve", json={}).get_json()["status"] == "approved"


def test_unknown_bureau_for_a_count_is_422(api):
    assert_error(api("reliefclerk").post("/counts", json={"facility": "RL-01", "bureau": "BUR-NONE"}), 422, "validation_error")


def test_an_enterprise_cannot_rewrite_or_call_off_a_bureaus_inspection(api, db):
    """Review finding: the clerk overwrote an inspector's zeros with the book and submitted it as clean."""
    opened = api("inspector").post("/counts", json={"facility": "GR-01"}).get_json()
    lines = [{"lot_id": line["lot_id"], "counted": line["book"]} for line in opened["lines"]]
    assert_error(api("clerk").post(f"/counts/{opened['id']}/lines", json={"lines": lines}), 403, "forbidden")
    assert_error(api("clerk").post(f"/counts/{opened['id']}/actions/submit", json={}), 403, "forbidden")
    assert_error(api("manager").post(f"/counts/{opened['id']}/actions/cancel", json={"note": "no"}), 403, "forbidden")
    assert api("inspector").post(f"/counts/{opened['id']}/lines", json={"lines": lines}).status_code == 200
    assert api("inspector").post(f"/counts/{opened['id']}/actions/submit", json={}).status_code == 200
    assert db.exec(select(StockCount).where(StockCount.id == opened["id"])).one().status == "submitted"


def test_a_transfer_goes_only_to_a_facility_of_the_same_enterprise(api, db):
    error = assert_error(api("clerk").post("/transfers", json={"lot": lot_id(db, "WH-2025-014"), "to_facility": "BZ-01",
                                                               "quantity": "1", "reason": "r"}), 422, "validation_error")
    assert error["fields"]["to_facility"] == ["unknown facility 'BZ-01'"]


def test_the_destination_is_checked_again_at_approval(api, db):
    transfer = api("clerk").post("/transfers", json={"lot": lot_id(db, "WH-2025-014"), "to_facility": "GR-03",
                                                      "quantity": "1", "reason": "r"}).get_json()
    facility = db.exec(select(Facility).where(Facility.code == "GR-03")).one()
    facility.categories = "edible_oil"  # re-declared meanwhile (GR-03 holds maize, so only directly here)
    db.add(facility)
    db.commit()
    assert_error(api("approver").post(f"/transfers/{transfer['id']}/actions/approve", json={}), 422, "validation_error")
    assert db.get(Transfer, transfer["id"]).status == "pending"


def test_a_lot_given_twice_in_one_entry_is_refused(api, db):
    count = api("clerk").post("/counts", json={"facility": "GR-03"}).get_json()
    line = count["lines"][0]
    twice = [{"lot_id": line["lot_id"], "counted": "1"}, {"lot_id": line["lot_id"], "counted": "2"}]
    assert_error(api("clerk").post(f"/counts/{count['id']}/lines", json={"lines": twice}), 422, "validation_error")
