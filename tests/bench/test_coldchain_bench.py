"""Cold chain at city scale on PostgreSQL (issue 12, "Must show"; docs/coldchain.md):

- ingest: readings/s through ``POST /api/v1/facilities/{code}/readings`` (10,000 a request, in-process test
  client, the JSON bodies built beforehand) against a bare ``COPY`` of the same rows into ``reading``, in the same
  run (target ≥ 0.5×);
- detection: the excursion pass over one day of one-minute readings of 1,000 sensors (1.44 million rows) against
  the bare gaps-and-islands window query over the same rows and rules, in the same run (target ≤ 3×).

Runs on its own database (``BENCH_DATABASE_URL``, rebuilt by tests/bench/conftest.py), e.g.
``BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/reserve_bench_cold``. ``BENCH_SENSORS`` and
``BENCH_INGEST_REQUESTS`` shrink it for a quick try.
"""
from __future__ import annotations

import json
import os
import time
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from inventory import create_app
from inventory.core.clock import utcnow
from inventory.services.coldchain import detection
from tests.bench.conftest import BENCH_URL, bearer
from tests.bench.report import table
from tests.helpers import make_config

pytestmark = pytest.mark.timeout(1800)

SENSORS = int(os.environ.get("BENCH_SENSORS", 1_000))
INGEST_REQUESTS = int(os.environ.get("BENCH_INGEST_REQUESTS", 20))
PER_REQUEST = 10_000
INGEST_TARGET, DETECT_TARGET = 0.5, 3.0

#: the minimal gaps and islands over the same rows and rules (every rule taken as consecutive): flag, LAG, running
#: SUM, group, HAVING — without the silence gap, the cumulative mode, "ongoing", the merge across sensors, the
#: reconciliation with stored excursions and the pending marks the pass also handles
BARE = """
WITH f AS (
    SELECT rd.sensor_id, ru.rule_no, rd.at, ru.min_seconds,
           CASE ru.cmp WHEN 1 THEN v > ru.threshold WHEN 2 THEN v >= ru.threshold WHEN 3 THEN v < ru.threshold
                       ELSE v <= ru.threshold END AS o
    FROM coldchain_rule_run ru JOIN sensor s ON s.facility_id = ru.facility_id
    JOIN reading rd ON rd.sensor_id = s.id AND rd.at >= ru.scan_from,
    LATERAL (SELECT CASE WHEN ru.humidity = 1 THEN rd.humidity ELSE rd.celsius END AS v) x
    WHERE v IS NOT NULL
), i AS (
    SELECT f.*, SUM(CASE WHEN o AND p IS DISTINCT FROM o THEN 1 ELSE 0 END)
                    OVER (PARTITION BY sensor_id, rule_no ORDER BY at) AS island
    FROM (SELECT f.*, LAG(o) OVER (PARTITION BY sensor_id, rule_no ORDER BY at) AS p FROM f) f
)
SELECT sensor_id, rule_no, min(at), max(at) FROM i WHERE o GROUP BY sensor_id, rule_no, island
HAVING EXTRACT(EPOCH FROM max(at) - min(at)) >= max(min_seconds)
"""


def _seed_sensors(engine: Engine, count: int, prefix: str) -> list[tuple[int, str]]:
    """``count`` one-minute sensors spread over the demo's facilities; returns (id, facility code)."""
    with engine.begin() as conn:
        facilities = conn.execute(text("SELECT id, code FROM facility ORDER BY id")).all()
        rows = [{"f": facilities[i % len(facilities)][0], "c": f"{prefix}{i:05d}"} for i in range(count)]
        conn.execute(text("INSERT INTO sensor (facility_id, code, position, interval_seconds, active, created_at) "
                          "VALUES (:f, :c, '', 60, true, now())"), rows)
        return conn.execute(text("SELECT s.id, f.code FROM sensor s JOIN facility f ON f.id = s.facility_id "
                                 "WHERE s.code LIKE :p ORDER BY s.id"), {"p": f"{prefix}%"}).all()


def test_ingest_through_http_against_bare_copy(bench_db: Engine) -> None:
    app = create_app(make_config(SQLALCHEMY_DATABASE_URI=BENCH_URL))
    sensors = _seed_sensors(bench_db, 1_000, "IN")
    by_facility: dict[str, list[int]] = {}
    for sensor_id, code in sensors:
        by_facility.setdefault(code, []).append(sensor_id)
    codes = {row[0]: row[1] for row in bench_db.connect().execute(text("SELECT id, code FROM sensor")).all()}
    facility = "CS-02"
    probes = by_facility[facility]
    per = -(-PER_REQUEST // len(probes))  # minutes one request covers
    start = (utcnow() - timedelta(minutes=INGEST_REQUESTS * per + 60)).replace(second=0, microsecond=0)
    requests, rows = [], []
    for r in range(INGEST_REQUESTS):
        readings = []
        for i in range(PER_REQUEST):
            sensor_id = probes[i % len(probes)]
            at = start + timedelta(minutes=r * per + i // len(probes))
            celsius = round(2.0 + (i % 17) / 10, 2)
            readings.append({"at": at.isoformat(), "celsius": celsius, "humidity": 70.5, "sensor": codes[sensor_id]})
            rows.append((sensor_id, at, celsius, 70.5, None, None))
        requests.append(json.dumps({"readings": readings}))
    headers = {**bearer(bench_db, "coldclerk"), "Content-Type": "application/json"}
    client = app.test_client()
    began = time.perf_counter()
    for body in requests:
        response = client.post(f"/api/v1/facilities/{facility}/readings", data=body, headers=headers)
        assert response.status_code == 202 and response.get_json()["stored"] == PER_REQUEST, response.get_json()
    http_s = time.perf_counter() - began
    with bench_db.begin() as conn:
        conn.execute(text("DELETE FROM reading WHERE sensor_id = ANY(:ids)"), {"ids": probes})
    raw = bench_db.raw_connection()
    try:
        began = time.perf_counter()
        with raw.driver_connection.cursor() as cursor:
            with cursor.copy("COPY reading (sensor_id, at, celsius, humidity, lat, lon) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        raw.driver_connection.commit()
        copy_s = time.perf_counter() - began
    finally:
        raw.close()
    total = len(rows)
    ratio = (total / http_s) / (total / copy_s)
    print(table(f"ingest of {total:,} readings ({INGEST_REQUESTS} requests of {PER_REQUEST:,})",
                ["path", "seconds", "readings/s"],
                [["HTTP API (validate each, COPY, ON CONFLICT, sensors)", http_s, total / http_s],
                 ["bare COPY into reading", copy_s, total / copy_s]]))
    print(f"HTTP ingest {ratio:.2f}x the bare COPY: target ≥ {INGEST_TARGET}x "
          f"{'met' if ratio >= INGEST_TARGET else 'MISSED'}\n")
    assert ratio > 0.1


def test_detection_against_the_bare_window_query(bench_db: Engine) -> None:
    app = create_app(make_config(SQLALCHEMY_DATABASE_URI=BENCH_URL))
    _seed_sensors(bench_db, SENSORS, "DT")
    day = (utcnow() - timedelta(days=1, hours=1)).replace(second=0, microsecond=0)
    with bench_db.begin() as conn:
        began = time.perf_counter()
        # a daily cycle around each facility kind's set point; every 20th sensor's compressor fails for 11 h
        conn.execute(text("""
            INSERT INTO reading (sensor_id, at, celsius, humidity)
            SELECT s.id, CAST(:day AS timestamptz) + g * interval '1 minute',
                   round(CAST(CASE f.kind WHEN 'cold_store' THEN -20 WHEN 'reefer_vehicle' THEN -20
                                          WHEN 'pre_cooling' THEN 2 ELSE 15 END
                              + 1.2 * sin(2 * pi() * g / 1440.0)
                              + CASE WHEN s.id % 20 = 0 AND g BETWEEN 300 AND 960 THEN 12 ELSE 0 END AS numeric), 2),
                   60
            FROM sensor s JOIN facility f ON f.id = s.facility_id, generate_series(0, 1439) g
            WHERE s.code LIKE 'DT%'"""), {"day": day})
        conn.execute(text("UPDATE sensor SET pending_from = :day WHERE code LIKE 'DT%'"), {"day": day})
        seeded = time.perf_counter() - began
        rows = conn.execute(text("SELECT count(*) FROM reading WHERE at >= :day"), {"day": day}).scalar_one()
        conn.execute(text("ANALYZE reading"))
    print(f"\nseeded {rows:,} readings of {SENSORS:,} sensors in {seeded:.0f} s")
    with app.app_context(), Session(bench_db) as session:
        began = time.perf_counter()
        found = detection.detect(session)
        session.commit()
        detect_s = time.perf_counter() - began
        # the same rule table again, for the bare query: the pending marks are cleared, so fill it by hand
        pending = {fid: day for fid in session.execute(text(
            "SELECT DISTINCT facility_id FROM sensor WHERE code LIKE 'DT%'")).scalars()}
        plans, _meta = detection._plans(session, pending)
        detection.prepare_run(session, plans)
        samples = []
        for _ in range(3):
            began = time.perf_counter()
            bare_rows = session.execute(text(BARE)).all()
            samples.append(time.perf_counter() - began)
        bare_s = sorted(samples)[1]
        session.rollback()
    ratio = detect_s / bare_s
    print(table(f"excursion detection over {rows:,} readings ({found.facilities} facilities, "
                f"{len(plans)} rules): {found.found} excursions, {len(bare_rows)} bare sensor islands",
                ["path", "seconds"], [["detection pass (scan, merge, reconcile, clear pending)", detect_s],
                                      ["bare window query (median of 3)", bare_s]]))
    print(f"detection {ratio:.2f}x the bare window query: target ≤ {DETECT_TARGET}x "
          f"{'met' if ratio <= DETECT_TARGET else 'MISSED'}\n")
    assert found.found > 0
    assert ratio < 10
