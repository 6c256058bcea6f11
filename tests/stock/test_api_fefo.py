"""FEFO issue by material over the API (issue 7, item 16): what the page's FEFO form does, all or nothing."""
from __future__ import annotations

from decimal import Decimal

from sqlmodel import select

from inventory.models import Lot, Movement
from tests.helpers import assert_error, count_rows


def on_hand(db, code: str) -> Decimal:
    db.expire_all()
    return db.exec(select(Lot.on_hand).where(Lot.lot_code == code)).one()


def test_fefo_issue_takes_from_the_earliest_expiring_lots_first(api, db):
    planned = api("clerk").get("/stock/fefo?material=WHEAT&quantity=3500").get_json()["items"]
    before = {p["lot"]["lot_code"]: on_hand(db, p["lot"]["lot_code"]) for p in planned}
    response = api("clerk").post("/stock/fefo/issue", json={"material": "WHEAT", "quantity": "3500",
                                                            "note": "relief point 3"})
    assert response.status_code == 201, response.get_json()
    movements = response.get_json()["items"]
    assert [(m["kind"], m["quantity"]) for m in movements] == [("issue", "-" + p["take"]) for p in planned]
    assert all(m["note"] == "relief point 3" for m in movements)
    for pick in planned:
        code = pick["lot"]["lot_code"]
        assert on_hand(db, code) == before[code] - Decimal(pick["take"])


def test_fefo_issue_beyond_the_available_stock_is_409_and_writes_nothing(api, db):
    before = count_rows(db, Movement)
    assert_error(api("clerk").post("/stock/fefo/issue", json={"material": "WHEAT", "quantity": "99999999"}),
                 409, "insufficient_stock")
    assert count_rows(db, Movement) == before


def test_fefo_issue_refuses_what_an_issue_refuses(api, db):
    before = count_rows(db, Movement)
    assert_error(api("approver").post("/stock/fefo/issue", json={"material": "WHEAT", "quantity": "1"}),
                 403, "forbidden")
    assert "material" in assert_error(api("clerk").post("/stock/fefo/issue", json={"material": "NOPE",
                                                                                   "quantity": "1"}),
                                      422, "validation_error")["fields"]
    assert "quantity" in assert_error(api("clerk").post("/stock/fefo/issue", json={"material": "WHEAT",
                                                                                   "quantity": "0"}),
                                      422, "validation_error")["fields"]
    assert count_rows(db, Movement) == before


def test_fefo_issue_takes_only_the_callers_stock(api, db):
    """The cold-chain enterprise's clerk holds no wheat: nothing of the grain company's is issued."""
    before = count_rows(db, Movement)
    assert_error(api("coldclerk").post("/stock/fefo/issue", json={"material": "WHEAT", "quantity": "1"}),
                 409, "insufficient_stock")
    assert count_rows(db, Movement) == before


def test_fefo_issue_with_an_idempotency_key_issues_once(api, db):
    headers = {"Idempotency-Key": "fefo-1"}
    first = api("clerk").post("/stock/fefo/issue", json={"material": "WHEAT", "quantity": "5"}, headers=headers)
    before = count_rows(db, Movement)
    second = api("clerk").post("/stock/fefo/issue", json={"material": "WHEAT", "quantity": "5"}, headers=headers)
    assert first.get_json() == second.get_json() and second.headers["Idempotent-Replayed"] == "true"
    assert count_rows(db, Movement) == before
