"""What active contracts change elsewhere (docs/plans.md, contracts and selections): transfers between the storage
places a contract names go straight through (§二(五)2), rotations take the contract's window and floor (§三), the
unique line key keeps one of two overlapping contracts active under concurrency, and ``contract_expiring``."""
from __future__ import annotations

import threading
from datetime import timedelta

from sqlmodel import Session, select

from inventory.core.clock import business_today
from inventory.core.errors import Conflict
from inventory.db import engine_for
from inventory.models import ContractLine, Lot, StorageContract, Transfer, WorkflowStep
from inventory.services.plans import contracts
from tests.alerts.helpers import alert_for, scan
from tests.helpers import DATABASE_URL, assert_error
from tests.plans.contracting import contract_json


def _lot(db, code: str) -> Lot:
    db.expire_all()
    return db.exec(select(Lot).where(Lot.lot_code == code)).one()


def _active(api, number: str, **changes) -> dict:
    """A grain-bureau contract with ENT-GRAIN, signed by the approver and the manager: active from today."""
    made = api("officer").post("/contracts", json=contract_json(number, enterprise="ENT-GRAIN", **changes))
    assert made.status_code == 201, made.get_json()
    path = f"/contracts/{made.get_json()['id']}/actions"
    for user, action in (("officer", "submit"), ("approver", "sign"), ("manager", "sign")):
        response = api(user).post(f"{path}/{action}", json={})
    assert response.get_json()["status"] == "active", response.get_json()
    return response.get_json()


#: the demo's contract LFLS-2026-001 names wheat in GR-01 (7,000 t); this one names it in GR-03
WHEAT_GR03 = [{"material": "WHEAT", "facility": "GR-03", "quantity": "2000"}]


# §二(五)2: moves among the contracted storage places need no approval; any other still waits
def test_a_transfer_between_contracted_facilities_is_executed_at_once(api, db):
    contract = _active(api, "CT-T-WH", lines=WHEAT_GR03)
    body = api("clerk").post("/transfers", json={"lot": _lot(db, "WH-2025-014").id, "to_facility": "GR-03",
                                                 "quantity": "100", "reason": "仓容调整"}).get_json()
    assert body["status"] == "executed" and body["needs_approval"] is False
    assert _lot(db, "WH-2025-014").on_hand == 4000.5
    steps = db.exec(select(WorkflowStep).where(WorkflowStep.flow == "transfer", WorkflowStep.entity_id == body["id"])
                    .order_by(WorkflowStep.id)).all()
    assert [(s.action, s.to_status) for s in steps] == [("request", "approved"), ("execute", "executed")]
    assert db.get(Transfer, body["id"]).decision_note == f"contract {contract['number']}"
    # the same move once the contract is terminated waits for the bureau again
    api("approver").post(f"/contracts/{contract['id']}/actions/terminate", json={"note": "到期前解除"})
    again = api("clerk").post("/transfers", json={"lot": _lot(db, "WH-2025-014").id, "to_facility": "GR-03",
                                                  "quantity": "100", "reason": "仓容调整"}).get_json()
    assert again["status"] == "pending" and again["needs_approval"] is True


def test_a_transfer_to_a_facility_the_contract_does_not_name_still_waits(api, db):
    body = api("clerk").post("/transfers", json={"lot": _lot(db, "WH-2025-014").id, "to_facility": "GR-03",
                                                 "quantity": "100", "reason": "仓容调整"}).get_json()
    assert body["status"] == "pending"


# §三 rotation terms: the contract's window is the default and its floor share × contracted quantity the floor
def test_a_rotation_takes_the_contracts_window_and_floor(api, db):
    _active(api, "CT-T-ROT", lines=WHEAT_GR03, rotation_window_days=45, rotation_floor_share="0.7")
    made = api("clerk").post("/rotations", json={"lots": [_lot(db, "WH-2024-001").id], "quantity": "800",
                                                 "mode": "market", "sale_price": "2600"}).get_json()
    assert made["window_days"] == 45
    api("clerk").post(f"/rotations/{made['id']}/actions/submit", json={})
    # held 7,100.5; floor 0.7 × 9,000 contracted (7,000 + 2,000) = 6,300, not 0.7 × 7,100.5 held:
    # 800 out leaves 6,300.5, allowed; one tonne more would leave 6,299.5
    assert api("approver").post(f"/rotations/{made['id']}/actions/approve", json={}).status_code == 200
    more = api("clerk").post("/rotations", json={"lots": [_lot(db, "WH-2025-014").id], "quantity": "1",
                                                 "mode": "market", "sale_price": "2600"}).get_json()
    api("clerk").post(f"/rotations/{more['id']}/actions/submit", json={})
    error = assert_error(api("approver").post(f"/rotations/{more['id']}/actions/approve", json={}), 409,
                         "below_floor")
    assert "6,300" in error["message"] and "9,000" in error["message"]


# §二(五)2 "no two active contracts for the same line", decided by the unique index under concurrency
def test_two_overlapping_contracts_activated_at_once_leave_exactly_one_active(app, api, db):
    later = business_today() + timedelta(days=3)
    ids = []
    for number in ("CT-T-P1", "CT-T-P2"):
        made = api("officer").post("/contracts", json=contract_json(
            number, enterprise="ENT-GRAIN", starts_on=later.isoformat(),
            lines=[{"material": "WHEAT", "facility": "GR-03", "quantity": "10"}])).get_json()
        for user, action in (("officer", "submit"), ("approver", "sign"), ("manager", "sign")):
            assert api(user).post(f"/contracts/{made['id']}/actions/{action}", json={}).status_code == 200
        ids.append(made["id"])
    barrier, outcomes = threading.Barrier(2), []

    def activate(contract_id: int) -> None:
        with app.app_context(), Session(engine_for(DATABASE_URL)) as session:
            row = session.get(StorageContract, contract_id)
            barrier.wait()
            try:
                contracts._activate(session, row, None, person=False)
                session.commit()
                outcomes.append("active")
            except Conflict as error:
                session.rollback()
                outcomes.append(error.code)

    threads = [threading.Thread(target=activate, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.expire_all()
    assert sorted(db.get(StorageContract, i).status for i in ids) == ["active", "signed"]
    assert outcomes.count("active") == 1
    assert len([k for k in db.exec(select(ContractLine.active_key).where(ContractLine.contract_id.in_(ids))) if k]) == 1


def test_contract_expiring_opens_within_the_warning_period(app, api, db):
    contract = _active(api, "CT-T-EXP", ends_on=(business_today() + timedelta(days=20)).isoformat(),
                       lines=[{"material": "RICE", "facility": "GR-03", "quantity": "10"}])
    with app.app_context():
        scan(db, "contract_expiring", business_today())
        assert alert_for(db, "contract_expiring", contract["id"]).severity == "warning"
        app.config["CONTRACT_EXPIRING_DAYS"] = 10
        scan(db, "contract_expiring", business_today())
    assert alert_for(db, "contract_expiring", contract["id"]).state == "resolved"
