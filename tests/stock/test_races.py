"""Requests sent at the same moment through a real threaded server, on SQLite and PostgreSQL: a check and the
write it guards never interleave (counts opened twice, tolerance read twice, duplicate creates)."""
from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlmodel import select
from werkzeug.serving import make_server

from inventory.models import Adjustment, Lot, StockCount
from tests.helpers import receive

PARALLEL = 6


def at_once(app, calls: list[Callable[[str], requests.Response]]) -> list[requests.Response]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}/api/v1"
    start = threading.Barrier(len(calls))

    def run(call):
        start.wait()
        return call(base)

    try:
        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            return list(pool.map(run, calls))
    finally:
        server.shutdown()
        thread.join()


def test_a_facility_is_counted_once_however_many_open_it_at_once(app, db, token_for):
    clerk, manager = token_for("clerk"), token_for("manager")
    calls = [lambda base, h=(clerk if i % 2 else manager): requests.post(
        f"{base}/counts", json={"facility": "GR-03"}, headers=h, timeout=60) for i in range(PARALLEL)]
    statuses = sorted(r.status_code for r in at_once(app, calls))
    assert statuses == [201] + [409] * (PARALLEL - 1)
    assert len(db.exec(select(StockCount)).all()) == 1


def test_write_downs_sent_together_still_add_up_to_the_tolerance(app, db, token_for):
    lot = receive(db, quantity="4000")
    headers = token_for("clerk")
    calls = [lambda base: requests.post(f"{base}/lots/{lot.id}/movements", headers=headers, timeout=60,
                                        json={"kind": "adjustment", "quantity": "-15", "note": "sorting"})
             for _ in range(PARALLEL)]
    statuses = sorted(r.status_code for r in at_once(app, calls))
    assert statuses == [201] + [202] * (PARALLEL - 1)
    db.expire_all()
    assert db.get(Lot, lot.id).on_hand == 3985
    assert len(db.exec(select(Adjustment).where(Adjustment.lot_id == lot.id)).all()) == PARALLEL - 1


def test_the_same_lot_code_sent_together_is_created_once_and_the_others_hear_409(app, db, token_for):
    headers = token_for("clerk")
    body = {"material": "WHEAT", "facility": "GR-01", "lot_code": "DUP-RACE-1", "quantity": "1"}
    calls = [lambda base: requests.post(f"{base}/lots", json=body, headers=headers, timeout=60)
             for _ in range(PARALLEL)]
    responses = at_once(app, calls)
    assert sorted(r.status_code for r in responses) == [201] + [409] * (PARALLEL - 1)
    assert len(db.exec(select(Lot).where(Lot.lot_code == "DUP-RACE-1")).all()) == 1
