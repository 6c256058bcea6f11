"""Input that used to answer 500 (issue 7, "Input that gives a 500 today"): each answers 4xx in the API
error shape and writes nothing."""
from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from sqlmodel import select

from inventory.core.clock import business_today
from inventory.core.errors import Invalid
from inventory.models import AuditEvent, Lot, Material, Movement, Organisation, Transfer
from inventory.services.stock import ledger
from tests.helpers import assert_error, count_rows

TODAY = business_today()
LOT = {"material": "WHEAT", "facility": "GR-01", "lot_code": "IN-1", "quantity": "10"}
FORGED_CURSOR = "WyJub3QtYS1kYXRlIiwgMV0="  # ["not-a-date", 1]


def writes(db, api) -> tuple[int, ...]:
    """Rows of what a request could write; the demo users' tokens are issued first (that is audited)."""
    for user in ("clerk", "admin"):
        api(user)
    return tuple(count_rows(db, model) for model in (Lot, Movement, Transfer, Organisation, AuditEvent))


def lot_id(db, code: str = "WH-2025-014") -> int:
    return db.exec(select(Lot.id).where(Lot.lot_code == code)).one()


@pytest.mark.parametrize("path", ["/organisations?limit=%C2%B2", "/lots?limit=%C2%B2", "/lots?limit=%D9%A3"])
def test_a_limit_of_unicode_digits_is_422(api, path):
    """'²'.isdigit() is True, but it is no number a database can take."""
    assert "limit" in assert_error(api("clerk").get(path), 422, "validation_error")["fields"]


def test_json_nested_a_thousand_deep_is_400_and_writes_nothing(api, db):
    before = writes(db, api)
    body = '{"code": ' + "[" * 1000 + "]" * 1000 + "}"
    assert_error(api("admin").post("/organisations", data=body, content_type="application/json"), 400, "bad_request")
    assert writes(db, api) == before


def test_a_quantity_of_five_thousand_digits_is_refused_and_writes_nothing(api, db):
    before = writes(db, api)
    number = '{"material": "WHEAT", "facility": "GR-01", "lot_code": "IN-1", "quantity": ' + "9" * 5000 + "}"
    assert_error(api("clerk").post("/lots", data=number, content_type="application/json"), 400, "bad_request")
    error = assert_error(api("clerk").post("/lots", json={**LOT, "quantity": "9" * 5000}), 422, "validation_error")
    assert "quantity" in error["fields"]
    assert writes(db, api) == before


@pytest.mark.parametrize("quantity", ["1e400", "1e30", "-1", "0", "NaN", "Infinity", "1e-999999999999", "x"])
def test_fefo_with_an_impossible_quantity_is_422(api, quantity):
    response = api("clerk").get("/stock/fefo", query_string={"material": "WHEAT", "quantity": quantity})
    assert "quantity" in assert_error(response, 422, "validation_error")["fields"]


@pytest.mark.parametrize("days", ["--5", "-5", "99999999", "33210216891052852", "²", "1" * 5000])
@pytest.mark.parametrize("path", ["/lots", "/lots/export"])
def test_expiring_within_days_out_of_range_is_422(api, path, days):
    response = api("clerk").get(path, query_string={"expiring_within_days": days})
    assert "expiring_within_days" in assert_error(response, 422, "validation_error")["fields"]


def test_the_lot_filter_of_a_query_string_refuses_what_int_cannot_read():
    """The web export links parse the same query string (services/stock/queries.py)."""
    from inventory.services.stock.queries import LotFilter

    for days in ("--5", "²", "1" * 5000):
        with pytest.raises(Invalid):
            LotFilter.from_args({"expiring_within_days": days})


@pytest.mark.parametrize("cursor", [FORGED_CURSOR, base64.urlsafe_b64encode(b'["2026-01-01", "x"]').decode(),
                                    base64.urlsafe_b64encode(b'["2026-01-01", 99999999999999999999]').decode(),
                                    base64.urlsafe_b64encode(b'[1, 2]').decode(), "%%%", "é"])
def test_a_forged_cursor_is_422(api, cursor):
    response = api("clerk").get("/lots", query_string={"cursor": cursor})
    assert "cursor" in assert_error(response, 422, "validation_error")["fields"]


def test_a_forged_cursor_on_an_id_list_is_422(api):
    cursor = base64.urlsafe_b64encode(json.dumps(["1"]).encode()).decode()
    assert_error(api("admin").get("/organisations", query_string={"cursor": cursor}), 422, "validation_error")


@pytest.mark.parametrize("received_on", ["9999-12-31", (TODAY + timedelta(days=1)).isoformat(), "1999-12-31"])
def test_receipt_dates_outside_2000_to_today_are_422_and_write_nothing(api, db, received_on):
    before = writes(db, api)
    error = assert_error(api("clerk").post("/lots", json={**LOT, "received_on": received_on}), 422, "validation_error")
    assert "received_on" in error["fields"]
    assert writes(db, api) == before


def test_a_receipt_reports_every_problem_at_once(api, db):
    body = {**LOT, "material": "UNOBTAINIUM", "facility": "CS-01", "received_on": "9999-12-31",
            "inspection_result": "pending"}
    error = assert_error(api("clerk").post("/lots", json=body), 422, "validation_error")
    assert {"material", "facility", "received_on"} <= set(error["fields"])


def test_a_receipt_dated_today_or_in_2000_is_accepted(api):
    assert api("clerk").post("/lots", json={**LOT, "received_on": TODAY.isoformat()}).status_code == 201


def test_a_request_id_longer_than_the_audit_column_is_400_and_writes_nothing(api, db):
    before = writes(db, api)
    response = api("admin").post("/organisations", json={"code": "ENT-RID", "kind": "enterprise", "name": "x"},
                                 headers={"X-Request-Id": "r" * 65})
    assert_error(response, 400, "bad_request")
    assert writes(db, api) == before
    fits = api("admin").post("/organisations", json={"code": "ENT-RID", "kind": "enterprise", "name": "x"},
                             headers={"X-Request-Id": "r" * 64})
    assert fits.status_code == 201 and fits.headers["X-Request-Id"] == "r" * 64
    assert db.exec(select(AuditEvent.request_id).where(AuditEvent.action == "org.create")).all()[-1] == "r" * 64


@pytest.mark.parametrize("quantity", [1e30, "1e30", "1e400", -1e30])
def test_quantities_past_the_column_are_422_everywhere_and_write_nothing(api, db, quantity):
    before = writes(db, api)
    lot = lot_id(db)
    for response in (
        api("clerk").post("/lots", json={**LOT, "quantity": quantity}),
        api("clerk").post(f"/lots/{lot}/movements", json={"kind": "issue", "quantity": quantity}),
        api("clerk").post(f"/lots/{lot}/movements", json={"kind": "adjustment", "quantity": quantity, "note": "n"}),
        api("clerk").post("/transfers", json={"lot": lot, "to_facility": "GR-03", "quantity": quantity}),
        api("clerk").post("/stock/fefo/issue", json={"material": "WHEAT", "quantity": quantity}),
    ):
        assert "quantity" in assert_error(response, 422, "validation_error")["fields"]
    assert writes(db, api) == before


@pytest.mark.parametrize("value", ["1e30", "1e400", "9" * 5000, "1e-999999999999"])
def test_the_ledger_bounds_a_quantity_before_rounding_it(value):
    """Forms and FEFO read quantities through ``ledger.quantity``: rounding 1e30 overflowed the decimal context."""
    with pytest.raises(Invalid) as refused:
        ledger.quantity(value)
    assert "quantity" in refused.value.fields


def test_patching_a_material_with_nothing_is_422(api, db):
    for body in ({"data": b"", "content_type": "application/json"}, {"json": {}}, {"json": {"name": None}}):
        error = assert_error(api("admin").patch("/materials/WHEAT", **body), 422, "validation_error")
        assert "nothing to change" in json.dumps(error)


@pytest.mark.parametrize("change", [{"rotation_lead_days": False}, {"shelf_life_days": True},
                                    {"rotation_lead_days": "30"}, {"active": "false"}, {"active": 0}])
def test_booleans_are_not_integers_nor_strings_booleans(api, db, change):
    before = db.exec(select(Material).where(Material.code == "WHEAT")).one().model_dump()
    error = assert_error(api("admin").patch("/materials/WHEAT", json=change), 422, "validation_error")
    assert set(change) <= set(error["fields"])
    db.expire_all()
    assert db.exec(select(Material).where(Material.code == "WHEAT")).one().model_dump() == before


@pytest.mark.parametrize("method,path,allowed", [
    ("DELETE", "/organisations", {"GET", "POST"}),
    ("PUT", "/lots/1", {"GET"}),
    ("GET", "/transfers/1/actions/approve", {"POST"}),
])
def test_every_405_says_what_is_allowed(api, method, path, allowed):
    response = api("admin")._call(method, path)
    assert_error(response, 405, "method_not_allowed")
    assert allowed <= {m.strip() for m in response.headers["Allow"].split(",")}


def test_a_body_in_another_media_type_is_415(api, db):
    before = writes(db, api)
    response = api("admin").post("/organisations", data="code=X", content_type="application/x-www-form-urlencoded")
    assert_error(response, 415, "unsupported_media_type")
    assert writes(db, api) == before


def test_a_boolean_is_no_row_id(api, db):
    before = writes(db, api)
    for body in ({"lot": True, "to_facility": "GR-03", "quantity": "1", "reason": "r"},
                 {"lot": str(lot_id(db)), "to_facility": "GR-03", "quantity": "1", "reason": "r"}):
        assert "lot" in assert_error(api("clerk").post("/transfers", json=body), 422, "validation_error")["fields"]
    assert writes(db, api) == before
