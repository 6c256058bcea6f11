"""Physical counts through the web: open, enter or upload, submit, and the bureau's decision."""
from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from sqlmodel import select

from inventory.models import CountMismatch, Lot, Movement, StockCount, StockCountLine
from tests.helpers import count_rows


def lot_coded(db, code: str) -> Lot:
    db.expire_all()
    return db.exec(select(Lot).where(Lot.lot_code == code)).one()


def the_count(db) -> StockCount:
    db.expire_all()
    return db.exec(select(StockCount)).one()


@pytest.fixture
def english(client):
    client.get("/lang/en")
    return client


@pytest.fixture
def opened(login_as, db) -> StockCount:
    """The grain clerk opens a count of GR-01 (three lots with stock)."""
    response = login_as("clerk").post("/counts/", data={"facility": "GR-01", "note": "quarterly"})
    assert response.status_code == 302
    return the_count(db)


def counted_data(db, values: dict[str, str]) -> dict[str, str]:
    return {f"lot_{lot_coded(db, code).id}": value for code, value in values.items()}


def test_count_pages_render_for_keepers_and_approvers(login_as, opened):
    clerk = login_as("clerk")
    assert clerk.get("/counts/").status_code == 200
    page = clerk.get(f"/counts/{opened.id}").get_data(as_text=True)
    assert len(re.findall(r'<tr data-lot-id="\d+"', page)) == 3
    assert 'id="count-upload-form"' in page
    assert login_as("approver").get(f"/counts/{opened.id}").status_code == 200
    assert login_as("blood").get("/counts/").status_code == 403


def test_another_enterprise_cannot_see_or_fill_the_count(login_as, db, opened):
    client = login_as("coldclerk")
    assert client.get(f"/counts/{opened.id}").status_code == 404
    assert client.post(f"/counts/{opened.id}/counted", data=counted_data(db, {"RI-2024-007": "1"})).status_code == 404
    assert client.post(f"/counts/{opened.id}/submit").status_code == 404
    assert the_count(db).status == "open"


def test_open_enter_submit_approve_posts_count_corrections(login_as, db, opened):
    wheat_on_hand = lot_coded(db, "WH-2024-001").on_hand
    clerk = login_as("clerk")
    saved = clerk.post(f"/counts/{opened.id}/counted",
                       data=counted_data(db, {"WH-2024-001": str(wheat_on_hand - 40), "WH-2025-014": "4100.5",
                                              "RI-2024-007": "2500"}))
    assert saved.status_code == 302
    page = clerk.get(f"/counts/{opened.id}").get_data(as_text=True)
    assert "-40" in page
    assert clerk.post(f"/counts/{opened.id}/submit").status_code == 302
    assert the_count(db).status == "submitted"
    assert [m.lot_id for m in db.exec(select(CountMismatch))] == [lot_coded(db, "WH-2024-001").id]

    approver = login_as("approver")
    assert f'data-count-id="{opened.id}"' in approver.get("/inbox/").get_data(as_text=True)
    decided = approver.post(f"/inbox/count/{opened.id}", data={f"count-{opened.id}-approve": "1"})
    assert decided.status_code == 302
    assert the_count(db).status == "approved"
    corrections = db.exec(select(Movement).where(Movement.kind == "count_correction")).all()
    assert [(m.lot_id, m.quantity) for m in corrections] == [(lot_coded(db, "WH-2024-001").id, Decimal("-40.000"))]
    assert lot_coded(db, "WH-2024-001").on_hand == wheat_on_hand - 40


def test_rejected_count_goes_back_to_the_enterprise(login_as, db, opened):
    clerk = login_as("clerk")
    clerk.post(f"/counts/{opened.id}/counted", data=counted_data(
        db, {"WH-2024-001": "1", "WH-2025-014": "4100.5", "RI-2024-007": "2500"}))
    clerk.post(f"/counts/{opened.id}/submit")
    before = count_rows(db, Movement)
    login_as("approver").post(f"/inbox/count/{opened.id}",
                              data={f"count-{opened.id}-reject": "1", f"count-{opened.id}-note": "recount"})
    assert the_count(db).status == "open"
    assert count_rows(db, Movement) == before
    assert {m.decision for m in db.exec(select(CountMismatch)).all()} == {"rejected"}


@pytest.mark.parametrize(("value", "message"), [
    ("-1", "cannot be negative"),
    ("1.2345", "at most 3 decimal places"),
    ("lots", "not a number"),
])
def test_bad_counted_quantities_are_refused_and_nothing_is_saved(login_as, db, english, opened, value, message):
    response = login_as("clerk").post(f"/counts/{opened.id}/counted", data=counted_data(
        db, {"WH-2025-014": "4100.5", "RI-2024-007": value}))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.expire_all()
    assert [line.counted for line in db.exec(select(StockCountLine))] == [None, None, None]


def test_submitting_before_every_lot_is_counted_is_refused(login_as, db, english, opened):
    client = login_as("clerk")
    client.post(f"/counts/{opened.id}/counted", data=counted_data(db, {"WH-2025-014": "4100.5"}))
    response = client.post(f"/counts/{opened.id}/submit")
    assert response.status_code == 422
    assert "count every lot before submitting" in response.get_data(as_text=True)
    assert the_count(db).status == "open"


def upload(client, count_id: int, text: str):
    return client.post(f"/counts/{count_id}/upload", data={"file": (io.BytesIO(text.encode()), "count.csv")},
                       content_type="multipart/form-data")


def test_csv_upload_records_counted_quantities(login_as, db, opened):
    response = upload(login_as("clerk"), opened.id, "lot_code,counted\nWH-2024-001,2990\nRI-2024-007,2500\n")
    assert response.status_code == 302
    db.expire_all()
    counted = {line.lot_id: line.counted for line in db.exec(select(StockCountLine))}
    assert counted[lot_coded(db, "WH-2024-001").id] == Decimal("2990.000")
    assert counted[lot_coded(db, "WH-2025-014").id] is None


def test_csv_with_a_bad_row_records_nothing(login_as, db, english, opened):
    response = upload(login_as("clerk"), opened.id, "lot_code,counted\nWH-2024-001,2990\nPK-2026-031,5\n")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "row 3" in html and "not part of this count" in html
    db.expire_all()
    assert all(line.counted is None for line in db.exec(select(StockCountLine)))


def test_opening_a_count_for_an_unknown_or_busy_facility_is_refused(login_as, db, english, opened):
    client = login_as("clerk")
    assert client.post("/counts/", data={"facility": "CS-01"}).status_code == 422
    busy = client.post("/counts/", data={"facility": "GR-01"})
    assert busy.status_code == 422
    assert "still in progress" in busy.get_data(as_text=True)
    assert count_rows(db, StockCount) == 1


def test_the_opener_cancels_a_count_with_a_reason_and_it_shows_on_the_timeline(login_as, db, opened):
    clerk = login_as("clerk")
    assert clerk.post(f"/counts/{opened.id}/cancel", data={"cancel-note": ""}).status_code == 422
    assert the_count(db).status == "open"
    assert clerk.post(f"/counts/{opened.id}/cancel", data={"cancel-note": "wrong facility"}).status_code == 302
    assert the_count(db).status == "cancelled"
    page = clerk.get(f"/counts/{opened.id}").get_data(as_text=True)
    assert 'data-step="cancel"' in page and "wrong facility" in page


@pytest.mark.parametrize("username", ["officer", "approver", "coordinator", "admin", "viewer"])
def test_count_pages_open_for_everyone_who_reads_stock(login_as, opened, username):
    """Review finding: bureau officers, coordinators and administrators got 403 on pages the audit links to."""
    client = login_as(username)
    assert client.get("/counts/").status_code == 200
    assert client.get(f"/counts/{opened.id}").status_code == 200  # city-wide readers and the grain bureau
