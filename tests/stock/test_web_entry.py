"""The receipt form and FEFO issue by material, and the issue_fefo service behind it."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from inventory.models import Lot, Material, Movement
from inventory.services.stock import lots
from inventory.core.errors import Conflict, Forbidden, Invalid
from inventory.core.clock import business_today
from tests.helpers import count_rows, user_named

TODAY = business_today()


def receipt(**changes) -> dict:
    data = {"material": "WHEAT", "facility": "GR-01", "lot_code": "WH-2026-100", "quantity": "250.5",
            "production_date": (TODAY - timedelta(days=10)).isoformat()}
    return {**data, **changes}


def lot_coded(db, code: str) -> Lot:
    db.expire_all()
    return db.exec(select(Lot).where(Lot.lot_code == code)).one()


def wheat(db) -> Material:
    return db.exec(select(Material).where(Material.code == "WHEAT")).one()


@pytest.fixture
def english(client):
    client.get("/lang/en")
    return client


def test_receipt_form_is_for_enterprise_staff(login_as):
    assert login_as("clerk").get("/stock/receive").status_code == 200
    assert login_as("officer").get("/stock/receive").status_code == 403


def test_receiving_a_lot_records_it_and_its_receipt(login_as, db):
    expiry = TODAY + timedelta(days=400)
    response = login_as("clerk").post("/stock/receive", data=receipt(expiry_date=expiry.isoformat()))
    assert response.status_code == 302
    lot = lot_coded(db, "WH-2026-100")
    assert response.headers["Location"] == f"/stock/lots/{lot.id}"
    assert (lot.on_hand, lot.status, lot.expiry_date) == (Decimal("250.500"), "available", expiry)
    movement = db.exec(select(Movement).where(Movement.lot_id == lot.id)).one()
    assert (movement.kind, movement.quantity) == ("receipt", Decimal("250.500"))


def test_expiry_is_derived_from_the_shelf_life_when_left_empty(login_as, db):
    login_as("clerk").post("/stock/receive", data=receipt())
    assert lot_coded(db, "WH-2026-100").expiry_date == TODAY - timedelta(days=10) + timedelta(days=1095)


@pytest.mark.parametrize(("changes", "message"), [
    ({"quantity": "0"}, "must be positive"),
    ({"quantity": "-3"}, "must be positive"),
    ({"quantity": "1.0005"}, "at most 3 decimal places"),
    ({"quantity": ""}, "This field is required"),
    ({"expiry_date": (TODAY - timedelta(days=20)).isoformat()}, "cannot be before the production date"),
    ({"production_date": (TODAY + timedelta(days=2)).isoformat()}, "cannot be after the day it is received"),
    ({"facility": "GR-99"}, "Not a valid choice"),
    ({"facility": "CS-01"}, "Not a valid choice"),
    ({"material": "UNOBTAINIUM"}, "Not a valid choice"),
    ({"lot_code": "WH-2024-001"}, "already used"),
    ({"lot_code": ""}, "This field is required"),
])
def test_bad_receipts_show_an_error_and_write_nothing(login_as, db, english, changes, message):
    before = (count_rows(db, Lot), count_rows(db, Movement))
    response = login_as("clerk").post("/stock/receive", data=receipt(**changes))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert (count_rows(db, Lot), count_rows(db, Movement)) == before


def test_fefo_proposes_the_earliest_expiring_lots_and_writes_nothing_yet(login_as, db):
    older, newer = lot_coded(db, "WH-2024-001"), lot_coded(db, "WH-2025-014")
    assert older.expiry_date < newer.expiry_date
    before = count_rows(db, Movement)
    response = login_as("clerk").post("/stock/issue", data={"material": "WHEAT", "quantity": "3500", "preview": "1"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert re.findall(r'<tr data-lot-id="(\d+)">', html) == [str(older.id), str(newer.id)]
    assert "3,000 t" in html and "500 t" in html
    assert count_rows(db, Movement) == before


def test_confirming_fefo_issues_from_the_earliest_lots_first(login_as, db):
    login_as("clerk").post("/stock/issue", data={"material": "WHEAT", "quantity": "3500", "note": "relief",
                                                 "confirm": "1"})
    assert lot_coded(db, "WH-2024-001").on_hand == 0
    assert lot_coded(db, "WH-2024-001").status == "depleted"
    assert lot_coded(db, "WH-2025-014").on_hand == Decimal("3600.500")
    issued = db.exec(select(Movement).where(Movement.kind == "issue", Movement.note == "relief")
                     .order_by(Movement.id)).all()
    assert [(m.lot_id, m.quantity) for m in issued] == [
        (lot_coded(db, "WH-2024-001").id, Decimal("-3000.000")), (lot_coded(db, "WH-2025-014").id, Decimal("-500.000"))]


def test_fefo_skips_held_lots(login_as, db):
    held = lot_coded(db, "WH-2024-001")
    login_as("manager").post(f"/stock/lots/{held.id}/hold", data={"hold-status": "quality_hold", "hold-reason": "x"})
    html = login_as("clerk").post("/stock/issue", data={"material": "WHEAT", "quantity": "10", "preview": "1"}
                                  ).get_data(as_text=True)
    assert re.findall(r'<tr data-lot-id="(\d+)">', html) == [str(lot_coded(db, "WH-2025-014").id)]


@pytest.mark.parametrize(("quantity", "button", "message"), [
    ("8000", "confirm", "can be issued from available lots"),
    ("8000", "preview", "can be issued from available lots"),
    ("0", "confirm", "must be positive"),
    ("2.0001", "preview", "at most 3 decimal places"),
])
def test_fefo_refusals_write_nothing(login_as, db, english, quantity, button, message):
    before = count_rows(db, Movement)
    response = login_as("clerk").post("/stock/issue", data={"material": "WHEAT", "quantity": quantity, button: "1"})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count_rows(db, Movement) == before


def test_fefo_issue_page_is_for_enterprise_staff(login_as):
    assert login_as("clerk").get("/stock/issue").status_code == 200
    assert login_as("coordinator").get("/stock/issue").status_code == 403


def test_issue_fefo_takes_lots_in_expiry_order_across_facilities(db):
    clerk = user_named(db, "clerk")
    material = wheat(db)
    early = lots.receive_lot(session=db, actor=clerk, receipt=lots.Receipt(
        material="WHEAT", facility="GR-03", lot_code="WH-EARLY", quantity=Decimal("5"),
        expiry_date=TODAY + timedelta(days=3)))
    db.commit()
    movements = lots.issue_fefo(session=db, actor=clerk, material_id=material.id, amount=Decimal("7"), note="n")
    db.commit()
    assert [(m.lot_id, m.quantity) for m in movements] == [
        (early.id, Decimal("-5.000")), (lot_coded(db, "WH-2024-001").id, Decimal("-2.000"))]


def test_issue_fefo_refuses_more_than_is_available_and_writes_nothing(db):
    clerk = user_named(db, "clerk")
    before = count_rows(db, Movement)
    with pytest.raises(Conflict):
        lots.issue_fefo(session=db, actor=clerk, material_id=wheat(db).id, amount=Decimal("7100.501"), note="")
    db.rollback()
    assert count_rows(db, Movement) == before


def test_issue_fefo_refuses_a_negative_amount_and_non_keepers(db):
    with pytest.raises(Invalid):
        lots.issue_fefo(session=db, actor=user_named(db, "clerk"), material_id=wheat(db).id, amount=Decimal("-1"))
    with pytest.raises(Forbidden):
        lots.issue_fefo(session=db, actor=user_named(db, "approver"), material_id=wheat(db).id, amount=Decimal("1"))


@pytest.mark.parametrize(("result", "status"), [("passed", "available"), ("failed", "quarantined"),
                                                 ("pending", "quality_hold")])
def test_the_inspection_result_decides_the_status_a_lot_is_received_in(login_as, db, result, status):
    """Issue 7 item 9: the inspection is a pass / fail / pending choice; failed stock cannot be issued."""
    login_as("clerk").post("/stock/receive", data=receipt(inspection_result=result, quality_grade="二等"))
    lot = lot_coded(db, "WH-2026-100")
    assert (lot.inspection_result, lot.status, lot.quality_grade) == (result, status, "二等")


def test_a_receipt_into_a_facility_not_declared_for_its_category_is_refused(login_as, db, english):
    """Issue 7 item 7: quilts do not go into a grain warehouse."""
    before = count_rows(db, Lot)
    response = login_as("clerk").post("/stock/receive", data=receipt(material="QUILT"))
    assert response.status_code == 422 and "not declared to store" in response.get_data(as_text=True)
    assert count_rows(db, Lot) == before


def test_the_receipt_form_groups_materials_by_category_in_the_readers_language(login_as):
    page = login_as("clerk").get("/stock/receive").get_data(as_text=True)
    assert '<optgroup label="粮食">' in page and "小麦 · WHEAT" in page


def test_an_absurd_quantity_or_date_in_the_receipt_form_is_refused(login_as, db):
    before = count_rows(db, Lot)
    for changes in ({"quantity": "1e30"}, {"received_on": "9999-12-31"}):
        assert login_as("clerk").post("/stock/receive", data=receipt(**changes)).status_code == 422
    assert count_rows(db, Lot) == before
