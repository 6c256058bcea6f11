"""Two catalogue versions approved at the same moment (reserve-materials-measures §二(二)): the approvals queue on
one lock, so exactly one version ends in force, the demo's version in force is superseded exactly once, and nothing
is left half-decided. Runs through a real threaded server on SQLite and PostgreSQL."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlmodel import select
from werkzeug.serving import make_server

from inventory.models import CatalogueVersion, WorkflowStep
from tests.plans.making import LINES, cosigned, draft_version


def test_two_versions_approved_at_once_leave_exactly_one_in_force(app, api, db, token_for):
    old = db.exec(select(CatalogueVersion).where(CatalogueVersion.status == "in_force")).one()
    ids = []
    for lines in (LINES, LINES[:1]):
        made = draft_version(api, lines=lines)
        cosigned(api, f"/catalogue-versions/{made['id']}",
                 signers=("coordinator", "finance", "approver", "emapprover")[:4 if len(lines) == 2 else 3])
        ids.append(made["id"])
    headers = token_for("gov")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    start = threading.Barrier(len(ids))

    def approve(version_id: int) -> requests.Response:
        start.wait()
        return requests.post(f"http://127.0.0.1:{server.server_port}/api/v1/catalogue-versions/{version_id}"
                             "/actions/approve", json={}, headers=headers, timeout=60)

    try:
        with ThreadPoolExecutor(max_workers=len(ids)) as pool:
            responses = list(pool.map(approve, ids))
    finally:
        server.shutdown()
        thread.join()
    codes = sorted(r.status_code for r in responses)
    assert codes in ([200, 200], [200, 409]), [r.text for r in responses]
    db.expire_all()
    in_force = db.exec(select(CatalogueVersion).where(CatalogueVersion.status == "in_force")).all()
    assert len(in_force) == 1 and in_force[0].id in ids
    assert db.get(CatalogueVersion, old.id).status == "superseded"
    superseded = db.exec(select(WorkflowStep).where(WorkflowStep.flow == "catalogue",
                                                    WorkflowStep.entity_id == old.id,
                                                    WorkflowStep.action == "supersede")).all()
    assert len(superseded) == 1
    for version_id in ids:
        assert db.get(CatalogueVersion, version_id).status in ("in_force", "superseded", "cosigned")
