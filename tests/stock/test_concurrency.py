"""Zero oversold lots under concurrent issues (DESIGN §5), through a real threaded HTTP server."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import requests
from sqlmodel import select
from werkzeug.serving import make_server

from inventory.models import Lot, Movement
from inventory.services.stock import ledger
from tests.helpers import receive


def test_twenty_concurrent_issues_of_ten_from_a_lot_of_one_hundred(app, db, token_for):
    lot = receive(db, quantity="100")
    headers = token_for("clerk")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/api/v1/lots/{lot.id}/movements"
    start = threading.Barrier(20)

    def issue(_: int) -> requests.Response:
        start.wait()
        return requests.post(url, json={"kind": "issue", "quantity": "10"}, headers=headers, timeout=60)

    try:
        with ThreadPoolExecutor(max_workers=20) as pool:
            responses = list(pool.map(issue, range(20)))
    finally:
        server.shutdown()
        thread.join()
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * 10 + [409] * 10
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"insufficient_stock"}
    db.expire_all()
    assert db.get(Lot, lot.id).on_hand == Decimal("0")
    issues = db.exec(select(Movement).where(Movement.lot_id == lot.id, Movement.kind == "issue")).all()
    assert len(issues) == 10
    assert sorted(m.on_hand_after for m in issues) == [Decimal(10 * i) for i in range(10)]
    assert ledger.verify(session=db) == []
