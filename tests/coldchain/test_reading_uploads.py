"""Readings uploaded as a CSV file: a job taking them in by chunks through the API's path, with partial acceptance,
per-row errors and a progress the page polls (docs/coldchain.md, ingest; cold-chain opinions §二(八)2, full-process
temperature records 全程温度自动监测)."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from inventory import create_app
from inventory.core.errors import Invalid
from inventory.models import ImportJob, Reading
from inventory.services.coldchain import reading_imports
from inventory.services.stock import imports
from inventory.services.system import demo
from tests.coldchain.helpers import T0, sensor
from tests.helpers import make_config, user_named

DEAD_BROKER = {"broker_url": "redis://127.0.0.1:1/0", "task_ignore_result": True}
HEADER = ["at", "celsius", "humidity", "sensor", "lat", "lon"]


def _at(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).astimezone(timezone(timedelta(hours=8))).isoformat()


def _csv(rows: list[list], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue().encode("utf-8-sig")


def _count(db) -> int:
    db.expire_all()
    return db.execute(select(func.count()).select_from(Reading)).scalar_one()


def _run(db, content: bytes, *, username: str = "coldclerk", facility: str = "CS-02", every: int = 2) -> ImportJob:
    job = reading_imports.create_job(session=db, actor=user_named(db, username), facility_code=facility,
                                     filename="readings.csv", content=content)
    db.commit()
    return imports.run_job(session=db, job_id=job.id, progress_every=every)


GOOD = [[_at(0), "3.5", "80", "S1", "", ""], [_at(1), "3.25", "", "S2", "", ""],
        [_at(2), "3.0", "", "S1", "39.52", "116.7"]]
BAD = [[_at(3), "warm", "", "S1", "", ""],                                        # not a number
       [_at(4), "101", "", "S1", "", ""],                                         # absurd
       ["2026-01-01T00:00:00", "3", "", "S1", "", ""],                             # no offset
       [(datetime.now(timezone.utc) + timedelta(hours=1)).isoformat(), "3", "", "S1", "", ""],  # future
       [_at(5), "3", "120", "S1", "", ""],                                        # humidity
       [_at(6), "3", "", "NOPE", "", ""]]                                         # unknown sensor


def test_a_mixed_file_keeps_the_valid_rows_and_lists_the_others_by_row(ctx, db):
    sensor(db, "S1")
    sensor(db, "S2")
    job = _run(db, _csv(GOOD[:2] + BAD + GOOD[2:]))
    assert job.status == "done" and (job.total_rows, job.processed_rows) == (9, 9)
    assert (job.stored_rows, job.duplicate_rows) == (3, 0)
    assert {(e["row"], e["field"]) for e in job.errors} == {
        (4, "celsius"), (5, "celsius"), (6, "at"), (7, "at"), (8, "humidity"), (9, "sensor")}
    assert all(e["message"] for e in job.errors)
    assert _count(db) == 3
    assert imports.percent_done(job) == 100


def test_a_file_without_a_valid_row_writes_nothing(ctx, db):
    sensor(db, "S1")
    job = _run(db, _csv(BAD))
    assert job.status == "done" and job.stored_rows == 0 and len(job.errors) == len(BAD)
    assert _count(db) == 0


def test_the_same_file_sent_again_is_ignored(ctx, db):
    sensor(db, "S1")
    sensor(db, "S2")
    assert _run(db, _csv(GOOD)).stored_rows == 3
    again = _run(db, _csv(GOOD))
    assert (again.stored_rows, again.duplicate_rows, again.errors) == (0, 3, [])
    assert _count(db) == 3


@pytest.mark.parametrize(("content", "field"), [
    (_csv(GOOD, header=["at", "humidity", "sensor"]), "celsius"),            # a required column missing
    (_csv(GOOD, header=["at", "celsius", "humidity", "sensor", "lat", "colour"]), "colour"),
    (b"\xff\xfe not utf-8", "file"),
])
def test_an_unreadable_file_fails_and_writes_nothing(ctx, db, content, field):
    sensor(db, "S1")
    job = _run(db, content)
    assert job.status == "failed" and field in {e["field"] for e in job.errors}
    assert _count(db) == 0


def test_an_empty_file_makes_no_job(ctx, db):
    with pytest.raises(Invalid):
        _run(db, b"")
    db.rollback()
    assert db.execute(select(func.count()).select_from(ImportJob)).scalar_one() == 0


def test_chinese_headers_name_the_columns(ctx, db):
    sensor(db, "S1")
    job = _run(db, _csv([[_at(0), "-18.5", "S1"]], header=["时间", "温度", "传感器"]))
    assert (job.status, job.stored_rows, job.errors) == ("done", 1, [])


# --- pages -------------------------------------------------------------------------------------------------


@pytest.fixture
def web(app):
    """A client of an app whose broker is down, so the job runs inside the request."""
    broker_down_app = create_app(make_config(CELERY=DEAD_BROKER))

    def login(username: str):
        client = broker_down_app.test_client()
        assert client.post("/login", data={"username": username, "password": demo.DEMO_PASSWORD}).status_code == 302
        client.get("/lang/en")
        return client

    return login


def _upload(client, content: bytes, facility: str = "CS-02", filename: str = "readings.csv"):
    return client.post(f"/coldchain/facilities/{facility}/readings/upload",
                       data={"file": (io.BytesIO(content), filename)}, content_type="multipart/form-data")


def test_the_upload_page_runs_the_job_and_shows_the_refused_rows(ctx, db, web):
    sensor(db, "S1")
    sensor(db, "S2")
    client = web("coldclerk")
    assert 'id="upload-readings"' in client.get("/coldchain/facilities/CS-02").get_data(as_text=True)
    response = _upload(client, _csv(GOOD + BAD[:1]))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 readings stored, 0 already stored (ignored), 1 rows refused." in page
    # the column by its label, not its key (docs/coldchain.md, uploads)
    assert 'id="upload-errors"' in page and "<td>5</td><td>Temperature (°C)</td>" in page
    job = db.execute(select(ImportJob)).scalar_one()
    assert client.get(f"/coldchain/readings/uploads/{job.id}/progress").get_json() == {
        "status": "done", "dry_run": True, "total_rows": 4, "processed_rows": 4, "stored_rows": 3,
        "duplicate_rows": 0, "error_count": 1, "percent": 100, "finished": True}
    assert "readings.csv" in client.get("/coldchain/facilities/CS-02/readings/upload").get_data(as_text=True)
    # a readings job is not a receipt import
    assert client.get(f"/imports/{job.id}").status_code == 404
    assert str(job.id) not in web("coldmanager").get("/imports/").get_data(as_text=True).split('id="job-table"')[1]


def test_only_the_facilitys_enterprise_uploads_and_sees_the_jobs(ctx, db, web):
    sensor(db, "S1")
    _upload(web("coldclerk"), _csv(GOOD[:1]))
    job = db.execute(select(ImportJob)).scalar_one()
    other = web("clerk")                                    # another enterprise: the facility does not exist for it
    assert other.get("/coldchain/facilities/CS-02/readings/upload").status_code == 404
    assert _upload(other, _csv(GOOD[:1])).status_code == 404
    assert other.get(f"/coldchain/readings/uploads/{job.id}").status_code == 404
    assert other.get(f"/coldchain/readings/uploads/{job.id}/progress").status_code == 404
    bureau = web("officer")                                 # sees the facility, sends no readings
    assert bureau.get("/coldchain/facilities/CS-02/readings/upload").status_code == 403
    assert 'id="upload-readings"' not in bureau.get("/coldchain/facilities/CS-02").get_data(as_text=True)
    assert web("coldmanager").get(f"/coldchain/readings/uploads/{job.id}").status_code == 200
    assert db.execute(select(func.count()).select_from(ImportJob)).scalar_one() == 1


def test_the_upload_form_refuses_other_file_types(ctx, db, web):
    response = _upload(web("coldclerk"), b"at,celsius\n", filename="readings.xlsx")
    assert response.status_code == 422
    assert db.execute(select(func.count()).select_from(ImportJob)).scalar_one() == 0
