"""Inspections, findings and sanctions made over the API as their users would: the registry-wide tests'
waiting rows (tests/workflows/waiting.py) and the inspection tests' starting points."""
from __future__ import annotations

# tests/workflows/waiting.py imports this module at its end: ``Waiting`` is imported where it is used

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlmodel import select

from inventory.core.clock import business_today
from inventory.models import Lot

if TYPE_CHECKING:
    from tests.workflows.waiting import Waiting


def lot_id(db, code: str) -> int:
    return db.exec(select(Lot.id).where(Lot.lot_code == code)).one()


def _on_hand(db, code: str):
    db.expire_all()
    return db.exec(select(Lot.on_hand).where(Lot.lot_code == code)).one()


def inspection_body(db, **changes) -> dict:
    """The grain bureau inspects ENT-GRAIN's GR-01: wheat counted one tonne short, fire safety deficient."""
    body = {"enterprise": "ENT-GRAIN", "facility": "GR-01", "inspected_on": business_today().isoformat(),
            "scope": "小麦、稻谷数量、质量和储存安全", "quality_findings": "部分货位有结露",
            "safety": {"fire": {"ok": False, "note": "灭火器过期"}, "power": {"ok": True}},
            "lots": [{"lot_id": lot_id(db, "WH-2025-014"), "counted": str(_on_hand(db, "WH-2025-014") - 1),
                      "note": "少1吨"}],
            "findings": []}
    return {**body, **changes}


def record(api, db, username: str = "inspector", **changes) -> dict:
    response = api(username).post("/inspections", json=inspection_body(db, **changes))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def answer(api, finding_id: int, username: str = "clerk"):
    return api(username).post(f"/inspection-findings/{finding_id}/actions/answer", json={
        "corrective_action": "更换灭火器并培训保管员",
        "corrective_due_on": (business_today() + timedelta(days=14)).isoformat()})


def closable_inspection(api, db) -> Waiting:
    """An inspection that found nothing: its inspector closes it."""
    from tests.workflows.waiting import Waiting
    made = record(api, db)
    return Waiting(made["id"], f"/inspections/{made['id']}", "close", "inspector", posts=False,
                   requester="inspector")


def answered_finding(api, db) -> Waiting:
    """A finding of no safety system, answered by ENT-GRAIN's clerk: the inspector closes it."""
    from tests.workflows.waiting import Waiting
    made = record(api, db, findings=[{"kind": "no_safety_system", "evidence": "灭火器过期"}])
    finding = made["findings"][0]
    assert answer(api, finding["id"]).status_code == 200
    return Waiting(finding["id"], f"/inspection-findings/{finding['id']}", "close", "inspector", posts=False,
                   requester="clerk")


def proposed_revocation(api, db) -> Waiting:
    """ENT-GRAIN interviewed by the development-and-reform commission, then the grain bureau's officer proposes to
    revoke its qualification: the bureau's approver decides."""
    from tests.workflows.waiting import Waiting
    made = record(api, db, findings=[{"kind": "false_quantity", "evidence": "账实不符"}])
    today = business_today().isoformat()
    interview = api("coordinator").post(f"/inspections/{made['id']}/interviews",
                                        json={"held_on": today, "minutes": "约谈纪要"})
    assert interview.status_code == 201, interview.get_json()
    proposal = api("officer").post(f"/inspections/{made['id']}/sanctions",
                                   json={"kind": "revocation", "decided_on": today, "minutes": "拒不整改"})
    assert proposal.status_code == 201, proposal.get_json()
    row = proposal.get_json()
    return Waiting(row["id"], f"/sanctions/{row['id']}", "approve", "approver", posts=False, requester="officer")


INSPECTION_MAKERS = {"inspection": closable_inspection, "inspection_finding": answered_finding,
                     "sanction": proposed_revocation}
