"""Rotation (轮换, reserve-materials-measures §三) over the API: every transition and guard, the floor and the window
at their boundaries, rotation_in of the same material only, prices kept, and rotation_overdue the day after the
window."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlmodel import select

from inventory.core.clock import business_today
from inventory.models import Alert, AuditEvent, Lot, Movement, Rotation, RotationMovement, WorkflowStep
from inventory.services.stock import ledger
from tests.alerts.helpers import alert_for, scan
from tests.workflows.waiting import submitted_rotation

#: ENT-GRAIN's wheat: WH-2024-001 (3,000 t after the demo's issue) and WH-2025-014 (4,100.5 t)
WHEAT_HELD = Decimal("7100.500")
#: the most one rotation may take with the default floor of 0.7: 30 % of what is held
LARGEST = Decimal("2130.150")


def _lot(db, code: str) -> Lot:
    db.expire_all()
    return db.exec(select(Lot).where(Lot.lot_code == code)).one()


def _count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def _act(api, user: str, rotation_id: int, action: str, note: str = ""):
    return api(user).post(f"/rotations/{rotation_id}/actions/{action}", json={"note": note} if note else {})


def _propose(api, db, quantity: str = "100", user: str = "clerk", **extra):
    body = {"lots": [_lot(db, "WH-2024-001").id], "quantity": quantity, "mode": "market", "sale_price": "2600",
            **extra}
    return api(user).post("/rotations", json=body)


def _approved(api, db, quantity: str = "100", **extra) -> dict:
    made = _propose(api, db, quantity, **extra)
    assert made.status_code == 201, made.get_json()
    rotation_id = made.get_json()["id"]
    assert _act(api, "clerk", rotation_id, "submit").status_code == 200
    approved = _act(api, "approver", rotation_id, "approve")
    assert approved.status_code == 200, approved.get_json()
    return approved.get_json()


def _bring_in(api, rotation_id: int, quantity: str, code: str, material: str = "WHEAT", user: str = "clerk"):
    return api(user).post(f"/rotations/{rotation_id}/in", json={
        "material": material, "facility": "GR-01", "lot_code": code, "quantity": quantity, "unit_price": "2400",
        "inspection_result": "passed"})


def _take_out(api, rotation_id: int, lot_id: int, quantity: str, price: str | None = "2650", user: str = "clerk"):
    body = {"lot": lot_id, "quantity": quantity, **({"unit_price": price} if price else {})}
    return api(user).post(f"/rotations/{rotation_id}/out", json=body)


def test_a_rotation_goes_out_comes_back_in_with_its_prices_and_completes(api, db):
    lot = _lot(db, "WH-2024-001")
    held = lot.on_hand
    made = submitted_rotation(api, db)
    assert api("approver").get(f"/rotations/{made.row_id}").get_json()["actions"] == ["approve", "reject"]
    approved = _act(api, "approver", made.row_id, "approve", "go ahead").get_json()
    assert approved["status"] == "approved" and approved["window_days"] == 90  # WHEAT's rotation lead time
    assert approved["window_ends_on"] == (business_today() + timedelta(days=90)).isoformat()
    out = _take_out(api, made.row_id, lot.id, "100")
    assert out.status_code == 201, out.get_json()
    assert (out.get_json()["direction"], out.get_json()["unit_price"]) == ("out", "2650.000")
    assert _lot(db, "WH-2024-001").on_hand == held - 100
    first = _bring_in(api, made.row_id, "60", "WH-RT-1")
    assert first.status_code == 201, first.get_json()
    assert api("clerk").get(f"/rotations/{made.row_id}").get_json()["status"] == "approved"
    assert _bring_in(api, made.row_id, "40", "WH-RT-2").status_code == 201
    body = api("approver").get(f"/rotations/{made.row_id}").get_json()
    assert body["status"] == "completed", body
    assert (body["quantity_out"], body["quantity_in"]) == ("100.000", "100.000")
    assert [(e["direction"], e["quantity"], e["unit_price"]) for e in body["executions"]] == [
        ("out", "100.000", "2650.000"), ("in", "60.000", "2400.000"), ("in", "40.000", "2400.000")]
    movements = db.exec(select(Movement).where(Movement.ref_type == "rotation", Movement.ref_id == made.row_id)
                        .order_by(Movement.id)).all()
    assert [(m.kind, m.quantity) for m in movements] == [
        ("rotation_out", Decimal("-100.000")), ("rotation_in", Decimal("60.000")), ("rotation_in", Decimal("40.000"))]
    assert "2650.000" in movements[0].note
    assert _lot(db, "WH-RT-1").status == "available" and _lot(db, "WH-RT-1").material_id == lot.material_id
    assert [s["action"] for s in body["timeline"]] == ["request", "submit", "approve", "execute", "execute",
                                                       "execute", "complete"]
    for action in ("submit", "approve", "complete", "out", "in"):
        assert db.exec(select(AuditEvent).where(AuditEvent.action == f"rotation.{action}",
                                                AuditEvent.entity_id == str(made.row_id))).first(), action
    assert _take_out(api, made.row_id, lot.id, "1").status_code == 409  # completed
    assert ledger.verify(session=db) == []


def test_complete_by_hand_once_as_much_came_in_as_went_out(api, db):
    row = _approved(api, db, "100")
    lot = _lot(db, "WH-2024-001")
    assert _act(api, "clerk", row["id"], "complete").status_code == 409  # nothing out yet
    assert _take_out(api, row["id"], lot.id, "50", price=None).get_json()["unit_price"] == "2600.000"
    assert _bring_in(api, row["id"], "49.999", "WH-RT-3").status_code == 201
    assert _act(api, "clerk", row["id"], "complete").status_code == 409  # 0.001 short
    assert _bring_in(api, row["id"], "0.001", "WH-RT-4").status_code == 201
    assert _act(api, "approver", row["id"], "complete").status_code == 403
    done = _act(api, "manager", row["id"], "complete")
    assert done.status_code == 200 and done.get_json()["status"] == "completed"


def test_rotation_in_of_another_material_is_refused_and_writes_nothing(api, db):
    row = _approved(api, db)
    lots, movements = _count(db, Lot), _count(db, Movement)
    refused = _bring_in(api, row["id"], "10", "RI-RT-1", material="RICE")
    assert refused.status_code == 422 and "material" in refused.get_json()["error"]["fields"]
    assert (_count(db, Lot), _count(db, Movement), _count(db, RotationMovement)) == (lots, movements, 0)
    bad = api("clerk").post(f"/rotations/{row['id']}/in", json={"material": "WHEAT", "facility": "GR-01",
                                                                "lot_code": "X", "quantity": "1"})
    assert bad.status_code == 422 and "unit_price" in bad.get_json()["error"]["fields"]
    failed = api("clerk").post(f"/rotations/{row['id']}/in", json={
        "material": "WHEAT", "facility": "GR-01", "lot_code": "WH-RT-BAD", "quantity": "5", "unit_price": "2400",
        "inspection_result": "failed"})
    assert failed.status_code == 201 and failed.get_json()["quality_result"] == "failed"
    assert _lot(db, "WH-RT-BAD").status == "quarantined"  # as a failed receipt is
    taken = api("clerk").post(f"/rotations/{row['id']}/in", json={
        "material": "WHEAT", "facility": "GR-01", "lot_code": "WH-2024-001", "quantity": "1", "unit_price": "1"})
    assert taken.status_code == 409  # the lot code is used: nothing counted in
    db.expire_all()
    assert db.get(Rotation, row["id"]).quantity_in == 5


# -- the floor -------------------------------------------------------------------------------------------------


def test_approval_at_the_floor_is_allowed_and_a_thousandth_below_refused(api, db):
    over = _propose(api, db, str(LARGEST + Decimal("0.001"))).get_json()
    _act(api, "clerk", over["id"], "submit")
    refused = _act(api, "approver", over["id"], "approve")
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "below_floor"
    db.expire_all()
    assert db.get(Rotation, over["id"]).status == "submitted" and db.get(Rotation, over["id"]).window_ends_on is None
    at = _approved(api, db, str(LARGEST))
    assert at["status"] == "approved"
    # with that one open, even a thousandth more would go below the floor
    small = _propose(api, db, "0.001", lots=[_lot(db, "WH-2025-014").id]).get_json()
    _act(api, "clerk", small["id"], "submit")
    assert _act(api, "approver", small["id"], "approve").get_json()["error"]["code"] == "below_floor"


def test_the_floor_counts_what_open_rotations_owe_back_and_is_configurable(app, api, db):
    first = _approved(api, db, "1000")
    lot = _lot(db, "WH-2024-001")
    assert _take_out(api, first["id"], lot.id, "1000").status_code == 201
    # held fell to 6,100.5, but the reserve is still 7,100.5: another 1,130.15 fits, 1,130.151 does not
    fits = _propose(api, db, "1130.150", lots=[_lot(db, "WH-2025-014").id]).get_json()
    _act(api, "clerk", fits["id"], "submit")
    too_much = _propose(api, db, "1130.151", lots=[_lot(db, "WH-2025-014").id]).get_json()
    _act(api, "clerk", too_much["id"], "submit")
    assert _act(api, "approver", too_much["id"], "approve").status_code == 409
    assert _act(api, "approver", fits["id"], "approve").status_code == 200
    app.config["ROTATION_FLOOR_SHARE"] = "0.5"
    assert _act(api, "approver", too_much["id"], "approve").status_code == 200


# -- the window ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "status"), [(0, 422), (1, 201), (365, 201), (366, 422), ("7", 422), (True, 422)])
def test_the_window_runs_one_to_365_days(api, db, days, status):
    response = _propose(api, db, window_days=days)
    assert response.status_code == status, response.get_json()
    if status == 201:
        assert response.get_json()["window_days"] == days


def test_rotation_overdue_opens_the_day_after_the_window(app, api, db):
    row = _approved(api, db, "100", window_days=1)
    ends = business_today() + timedelta(days=1)
    assert row["window_ends_on"] == ends.isoformat()
    with app.app_context():
        scan(db, "rotation_overdue", as_of=ends)
    assert db.exec(select(Alert).where(Alert.kind == "rotation_overdue")).first() is None
    with app.app_context():
        scan(db, "rotation_overdue", as_of=ends + timedelta(days=1))
    alert = alert_for(db, "rotation_overdue", row["id"])
    assert (alert.state, alert.severity, alert.payload["code"]) == ("open", "warning", row["code"])
    lot = _lot(db, "WH-2024-001")
    _take_out(api, row["id"], lot.id, "100")
    _bring_in(api, row["id"], "100", "WH-RT-9")
    with app.app_context():
        scan(db, "rotation_overdue", as_of=ends + timedelta(days=2))
    assert alert_for(db, "rotation_overdue", row["id"]).state == "resolved"


# -- guards, roles and tenancy ---------------------------------------------------------------------------------


def test_who_decides_a_rotation(api, db):
    made = submitted_rotation(api, db)
    assert _act(api, "clerk", made.row_id, "approve").status_code == 403
    assert _act(api, "officer", made.row_id, "approve").status_code == 403
    assert _act(api, "emapprover", made.row_id, "approve").status_code == 404
    assert _act(api, "coldclerk", made.row_id, "cancel").status_code == 404
    assert api("coldclerk").get(f"/rotations/{made.row_id}").status_code == 404
    assert api("emofficer").get(f"/rotations/{made.row_id}").status_code == 404
    assert api("coldclerk").get("/rotations").get_json()["items"] == []
    assert [r["id"] for r in api("gov").get("/rotations?material=WHEAT&enterprise=ENT-GRAIN").get_json()["items"]] \
        == [made.row_id]
    assert api("gov").get("/rotations?material=RICE").get_json()["items"] == []
    assert _take_out(api, made.row_id, _lot(db, "WH-2024-001").id, "1").status_code == 409  # not approved
    blank = _act(api, "approver", made.row_id, "reject")
    assert blank.status_code == 422
    rejected = _act(api, "approver", made.row_id, "reject", "price too low")
    assert rejected.get_json()["status"] == "rejected"
    assert _act(api, "approver", made.row_id, "approve").status_code == 409
    steps = db.exec(select(func.count()).select_from(WorkflowStep).where(
        WorkflowStep.flow == "rotation", WorkflowStep.entity_id == made.row_id)).one()
    assert steps == 3


def test_out_only_from_its_lots_and_never_past_its_quantity(api, db):
    row = _approved(api, db, "100")
    lot, other = _lot(db, "WH-2024-001"), _lot(db, "WH-2025-014")
    movements = _count(db, Movement)
    assert _take_out(api, row["id"], other.id, "1").status_code == 422
    assert _take_out(api, row["id"], lot.id, "100.001").get_json()["error"]["code"] == "over_rotated"
    assert _take_out(api, row["id"], lot.id, "0").status_code == 422
    assert _take_out(api, row["id"], lot.id, "1", user="coldclerk").status_code == 404
    assert _take_out(api, row["id"], lot.id, "1", user="approver").status_code == 403
    assert _count(db, Movement) == movements
    assert _take_out(api, row["id"], lot.id, "60").status_code == 201
    assert _take_out(api, row["id"], lot.id, "40.001").get_json()["error"]["code"] == "over_rotated"
    assert _take_out(api, row["id"], lot.id, "40").status_code == 201


def test_a_draft_may_be_cancelled_and_bad_proposals_write_nothing(api, db):
    made = _propose(api, db).get_json()
    assert _act(api, "clerk", made["id"], "cancel").get_json()["status"] == "cancelled"
    rotations, steps = _count(db, Rotation), _count(db, WorkflowStep)
    wheat, rice, tent = _lot(db, "WH-2024-001"), _lot(db, "RI-2024-007"), _lot(db, "TENT-2020-01")
    cases = [
        ({"lots": [wheat.id], "quantity": "3000.001", "sale_price": "1"}, "quantity"),  # more than the lot holds
        ({"lots": [wheat.id, rice.id], "quantity": "1", "sale_price": "1"}, "lots[1]"),
        ({"lots": [wheat.id, wheat.id], "quantity": "1", "sale_price": "1"}, "lots"),
        ({"lots": [], "quantity": "1", "sale_price": "1"}, "lots"),
        ({"lots": [wheat.id], "quantity": "1"}, "sale_price"),
        ({"lots": [wheat.id], "quantity": "1", "sale_price": "-1"}, "sale_price"),
        ({"lots": [wheat.id], "quantity": "1", "sale_price": "1", "mode": "barter"}, "mode"),
        ({"lots": [wheat.id], "quantity": "1", "sale_price": "1", "extra": 1}, "extra"),
    ]
    for body, field in cases:
        response = api("clerk").post("/rotations", json=body)
        assert response.status_code == 422, (body, response.get_json())
        assert field in response.get_json()["error"]["fields"], (body, response.get_json())
    scrapped = api("reliefclerk").post("/rotations", json={"lots": [tent.id], "quantity": "1", "sale_price": "1"})
    assert scrapped.status_code == 422 and "scrapped" in str(scrapped.get_json()["error"]["fields"])
    foreign = api("coldclerk").post("/rotations", json={"lots": [wheat.id], "quantity": "1", "sale_price": "1"})
    assert foreign.status_code == 422 and "lots[0]" in foreign.get_json()["error"]["fields"]
    assert api("approver").post("/rotations", json={"lots": [wheat.id], "quantity": "1",
                                                    "sale_price": "1"}).status_code == 403
    assert (_count(db, Rotation), _count(db, WorkflowStep)) == (rotations, steps)



def test_a_retried_rotation_out_takes_stock_once(api, db):
    row = _approved(api, db, "100")
    lot = _lot(db, "WH-2024-001")
    held = lot.on_hand
    headers = {"Idempotency-Key": "out-1"}
    body = {"lot": lot.id, "quantity": "30", "unit_price": "2650"}
    first = api("clerk").post(f"/rotations/{row['id']}/out", json=body, headers=headers)
    again = api("clerk").post(f"/rotations/{row['id']}/out", json=body, headers=headers)
    assert first.status_code == again.status_code == 201 and first.get_json()["id"] == again.get_json()["id"]
    assert _lot(db, "WH-2024-001").on_hand == held - 30


def test_a_suspended_enterprise_starts_no_rotation_and_none_of_its_own_is_approved(api, db):
    """Stock rotated out must come back in, and a suspended or revoked enterprise receives nothing (§六(二))."""
    from inventory.models import Qualification
    from tests.helpers import assert_error, org_coded

    pending = _propose(api, db).get_json()
    assert _act(api, "clerk", pending["id"], "submit").status_code == 200
    db.add(Qualification(enterprise_id=org_coded(db, "ENT-GRAIN").id, state="suspended"))
    db.commit()
    before = _count(db, Rotation)
    assert_error(_propose(api, db), 409, "enterprise_sanctioned")
    assert_error(_act(api, "approver", pending["id"], "approve"), 409, "enterprise_sanctioned")
    assert _count(db, Rotation) == before
    db.expire_all()
    assert db.get(Rotation, pending["id"]).status == "submitted"
