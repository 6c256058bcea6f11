"""Plan documents made over the API as their users would: the plans tests' starting points and the registry-wide
tests' waiting rows (tests/workflows/waiting.py)."""
from __future__ import annotations

from datetime import timedelta

from inventory.core.clock import business_today

#: WHEAT (grain bureau) and TENT (emergency bureau): four parties sign
LINES = [{"material": "WHEAT", "target_quantity": "9000", "storage_months": 36},
         {"material": "TENT", "target_quantity": "1500", "storage_months": 120}]
SIGNERS = ("coordinator", "finance", "approver", "emapprover")


def act(api, user: str, path: str, action: str, note: str = ""):
    return api(user).post(f"{path}/actions/{action}", json={"note": note} if note else {})


def draft_version(api, user: str = "officer", lines=None, **extra) -> dict:
    response = api(user).post("/catalogue-versions", json={
        "title": "目录修订", "review_due_on": (business_today() + timedelta(days=200)).isoformat(),
        "lines": LINES if lines is None else lines, **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def cosigned(api, path: str, signers=SIGNERS, submitter: str = "officer") -> dict:
    assert act(api, submitter, path, "submit").status_code == 200
    for user in signers:
        response = act(api, user, path, "sign")
        assert response.status_code == 200, (user, response.get_json())
    body = response.get_json()
    assert body["status"] == "cosigned", body
    return body


def draft_plan(api, user: str = "officer", year: int | None = None, lines=None) -> dict:
    response = api(user).post("/annual-plans", json={
        "year": year or business_today().year, "title": "年度计划调整",
        "lines": lines if lines is not None else [
            {"material": "WHEAT", "enterprise": "ENT-GRAIN", "target_quantity": "7000"},
            {"material": "TENT", "target_quantity": "1200", "storage_months": 120}]})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def addition_body(**changes) -> dict:
    today = business_today()
    return {"material": "MAIZE", "quantity": "300", "reason": "秋粮收购临时储备",
            "starts_on": today.isoformat(), "ends_on": (today + timedelta(days=30)).isoformat(), **changes}


def submitted_addition(api, user: str = "officer", **changes) -> dict:
    made = api(user).post("/temporary-additions", json=addition_body(**changes))
    assert made.status_code == 201, made.get_json()
    path = f"/temporary-additions/{made.get_json()['id']}"
    response = act(api, user, path, "submit")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def cosigned_catalogue(api, db):
    from tests.workflows.waiting import Waiting
    made = draft_version(api)
    cosigned(api, f"/catalogue-versions/{made['id']}")
    return Waiting(made["id"], f"/catalogue-versions/{made['id']}", "approve", "gov", posts=False,
                   requester="officer")


def cosigned_plan(api, db):
    from tests.workflows.waiting import Waiting
    made = draft_plan(api)
    cosigned(api, f"/annual-plans/{made['id']}")
    return Waiting(made["id"], f"/annual-plans/{made['id']}", "approve", "gov", posts=False, requester="officer")


def waiting_addition(api, db):
    from tests.workflows.waiting import Waiting
    made = submitted_addition(api)
    return Waiting(made["id"], f"/temporary-additions/{made['id']}", "approve", "gov", posts=False,
                   requester="officer")


PLAN_MAKERS = {"catalogue": cosigned_catalogue, "annual_plan": cosigned_plan, "temporary_addition": waiting_addition}
