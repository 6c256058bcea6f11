"""Contracts and selections made through the API as their users would, for the contract tests and the registry-wide
tests (tests/workflows/waiting.py)."""
from __future__ import annotations

from datetime import timedelta

from inventory.core.clock import business_today


def contract_json(number: str = "CT-T-001", **changes) -> dict:
    """BUR-GRAIN with ENT-BAZHOU: wheat in BZ-01 from today for a year, with rotation and subsidy terms."""
    today = business_today()
    body = {"number": number, "enterprise": "ENT-BAZHOU", "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=365)).isoformat(),
            "lines": [{"material": "MAIZE", "facility": "BZ-01", "quantity": "1000", "quality_standard": "GB 1353"}],
            "rotation_window_days": 45, "rotation_floor_share": "0.6", "dispatch_terms": "48 小时内出库",
            "storage_fee": "80", "loan_interest_subsidy": "全额贴息", "policy_loss_subsidy": "按实补贴",
            "liability": "违约金为年度保管费的 20%"}
    return {**body, **changes}


def drafted(api, number: str = "CT-T-001", user: str = "officer", **changes) -> dict:
    response = api(user).post("/contracts", json=contract_json(number, **changes))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def signing_contract(api, db):
    """A contract drafted and submitted by the grain bureau's officer: its approver signs for the bureau."""
    from tests.workflows.waiting import Waiting  # waiting.py collects this maker
    made = drafted(api)
    submitted = api("officer").post(f"/contracts/{made['id']}/actions/submit", json={})
    assert submitted.status_code == 200, submitted.get_json()
    return Waiting(made["id"], f"/contracts/{made['id']}", "sign", "approver", posts=False, requester="officer")


CONTRACT_MAKERS = {"contract": signing_contract}
