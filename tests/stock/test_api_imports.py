"""Receipt imports over the API (issue 7, item 16): upload with a dry run, the job's status and progress,
row-numbered errors, and importing a clean dry run."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from inventory import create_app
from inventory.core.clock import business_today
from inventory.models import ImportJob, Lot, Movement
from tests.helpers import TMP, assert_error, count_rows, filesystem_broker, make_config

HEADER = ["material", "facility", "lot_code", "quantity", "production_date", "expiry_date", "received_on",
          "quality_grade", "inspection_result", "note"]
#: a broker nobody listens on: the job runs inside the request, so its outcome is in the answer
DEAD_BROKER = {"broker_url": "redis://127.0.0.1:1/0", "task_ignore_result": True}


def day(offset: int) -> str:
    return (business_today() + timedelta(days=offset)).isoformat()


def row(code: str, **cells: str) -> list[str]:
    values = {"material": "WHEAT", "facility": "GR-01", "lot_code": code, "quantity": "100.250",
              "production_date": day(-30), "expiry_date": "", "received_on": day(-2), "quality_grade": "一等",
              "inspection_result": "passed", "note": "入库", **cells}
    return [values[key] for key in HEADER]


def csv_file(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *rows])
    return buffer.getvalue().encode()


@pytest.fixture
def upload(app, token_for):
    """POST /imports with the broker down, so each job has finished when the request answers."""
    client = create_app(make_config(CELERY=DEAD_BROKER)).test_client()

    def _upload(user: str, content: bytes, *, dry_run: bool = True, filename: str = "receipts.csv", **kwargs):
        data = {"file": (io.BytesIO(content), filename), "dry_run": "true" if dry_run else "false"}
        return client.post("/api/v1/imports", data=data, content_type="multipart/form-data",
                           headers=token_for(user), **kwargs)

    _upload.client = client
    return _upload


def test_a_dry_run_checks_and_writes_nothing_then_its_file_is_imported(upload, token_for, db):
    lots_before = count_rows(db, Lot)
    checked = upload("clerk", csv_file([row("API-IMP-1"), row("API-IMP-2")]))
    assert checked.status_code == 202, checked.get_json()
    job = checked.get_json()
    assert (job["status"], job["finished"], job["percent"], job["errors"]) == ("done", True, 100, [])
    assert (job["dry_run"], job["total_rows"], job["processed_rows"], job["created_lots"]) == (True, 2, 2, 0)
    assert checked.headers["Location"].endswith(f"/api/v1/imports/{job['id']}")
    assert count_rows(db, Lot) == lots_before
    imported = upload.client.post(f"/api/v1/imports/{job['id']}/import", headers=token_for("clerk"))
    assert imported.status_code == 202, imported.get_json()
    assert (imported.get_json()["status"], imported.get_json()["created_lots"]) == ("done", 2)
    assert count_rows(db, Lot) == lots_before + 2
    status = upload.client.get(f"/api/v1/imports/{imported.get_json()['id']}", headers=token_for("clerk"))
    assert status.get_json()["created_lots"] == 2
    listed = upload.client.get("/api/v1/imports", headers=token_for("clerk")).get_json()["items"]
    assert [j["id"] for j in listed][-2:] == [job["id"], imported.get_json()["id"]]


def test_bad_values_are_row_numbered_errors_never_an_unexpected_error(upload, db):
    moves_before = count_rows(db, Movement)
    rows = [row("OK-1"), row("BIG", quantity="1e30"), row("HUGE", quantity="9" * 5000),
            row("FUTURE", received_on="9999-12-31"), row("OLD", received_on="1999-12-31"),
            row("TINY", quantity="1e-999999999999")]
    job = upload("clerk", csv_file(rows), dry_run=False).get_json()
    assert job["status"] == "failed" and job["created_lots"] == 0
    by_row = {(e["row"], e["field"]) for e in job["errors"]}
    assert by_row == {(3, "quantity"), (4, "quantity"), (5, "received_on"), (6, "received_on"), (7, "quantity")}
    assert not any("unexpected" in e["message"] for e in job["errors"])
    assert count_rows(db, Movement) == moves_before


def test_every_problem_of_a_row_is_reported(upload):
    job = upload("clerk", csv_file([row("MANY", material="NOPE", facility="CS-01", received_on="9999-12-31")])).get_json()
    assert {e["field"] for e in job["errors"] if e["row"] == 2} >= {"material", "facility", "received_on"}


def test_a_dry_run_with_errors_cannot_be_imported(upload, token_for, db):
    job = upload("clerk", csv_file([row("X", quantity="-1")])).get_json()
    assert job["status"] == "done" and job["errors"]
    before = count_rows(db, ImportJob)
    assert_error(upload.client.post(f"/api/v1/imports/{job['id']}/import", headers=token_for("clerk")),
                 409, "illegal_transition")
    assert count_rows(db, ImportJob) == before


def test_jobs_are_seen_only_within_the_enterprise(upload, token_for):
    job = upload("clerk", csv_file([row("MINE")])).get_json()
    for other in ("coldclerk", "emapprover"):
        assert_error(upload.client.get(f"/api/v1/imports/{job['id']}", headers=token_for(other)), 404, "not_found")
        assert_error(upload.client.post(f"/api/v1/imports/{job['id']}/import", headers=token_for(other)),
                     404, "not_found")


def test_refused_uploads_write_nothing(upload, token_for, db):
    before = count_rows(db, ImportJob)
    assert_error(upload("approver", csv_file([row("A")])), 403, "forbidden")
    assert "file" in assert_error(upload("clerk", b"x", filename="receipts.txt"), 422, "validation_error")["fields"]
    assert "file" in assert_error(upload("clerk", b""), 422, "validation_error")["fields"]
    assert_error(upload.client.post("/api/v1/imports", json={"file": "x"}, headers=token_for("clerk")),
                 415, "unsupported_media_type")
    assert count_rows(db, ImportJob) == before


def test_with_the_broker_up_the_job_waits_queued(app, token_for):
    client = create_app(make_config(CELERY=filesystem_broker(TMP / "broker-api-imports"))).test_client()
    response = client.post("/api/v1/imports", data={"file": (io.BytesIO(csv_file([row("Q")])), "r.csv")},
                           content_type="multipart/form-data", headers=token_for("clerk"))
    assert response.status_code == 202
    assert (response.get_json()["status"], response.get_json()["finished"], response.get_json()["percent"]) == (
        "queued", False, 0)
