"""The adjustment tolerance holds cumulatively and both ways (issue 7 items 4 and 5; docs/domain-rules.md,
write-downs): no dodging the bureau by splitting a write-down, no unlimited write-ups (虚报, §二(六)2(1))."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import text
from sqlmodel import select

from inventory.models import Adjustment, Lot
from tests.helpers import assert_error, receive


def adjust(api, lot_id: int, quantity: str):
    return api("clerk").post(f"/lots/{lot_id}/movements", json={"kind": "adjustment", "quantity": quantity,
                                                                 "note": "sorting"})


def test_split_write_downs_add_up_and_then_wait_for_the_bureau(api, db):
    lot = receive(db, quantity="1000")
    statuses = [adjust(api, lot.id, "-4.9").status_code for _ in range(150)]
    assert statuses[0] == 201 and set(statuses[1:]) == {202}
    db.expire_all()
    assert db.get(Lot, lot.id).on_hand == Decimal("995.100")
    assert len(db.exec(select(Adjustment).where(Adjustment.lot_id == lot.id)).all()) == 149


def test_write_downs_older_than_the_window_no_longer_count(api, db):
    lot = receive(db, quantity="1000")
    assert adjust(api, lot.id, "-4.9").status_code == 201
    assert adjust(api, lot.id, "-4.9").status_code == 202
    db.execute(text("UPDATE movement SET at = :at WHERE lot_id = :id AND kind = 'adjustment'"),
               {"at": (db.get(Lot, lot.id).created_at - timedelta(days=31)), "id": lot.id})
    db.commit()
    assert adjust(api, lot.id, "-4.9").status_code == 201


def test_a_write_up_beyond_the_tolerance_waits_for_the_bureau(api, db):
    lot = receive(db, quantity="100")
    assert adjust(api, lot.id, "0.4").status_code == 201
    pending = adjust(api, lot.id, "10")
    assert pending.status_code == 202 and pending.get_json()["adjustment"]["status"] == "pending"
    db.expire_all()
    assert db.get(Lot, lot.id).on_hand == Decimal("100.400")
    approved = api("approver").post(f"/adjustments/{pending.get_json()['adjustment']['id']}/actions/approve", json={})
    assert approved.status_code == 200
    db.expire_all()
    assert db.get(Lot, lot.id).on_hand == Decimal("110.400")


def test_an_absurd_write_up_is_refused_and_writes_nothing(api, db):
    lot = receive(db, quantity="100")
    assert_error(adjust(api, lot.id, "999999999999999999"), 422, "validation_error")
    assert db.exec(select(Adjustment)).all() == []


def test_a_write_up_that_would_overflow_the_ledger_is_refused_at_approval(api, db):
    """Review finding: approving +999,999,999,999,999.999 gave a 500 on PostgreSQL."""
    lot = receive(db, quantity="100")
    pending = adjust(api, lot.id, "999999999999999.999")
    assert pending.status_code == 202
    decided = api("approver").post(f"/adjustments/{pending.get_json()['adjustment']['id']}/actions/approve", json={})
    assert_error(decided, 409, "too_large")
    db.expire_all()
    assert db.get(Lot, lot.id).on_hand == Decimal("100.000")


def test_a_lot_held_by_the_bureau_cannot_be_adjusted_by_the_enterprise(api, db):
    lot = receive(db, quantity="100")
    api("inspector").post(f"/lots/{lot.id}/hold", json={"status": "quarantined", "reason": "pests"})
    assert_error(adjust(api, lot.id, "-0.1"), 409, "lot_held")


def test_the_requester_withdraws_a_waiting_adjustment_and_nobody_else_may(api, db):
    lot = receive(db, quantity="100")
    waiting = adjust(api, lot.id, "-10").get_json()["adjustment"]["id"]
    assert_error(api("manager").post(f"/adjustments/{waiting}/actions/withdraw", json={}), 403, "forbidden")
    withdrawn = api("clerk").post(f"/adjustments/{waiting}/actions/withdraw", json={})
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    assert_error(api("approver").post(f"/adjustments/{waiting}/actions/approve", json={}), 409, "illegal_transition")
