"""Receipt imports: checks with row numbers, all-or-nothing writes through the ledger, jobs and their pages."""
from __future__ import annotations

import csv
import io
import time
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from openpyxl import Workbook
from sqlmodel import select

from inventory import create_app
from inventory.models import ImportJob, Lot, Movement
from inventory.services.system import demo
from inventory.services.stock import imports
from inventory.services.stock import ledger
from inventory.services.stock import receipt_files
from inventory.core.clock import business_today
from tests.helpers import TMP, count_rows, filesystem_broker, make_config, user_named

HEADER = ["material", "facility", "lot_code", "quantity", "production_date", "expiry_date", "received_on",
          "quality_grade", "inspection_result", "note"]
#: a broker nobody listens on: enqueueing falls back to running the job in the request
DEAD_BROKER = {"broker_url": "redis://127.0.0.1:1/0", "task_ignore_result": True}


def day(offset: int) -> str:
    return (business_today() + timedelta(days=offset)).isoformat()


def good_rows(count: int = 3, prefix: str = "IMP") -> list[list[str]]:
    """Receipts that fit: GR-01 has about 10,000 t of room, so 450 of them stay within its capacity."""
    return [["WHEAT", "GR-01", f"{prefix}-{n}", f"{10 + n % 10}.250", day(-30), "", day(-2), "一等", "合格", "入库"]
            for n in range(1, count + 1)]


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER, bom: bool = True) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" if bom else "").encode() + buffer.getvalue().encode()


def xlsx_bytes(rows: list[list], header: list[str] = HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run_import(db, username: str, content: bytes, *, filename: str = "receipts.csv", dry_run: bool = False,
               **options) -> ImportJob:
    job = imports.create_job(session=db, actor=user_named(db, username), filename=filename, content=content,
                             dry_run=dry_run)
    db.commit()
    return imports.run_job(session=db, job_id=job.id, **options)


def test_a_csv_import_receives_every_row_through_the_ledger(db):
    lots_before, movements_before = count_rows(db, Lot), count_rows(db, Movement)
    job = run_import(db, "clerk", csv_bytes(good_rows(3)))
    assert (job.status, job.total_rows, job.processed_rows, job.created_lots, job.errors) == ("done", 3, 3, 3, [])
    assert count_rows(db, Lot) == lots_before + 3
    assert count_rows(db, Movement) == movements_before + 3
    lot = db.exec(select(Lot).where(Lot.lot_code == "IMP-2")).one()
    assert lot.on_hand == lot.quantity_received == Decimal("12.250")
    assert lot.expiry_date == business_today() - timedelta(days=30) + timedelta(days=1095)
    assert ledger.verify(session=db) == []


def test_csv_without_a_bom_and_headers_with_labels_are_read(db):
    header = ["物资编码 (material)", "Facility code (facility)", "批次号（lot_code）", "QUANTITY"]
    job = run_import(db, "clerk", csv_bytes([["RICE", "GR-03", "LBL-1", "5"]], header=header, bom=False))
    assert (job.status, job.created_lots) == ("done", 1)


def test_an_xlsx_import_reads_real_excel_dates_and_numbers(db):
    produced = datetime.combine(business_today() - timedelta(days=10), datetime.min.time())
    rows = [["MAIZE", "GR-03", "X-1", 12.5, produced, None, produced, "二等", None, None],
            ["SOY-OIL", "GR-02", 4711, 3, produced.date(), day(300), day(-1), None, None, None]]
    job = run_import(db, "clerk", xlsx_bytes(rows), filename="receipts.xlsx")
    assert (job.status, job.created_lots, job.errors) == ("done", 2, [])
    first, second = (db.exec(select(Lot).where(Lot.lot_code == code)).one() for code in ("X-1", "4711"))
    assert first.production_date == produced.date() and first.on_hand == Decimal("12.500")
    assert second.expiry_date.isoformat() == day(300)


def test_a_dry_run_checks_every_row_and_writes_nothing(db):
    lots_before, movements_before = count_rows(db, Lot), count_rows(db, Movement)
    job = run_import(db, "clerk", csv_bytes(good_rows(5)), dry_run=True, progress_every=2)
    assert (job.status, job.total_rows, job.processed_rows, job.created_lots, job.errors) == ("done", 5, 5, 0, [])
    assert (count_rows(db, Lot), count_rows(db, Movement)) == (lots_before, movements_before)


BAD_ROWS = {
    "unknown material": (["NOPE", "GR-01", "BAD-1", "1", "", "", "", "", "", ""], "material", "unknown material"),
    "negative quantity": (["WHEAT", "GR-01", "BAD-1", "-4", "", "", "", "", "", ""], "quantity", "positive"),
    "too many decimals": (["WHEAT", "GR-01", "BAD-1", "1.2345", "", "", "", "", "", ""], "quantity", "3 decimal"),
    "expiry before production": (["WHEAT", "GR-01", "BAD-1", "1", day(-20), day(-25), "", "", "", ""],
                                 "expiry_date", "before the production date"),
    "another enterprise's facility": (["WHEAT", "CS-01", "BAD-1", "1", "", "", "", "", "", ""],
                                      "facility", "unknown facility"),
    "a lot code used earlier in the file": (["WHEAT", "GR-01", "IMP-1", "1", "", "", "", "", "", ""],
                                            "lot_code", "also on row 2"),
    "a lot code the enterprise already has": (["WHEAT", "GR-01", "WH-2024-001", "1", "", "", "", "", "", ""],
                                              "lot_code", "already used"),
    "a date that is not YYYY-MM-DD": (["WHEAT", "GR-01", "BAD-1", "1", "1.5.2025", "", "", "", "", ""],
                                      "production_date", "YYYY-MM-DD"),
    "an empty quantity": (["WHEAT", "GR-01", "BAD-1", "", "", "", "", "", "", ""], "quantity", "required"),
}


@pytest.mark.parametrize("case", list(BAD_ROWS))
def test_one_bad_row_is_reported_by_row_number_and_nothing_is_written(db, case):
    bad, field, message = BAD_ROWS[case]
    rows = good_rows(2) + [bad] + good_rows(1, prefix="LATER")
    lots_before, movements_before = count_rows(db, Lot), count_rows(db, Movement)
    job = run_import(db, "clerk", csv_bytes(rows))
    assert job.status == "failed" and job.created_lots == 0
    assert [(e["row"], e["field"]) for e in job.errors] == [(4, field)]
    assert message in job.errors[0]["message"]
    assert (count_rows(db, Lot), count_rows(db, Movement)) == (lots_before, movements_before)


def test_errors_in_several_rows_and_cells_are_all_listed(db):
    rows = [["NOPE", "GR-01", "A", "x", "", "", "", "", "", ""], *good_rows(1),
            ["WHEAT", "GR-01", "B", "1", "2025-13-01", "", "", "", "", ""]]
    job = run_import(db, "clerk", xlsx_bytes(rows), filename="r.xlsx", dry_run=True)
    assert {(e["row"], e["field"]) for e in job.errors} == {(2, "quantity"), (4, "production_date")}


def test_unknown_and_missing_columns_are_reported_on_row_one(db):
    job = run_import(db, "clerk", csv_bytes(good_rows(1), header=["material", "facility", "lot_code", "colour"]))
    assert {(e["row"], e["field"], e["message"]) for e in job.errors} == {
        (1, "colour", "unknown column"), (1, "quantity", "missing column")}
    assert job.status == "failed" and count_rows(db, ImportJob) == 1


@pytest.mark.parametrize("filename, content", [("r.csv", "物资".encode("gbk")), ("r.xlsx", b"not a zip"),
                                               ("r.csv", b"\n\n"), ("r.csv", b"note\n" + b"x" * 200_000)])
def test_unreadable_or_empty_files_fail_with_a_file_error(db, filename, content):
    job = run_import(db, "clerk", content, filename=filename)
    assert job.status == "failed" and [e["field"] for e in job.errors] == ["file"]


def test_a_job_runs_once_even_when_its_task_is_delivered_twice(db):
    job = run_import(db, "clerk", csv_bytes(good_rows(2)))
    lots_after_first = count_rows(db, Lot)
    again = imports.run_job(session=db, job_id=job.id)
    assert (again.status, again.created_lots, count_rows(db, Lot)) == ("done", 2, lots_after_first)


def test_progress_is_committed_apart_from_the_receipts(db):
    """The check pass reports every row from its own session, though the failed import writes nothing."""
    job = run_import(db, "clerk", csv_bytes(good_rows(6) + [["NOPE", "GR-01", "Z", "1"] + [""] * 6]),
                     progress_every=2)
    assert (job.status, job.total_rows, job.processed_rows, job.created_lots) == ("failed", 7, 7, 0)


def test_only_enterprise_staff_create_jobs(db):
    from inventory.core.errors import Forbidden

    with pytest.raises(Forbidden):
        imports.create_job(session=db, actor=user_named(db, "officer"), filename="r.csv",
                           content=csv_bytes(good_rows(1)), dry_run=True)


# --- web pages -------------------------------------------------------------------------------------------


@pytest.fixture
def web(app):
    """A client of an app whose broker is down, so each job runs inside the request (DESIGN §3)."""
    broker_down_app = create_app(make_config(CELERY=DEAD_BROKER))

    def login(username: str):
        client = broker_down_app.test_client()
        response = client.post("/login", data={"username": username, "password": demo.DEMO_PASSWORD})
        assert response.status_code == 302
        return client

    return login


def upload(client, content: bytes, filename: str = "receipts.csv", mode: str = "dry_run"):
    return client.post("/imports/", data={"file": (io.BytesIO(content), filename), "mode": mode},
                       content_type="multipart/form-data")


def test_upload_dry_run_then_import_from_the_job_page(web, db):
    client = web("clerk")
    response = upload(client, csv_bytes(good_rows(3)))
    assert response.status_code == 302
    page = client.get(response.headers["Location"], follow_redirects=True)
    assert "import-clean" in page.text and "IMP-3" in page.text
    assert count_rows(db, Lot) == 15
    job = db.exec(select(ImportJob)).one()
    assert client.get(f"/imports/{job.id}/progress").get_json() == {
        "status": "done", "dry_run": True, "total_rows": 3, "processed_rows": 3, "created_lots": 0,
        "error_count": 0, "percent": 100, "finished": True}
    imported = client.post(f"/imports/{job.id}/import", follow_redirects=True)
    assert "import-done" in imported.text
    assert count_rows(db, Lot) == 18
    # the checked file is imported once: a second click is refused, nothing written twice
    assert client.post(f"/imports/{job.id}/import").status_code == 409
    assert count_rows(db, Lot) == 18


def test_the_job_page_lists_errors_with_row_numbers_and_offers_no_import(web, db):
    client = web("clerk")
    rows = good_rows(2) + [["WHEAT", "GR-01", "BAD", "-1", "", "", "", "", "", ""]]
    response = upload(client, csv_bytes(rows))
    page = client.get(response.headers["Location"])
    assert "import-errors" in page.text and "import-now" not in page.text
    assert '<tr class="table-danger"><td>4</td>' in page.text
    job = db.exec(select(ImportJob)).one()
    assert client.post(f"/imports/{job.id}/import").status_code == 409


def test_row_errors_are_stored_in_the_uploaders_language(web, db):
    """The job keeps its errors as text, rendered in the language of the page that started it."""
    rows = [["WHEAT", "GR-01", "BAD", "-1", "", "", "", "", "", ""]]
    upload(web("clerk"), csv_bytes(rows))
    english = web("clerk")
    english.get("/lang/en")
    upload(english, csv_bytes(rows))
    jobs = db.exec(select(ImportJob).order_by(ImportJob.id)).all()
    assert [job.errors[0]["message"] for job in jobs] == ["必须大于零", "must be positive"]


def test_a_job_started_with_a_worker_queued_shows_progress_polling(app, db):
    """With the broker up and no worker yet, the job waits queued and its page polls the progress URL."""
    folder = TMP / "broker-imports-queued"
    client = create_app(make_config(CELERY=filesystem_broker(folder))).test_client()
    client.post("/login", data={"username": "clerk", "password": demo.DEMO_PASSWORD})
    response = upload(client, csv_bytes(good_rows(1)))
    page = client.get(response.headers["Location"])
    job = db.exec(select(ImportJob)).one()
    assert job.status == "queued"
    assert f'data-url="/imports/{job.id}/progress"' in page.text and "/static/js/import-progress.js" in page.text
    for message in (folder / "queue").iterdir():
        message.unlink()


def test_job_pages_are_visible_only_within_the_enterprise(web, db):
    upload(web("clerk"), csv_bytes(good_rows(1)))
    job = db.exec(select(ImportJob)).one()
    for outsider in ("coldclerk", "officer"):
        client = web(outsider)
        assert client.get(f"/imports/{job.id}").status_code == 404
        assert client.get(f"/imports/{job.id}/progress").status_code == 404
        assert client.post(f"/imports/{job.id}/import").status_code == 404
    assert web("manager").get(f"/imports/{job.id}").status_code == 200
    assert web("admin").get(f"/imports/{job.id}").status_code == 200
    assert web("admin").post(f"/imports/{job.id}/import").status_code == 403


def test_the_upload_page_is_for_enterprise_staff(web):
    assert web("officer").get("/imports/").status_code == 403
    page = web("clerk").get("/imports/")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text


def test_the_upload_form_refuses_other_file_types(web, db):
    response = upload(web("clerk"), b"hello", filename="notes.txt")
    assert response.status_code == 422 and count_rows(db, ImportJob) == 0


def test_the_template_csv_has_every_column_the_importer_knows(web):
    response = web("clerk").get("/imports/template.csv")
    header = next(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    columns, errors = receipt_files.read_header(header, 1)
    assert errors == [] and list(columns) == list(receipt_files.RECEIPT_COLUMNS)


def test_an_import_job_runs_on_a_real_worker_and_its_progress_reaches_done(app, db):
    worker_app = create_app(make_config(CELERY=filesystem_broker(TMP / "broker-imports")))
    client = worker_app.test_client()
    client.post("/login", data={"username": "clerk", "password": demo.DEMO_PASSWORD})
    celery_app = worker_app.extensions["celery"]
    seen = []
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        response = upload(client, csv_bytes(good_rows(450)), mode="import")
        progress_url = response.headers["Location"] + "/progress"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            seen.append(client.get(progress_url).get_json())
            if seen[-1]["finished"]:
                break
            time.sleep(0.02)
    final = seen[-1]
    assert (final["status"], final["processed_rows"], final["created_lots"]) == ("done", 450, 450)
    assert final["error_count"] == 0
    percents = [p["percent"] for p in seen]
    assert percents == sorted(percents) and any(0 < percent < 100 for percent in percents)
    assert count_rows(db, Lot) == 15 + 450


def test_the_sweep_resends_stale_queued_jobs_and_fails_abandoned_running_ones(db):
    clerk = user_named(db, "clerk")
    jobs = {}
    for name, status, age in (("fresh", "queued", 1), ("stale", "queued", 10), ("abandoned", "running", 120),
                              ("busy", "running", 10)):
        job = imports.create_job(session=db, actor=clerk, filename=f"{name}.csv", content=csv_bytes(good_rows(1)),
                                 dry_run=True)
        job.status = status
        job.created_at = datetime.now(job.created_at.tzinfo) - timedelta(minutes=age)
        jobs[name] = job
    db.commit()
    assert imports.sweep(session=db) == [jobs["stale"].id]
    db.commit()
    db.expire_all()
    statuses = {name: db.get(ImportJob, job.id).status for name, job in jobs.items()}
    assert statuses == {"fresh": "queued", "stale": "queued", "abandoned": "failed", "busy": "running"}
    assert db.get(ImportJob, jobs["abandoned"].id).errors[0]["message"].startswith("the worker stopped")



def test_rows_past_the_facilitys_capacity_are_reported_and_nothing_is_written(db):
    """A receipt fits in the facility's capacity (GR-01: 20,000 t, about 9,600 t held), counted across the file."""
    rows = [["WHEAT", "GR-01", f"BIG-{n}", "4000", day(-30), "", day(-2), "一等", "合格", ""] for n in range(1, 4)]
    job = run_import(db, "clerk", csv_bytes(rows))
    assert job.status == "failed" and count_rows(db, Lot) == 15
    assert [e["row"] for e in job.errors if e["field"] == "quantity"] == [4]
