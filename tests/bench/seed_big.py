"""Seed a million lots and three million movements on PostgreSQL with set-based SQL (about a minute).

The rows are consistent with the model, so the lists, summaries and scans read realistic data: every lot
sits in a demo facility fit for its material (cold goods only in facilities cold enough, checked with
``lots.check_cold_chain``) and belongs to that facility's enterprise; lot codes are unique; each lot has
three movements (receipt, issue, then issue or count_correction) with seq 1..3, running on_hand_after,
and its cached on_hand equals their sum. The hash chain has the real shape but is a plain SHA-256 computed in
SQL (the real one is an HMAC keyed outside the database), and no audit events are written, so ``flask ledger
verify`` reports these rows: they serve the read benchmarks only. Dates spread each
material's lots over its shelf life (some already expired); a few lots are depleted, on hold or in
quarantine.

Run on its own against a migrated database with the demo city:
``.venv/bin/python -m tests.bench.seed_big postgresql+psycopg://postgres@127.0.0.1:5432/reserve_bench``
"""
from __future__ import annotations

import argparse
import time
from datetime import date

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, select

from inventory.models import Facility, Material
from inventory.services.stock.lots import check_cold_chain
from inventory.core.clock import business_today

#: facility code -> materials it stores (the demo catalogue and facilities)
PLACEMENTS = {
    "GR-01": ("WHEAT", "RICE", "MAIZE", "SALT"),
    "GR-02": ("SOY-OIL",),
    "GR-03": ("WHEAT", "RICE", "MAIZE"),
    "BZ-01": ("WHEAT", "RICE", "MAIZE", "SOY-OIL"),
    "CS-01": ("PORK-FZ",),
    "CS-02": ("CABBAGE", "EGGS"),
    "RL-01": ("TENT", "QUILT", "SANDBAG", "LIFEJACKET", "MASK-N95", "SUIT", "RICE-PACK"),
}

# One row per lot, with its three signed quantities, timestamps and the chained hashes.
STAGE = """
CREATE UNLOGGED TABLE bench_seed AS
WITH slot AS (
    SELECT * FROM unnest(CAST(:materials AS int[]), CAST(:facilities AS int[]), CAST(:enterprises AS int[]),
                         CAST(:shelf AS int[])) WITH ORDINALITY AS s(material_id, facility_id, enterprise_id, shelf, n)
), lot AS (
    SELECT g, :base + g AS lot_id, s.material_id, s.facility_id, s.enterprise_id, s.shelf,
           CAST(:today AS date) - 1 - CAST((g * 7919) % (s.shelf + 30) AS int) AS production_date,
           CAST(100 + g % 900 AS numeric(18, 3)) + 0.5 AS q1,
           -(CAST(1 + g % 50 AS numeric(18, 3)) + 0.25) AS q2,
           g % 50 = 0 AS depleted
    FROM generate_series(CAST(1 AS bigint), :n) AS g
    JOIN slot s ON s.n = 1 + g % :slots
), dated AS (
    SELECT lot.*, production_date + shelf AS expiry_date,
           LEAST(production_date + CAST(g % 5 AS int), CAST(:today AS date) - 1) AS received_on,
           CASE WHEN depleted THEN -(q1 + q2) ELSE -CAST(1 + g % 13 AS numeric(18, 3)) END AS q3,
           CASE WHEN g % 10 = 3 THEN 'count_correction' ELSE 'issue' END AS kind3
    FROM lot
), timed AS (
    SELECT dated.*, (received_on + time '09:00') AT TIME ZONE 'Asia/Shanghai' AS at1 FROM dated
)
SELECT t.*, h1.h AS hash1, h2.h AS hash2, h3.h AS hash3
FROM timed t
CROSS JOIN LATERAL (SELECT encode(sha256(convert_to(concat_ws('|', '', t.lot_id, 1, 'receipt', t.q1, t.q1,
    to_char(t.at1 AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '', 'lot', t.lot_id, ''), 'UTF8')), 'hex') AS h) h1
CROSS JOIN LATERAL (SELECT encode(sha256(convert_to(concat_ws('|', h1.h, t.lot_id, 2, 'issue', t.q2, t.q1 + t.q2,
    to_char((t.at1 + interval '2 hours') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '', '', '', ''),
    'UTF8')), 'hex') AS h) h2
CROSS JOIN LATERAL (SELECT encode(sha256(convert_to(concat_ws('|', h2.h, t.lot_id, 3, t.kind3, t.q3, t.q1 + t.q2 + t.q3,
    to_char((t.at1 + interval '4 hours') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '', '', '', ''),
    'UTF8')), 'hex') AS h) h3
"""

LOTS = """
INSERT INTO lot (id, lot_code, material_id, facility_id, enterprise_id, production_date, expiry_date, received_on,
                 quality_grade, inspection_result, status, quantity_received, on_hand, movement_count, last_hash,
                 created_at)
SELECT lot_id, 'BIG-' || lpad(CAST(g AS text), 7, '0'), material_id, facility_id, enterprise_id, production_date,
       expiry_date, received_on, '', '',
       CASE WHEN depleted THEN 'depleted' WHEN g % 97 = 0 THEN 'quality_hold' WHEN g % 211 = 0 THEN 'quarantined'
            WHEN expiry_date < CAST(:today AS date) THEN 'expired' ELSE 'available' END,
       q1, q1 + q2 + q3, 3, hash3, now()
FROM bench_seed
"""

MOVEMENTS = """
INSERT INTO movement (lot_id, seq, kind, quantity, on_hand_after, at, actor_id, ref_type, ref_id, note, prev_hash, hash)
SELECT lot_id, 1, 'receipt', q1, q1, at1, CAST(NULL AS int), 'lot', lot_id, '', '', hash1 FROM bench_seed
UNION ALL
SELECT lot_id, 2, 'issue', q2, q1 + q2, at1 + interval '2 hours', NULL, NULL, NULL, '', hash1, hash2 FROM bench_seed
UNION ALL
SELECT lot_id, 3, kind3, q3, q1 + q2 + q3, at1 + interval '4 hours', NULL, NULL, NULL, '', hash2, hash3 FROM bench_seed
"""


def _slots(engine: Engine) -> dict[str, list[int]]:
    """The (material, facility, enterprise) combinations lots are spread over, checked like a receipt."""
    columns: dict[str, list[int]] = {"materials": [], "facilities": [], "enterprises": [], "shelf": []}
    with Session(engine) as session:
        materials = {m.code: m for m in session.exec(select(Material))}
        for facility in session.exec(select(Facility).where(Facility.code.in_(PLACEMENTS)).order_by(Facility.code)):
            for code in PLACEMENTS[facility.code]:
                check_cold_chain(materials[code], facility)
                columns["materials"].append(materials[code].id)
                columns["facilities"].append(facility.id)
                columns["enterprises"].append(facility.enterprise_id)
                columns["shelf"].append(materials[code].shelf_life_days)
    return columns


def _run(conn: Connection, label: str, sql: str, params: dict | None = None) -> None:
    start = time.perf_counter()
    conn.execute(text(sql), params or {})
    print(f"  seed_big: {label} in {time.perf_counter() - start:.1f} s", flush=True)


def seed(engine: Engine, *, lots: int = 1_000_000, today: date | None = None) -> None:
    """Add ``lots`` lots with three movements each, then ANALYZE; the demo city must be loaded."""
    slots = _slots(engine)
    today = today or business_today()
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL synchronous_commit = off"))
        conn.execute(text("SET LOCAL work_mem = '256MB'"))
        base = conn.scalar(text("SELECT COALESCE(MAX(id), 0) FROM lot"))
        _run(conn, f"staged {lots:,} lots", STAGE,
             {**slots, "base": base, "today": today, "n": lots, "slots": len(slots["materials"])})
        _run(conn, "inserted lots", LOTS, {"today": today})
        _run(conn, "inserted movements", MOVEMENTS)
        conn.execute(text("DROP TABLE bench_seed"))
        for table in ("lot", "movement"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        _run(conn, "analyzed", "ANALYZE lot; ANALYZE movement")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url", help="SQLAlchemy URL of a migrated PostgreSQL database with the demo city")
    parser.add_argument("--lots", type=int, default=1_000_000)
    args = parser.parse_args()
    seed(create_engine(args.url), lots=args.lots)


if __name__ == "__main__":
    main()
