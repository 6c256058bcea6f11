"""A waiting annual evaluation for the registry-wide workflow tests (tests/workflows/waiting.py)."""
from __future__ import annotations

from inventory.core.clock import business_today
from tests.helpers import org_coded
from tests.workflows.waiting import Waiting


def draft_evaluation(api, db) -> Waiting:
    """ENT-GRAIN's evaluation of this year computed by the grain bureau's officer: its approver finalises it."""
    made = api("officer").post("/evaluations", json={"enterprise": org_coded(db, "ENT-GRAIN").id,
                                                    "year": business_today().year})
    assert made.status_code == 200, made.get_json()
    row_id = made.get_json()["id"]
    return Waiting(row_id, f"/evaluations/{row_id}", "finalise", "approver", posts=False, requester="officer")


EVALUATION_MAKERS = {"evaluation": draft_evaluation}
