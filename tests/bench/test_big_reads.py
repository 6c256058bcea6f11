"""Lot lists and the stock summary over 1,000,000 lots and 3,000,000 movements (DESIGN §5: well under 1 s).

Each API request (Flask test client, bearer token: routing, auth, scoping, rendering included) is timed
against the bare SQL statement that returns the same rows — written the well-indexed way (keyset as a row
comparison), so a large ratio points at the app's query shape, not only at its fixed per-request cost.
``BENCH_LOTS`` shrinks the data set for a quick try.
"""
from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from inventory import create_app
from inventory.core.clock import business_today
from tests.bench import seed_big
from tests.bench.conftest import BENCH_URL, bearer
from tests.bench.report import median_ms, table
from tests.helpers import make_config

pytestmark = pytest.mark.timeout(1200)

LOTS = int(os.environ.get("BENCH_LOTS", 1_000_000))
RUNS = 5
BUDGET_MS, EXPLAIN_MS = 1000.0, 50.0  # the target (a page well under 1 s); app statements slower than this get an EXPLAIN
PAGE = "ORDER BY expiry_date, id LIMIT 51"  # the app fetches limit + 1 rows to know whether a next page exists
AFTER = "(expiry_date, id) > (:after_date, :after_id)"


@dataclass
class Case:
    name: str
    user: str
    path: str
    sql: str
    params: dict = field(default_factory=dict)


@dataclass
class Statement:
    sql: str
    params: object
    ms: float


@pytest.fixture(scope="module")
def big(bench_db: Engine) -> Engine:
    start = time.perf_counter()
    with create_app(make_config(SQLALCHEMY_DATABASE_URI=BENCH_URL)).app_context():  # the cold-chain check reads settings
        seed_big.seed(bench_db, lots=LOTS)
    print(f"\nseeded {LOTS:,} lots and {3 * LOTS:,} movements in {time.perf_counter() - start:.0f} s")
    return bench_db


@pytest.fixture(scope="module")
def client(big: Engine) -> FlaskClient:
    return create_app(make_config(SQLALCHEMY_DATABASE_URI=BENCH_URL)).test_client()


@pytest.fixture(scope="module")
def headers(big: Engine) -> dict[str, dict[str, str]]:
    return {user: bearer(big, user) for user in ("admin", "clerk")}


@pytest.fixture(scope="module")
def ids(big: Engine) -> dict[str, int]:
    with big.connect() as conn:
        orgs = dict(conn.execute(text("SELECT code, id FROM organisation")).all())
        materials = dict(conn.execute(text("SELECT code, id FROM material")).all())
    return {**orgs, **materials}


def lot_cases(engine: Engine, client: FlaskClient, headers: dict, ids: dict[str, int]) -> list[Case]:
    horizon = business_today() + timedelta(days=30)
    cases = []
    for user, scope_sql, scope_params in (("admin", "TRUE", {}), ("clerk", "enterprise_id = :me", {"me": ids["ENT-GRAIN"]})):
        def case(name: str, query: str, where: str = "TRUE", **params) -> Case:
            return Case(name, user, f"/api/v1/lots?{query}",
                        f"SELECT * FROM lot WHERE {scope_sql} AND {where} {PAGE}", {**scope_params, **params})

        deep_date, deep_id, deep_cursor = _follow(client, headers[user], pages=5)
        cases += [
            case("first page", "limit=50"),
            case("page 6 (next_cursor ×5)", f"limit=50&cursor={deep_cursor}", AFTER, after_date=deep_date, after_id=deep_id),
        ]
        for fraction in (0.5, 0.95):
            at_date, at_id = _position(engine, scope_sql, scope_params, fraction)
            cases.append(case(f"cursor at {fraction:.0%} of the data", f"limit=50&cursor={_cursor(at_date, at_id)}",
                              AFTER, after_date=at_date, after_id=at_id))
        cases += [
            case("?material=WHEAT", "material=WHEAT", "material_id = :m", m=ids["WHEAT"]),
            case("?expiring_within_days=30", "expiring_within_days=30", "expiry_date <= :h AND on_hand > 0", h=horizon),
            case("?status=quality_hold", "status=quality_hold", "status = 'quality_hold'"),
        ]
        if user == "admin":
            cases += [
                case("?enterprise=ENT-COLD", "enterprise=ENT-COLD", "enterprise_id = :e", e=ids["ENT-COLD"]),
                case("?enterprise=ENT-GRAIN&material=RICE&status=available",
                     "enterprise=ENT-GRAIN&material=RICE&status=available",
                     "enterprise_id = :e AND material_id = :m AND status = 'available'", e=ids["ENT-GRAIN"], m=ids["RICE"]),
            ]
    return cases


def summary_cases(ids: dict[str, int]) -> list[Case]:
    keys = {
        "material": ("m.code, m.name_zh", ""),
        "category": ("m.category, m.category", ""),
        "enterprise": ("o.code, o.name", "JOIN organisation o ON o.id = l.enterprise_id"),
        "district": ("d.code, d.name_zh", "JOIN facility f ON f.id = l.facility_id JOIN district d ON d.id = f.district_id"),
    }
    cases = []
    for user, scope_sql, params in (("admin", "TRUE", {}), ("clerk", "l.enterprise_id = :me", {"me": ids["ENT-GRAIN"]})):
        for group_by, (key, joins) in keys.items():
            sql = (f"SELECT {key}, m.unit, count(l.id), coalesce(sum(l.on_hand), 0) FROM lot l "
                   f"JOIN material m ON m.id = l.material_id {joins} WHERE {scope_sql} AND l.on_hand > 0 "
                   f"GROUP BY {key}, m.unit ORDER BY 1, m.unit")
            cases.append(Case(f"group_by={group_by}", user, f"/api/v1/stock/summary?group_by={group_by}", sql, params))
    return cases


def test_lot_lists(big: Engine, client: FlaskClient, headers: dict, ids: dict[str, int]) -> None:
    rows = [_measure(big, client, headers, case, key="id") for case in lot_cases(big, client, headers, ids)]
    _report(f"GET /api/v1/lots over {LOTS:,} lots (limit 50; median of {RUNS})", rows)


def test_stock_summary(big: Engine, client: FlaskClient, headers: dict, ids: dict[str, int]) -> None:
    rows = [_measure(big, client, headers, case, key=None) for case in summary_cases(ids)]
    _report(f"GET /api/v1/stock/summary over {LOTS:,} lots (median of {RUNS})", rows)


def _measure(engine: Engine, client: FlaskClient, headers: dict, case: Case, key: str | None) -> list:
    """Median app and bare times; the app's rows must be the bare statement's rows."""
    def call():
        response = client.get(case.path, headers=headers[case.user])
        assert response.status_code == 200, (case.path, response.get_json())
        return response.get_json()["items"]

    with engine.connect() as conn:
        bare = lambda: conn.execute(text(case.sql), case.params).all()  # noqa: E731
        expected = bare()
        bare_ms = median_ms(bare, RUNS)
    app_ms = median_ms(call, RUNS)
    with captured(engine) as statements:
        items = call()
    if key:
        assert [item[key] for item in items] == [row.id for row in expected[:50]], case.name
    else:
        assert len(items) == len(expected), case.name
    slowest = max(statements, key=lambda s: s.ms)
    explain = _explain(engine, slowest) if slowest.ms > EXPLAIN_MS else None
    return [case.name, case.user, app_ms, bare_ms, app_ms / bare_ms, sum(s.ms for s in statements), len(statements),
            len(items), explain]


def _report(title: str, rows: list[list]) -> None:
    print(table(title, ["case", "user", "app ms", "bare SQL ms", "ratio", "app SQL ms", "stmts", "items"],
                [row[:-1] for row in rows]))
    for row in rows:
        if row[-1]:
            print(f"EXPLAIN ANALYZE of the slowest app statement for {row[0]} ({row[1]}):\n{row[-1]}\n")
    slow = [(row[0], row[1], round(row[2])) for row in rows if row[2] >= BUDGET_MS]
    assert not slow, f"pages slower than {BUDGET_MS:.0f} ms: {slow}"


@contextmanager
def captured(engine: Engine) -> Iterator[list[Statement]]:
    """The statements the app sends, with their wall time, for the breakdown and the EXPLAIN."""
    statements: list[Statement] = []

    def before(conn, cursor, sql, params, context, many):
        conn.info["bench_start"] = time.perf_counter()

    def after(conn, cursor, sql, params, context, many):
        statements.append(Statement(sql, params, (time.perf_counter() - conn.info.pop("bench_start")) * 1000))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def _explain(engine: Engine, statement: Statement) -> str:
    with engine.connect() as conn:
        plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement.sql, statement.params).scalars()
        return statement.sql + "\n" + "\n".join(plan)


def _follow(client: FlaskClient, headers: dict, pages: int) -> tuple:
    """Walk ``pages`` pages by next_cursor; returns the last row's sort key and the cursor to the next page."""
    cursor = None
    for _ in range(pages):
        body = client.get("/api/v1/lots?limit=50" + (f"&cursor={cursor}" if cursor else ""), headers=headers).get_json()
        cursor = body["next_cursor"]
    last = body["items"][-1]
    return last["expiry_date"], last["id"], cursor


def _position(engine: Engine, scope_sql: str, params: dict, fraction: float) -> tuple:
    """The sort key of the row ``fraction`` of the way through this user's lots."""
    with engine.connect() as conn:
        total = conn.scalar(text(f"SELECT count(*) FROM lot WHERE {scope_sql}"), params)
        return tuple(conn.execute(text(f"SELECT expiry_date, id FROM lot WHERE {scope_sql} ORDER BY expiry_date, id "
                                       "OFFSET :skip LIMIT 1"), {**params, "skip": int(total * fraction)}).one())


def _cursor(expiry, lot_id: int) -> str:
    """A keyset cursor in the API's format (base64 JSON of the sort key), for a position no page led to."""
    return base64.urlsafe_b64encode(json.dumps([expiry.isoformat(), lot_id]).encode()).decode()
