"""Every registered flow decides a request exactly once: six approvals of one waiting row sent at the same
moment through a real threaded server give one 200 and five 409 ``illegal_transition``, and the effects
(ledger movements, timeline, audit) are written once. Runs on SQLite and on PostgreSQL."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func
from sqlmodel import select
from werkzeug.serving import make_server

from inventory.models import AuditEvent, Movement, WorkflowStep
from inventory.services.stock import ledger
from inventory.services.workflows.registry import FLOWS
from tests.workflows.waiting import MAKERS

PARALLEL = 6


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_six_simultaneous_decisions_are_taken_once(app, api, db, token_for, name):
    made = MAKERS[name](api, db)
    movements_before = db.exec(select(func.count()).select_from(Movement)).one()
    headers = token_for(made.decider)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/api/v1{made.path}/actions/{made.action}"
    start = threading.Barrier(PARALLEL)

    def decide(_: int) -> requests.Response:
        start.wait()
        return requests.post(url, json={}, headers=headers, timeout=60)

    try:
        with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
            responses = list(pool.map(decide, range(PARALLEL)))
    finally:
        server.shutdown()
        thread.join()
    assert sorted(r.status_code for r in responses) == [200] + [409] * (PARALLEL - 1), [r.text for r in responses]
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"illegal_transition"}
    db.expire_all()
    decided = db.exec(select(WorkflowStep).where(WorkflowStep.flow == name, WorkflowStep.entity_id == made.row_id,
                                                 WorkflowStep.action == made.action)).all()
    assert len(decided) == 1
    audited = db.exec(select(AuditEvent).where(AuditEvent.action == f"{name}.{made.action}",
                                               AuditEvent.entity_id == str(made.row_id))).all()
    assert len(audited) == 1
    posted = db.exec(select(Movement).where(Movement.id > 0).order_by(Movement.id)).all()[movements_before:]
    assert len({(m.ref_type, m.ref_id, m.lot_id, m.kind) for m in posted}) == len(posted)
    assert bool(posted) == made.posts, "the decision's ledger effects were posted once, or none are due"
    assert ledger.verify(session=db) == []
