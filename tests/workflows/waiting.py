"""One waiting row per registered flow, made through the API as its users would, for the registry-wide tests.

A flow registered without a maker here fails ``test_every_registered_flow_has_a_maker``: every later flow
(dispatch, rotation, scrap, plans …) is then covered by the decide-once and inbox tests without new tests.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from inventory.core.clock import business_today

from sqlmodel import select

from inventory.models import Lot
from tests.workflows.dispatching import wheat_plan


@dataclass(frozen=True)
class Waiting:
    row_id: int
    #: the API path of the row's actions: ``{path}/actions/{action}``
    path: str
    #: the action a decider takes and a user who may take it
    action: str
    decider: str
    #: whether the decision posts ledger movements (a co-signature only moves the plan on)
    posts: bool = True
    #: who asked: the inbox names them
    requester: str = "clerk"


def _lot_id(db, code: str) -> int:
    return db.exec(select(Lot.id).where(Lot.lot_code == code)).one()


def pending_transfer(api, db) -> Waiting:
    """Wheat from Anci to Guangyang: another district, so the grain bureau decides."""
    body = api("clerk").post("/transfers", json={"lot": _lot_id(db, "WH-2025-014"), "to_facility": "GR-03",
                                                 "quantity": "10", "reason": "closer to the city"}).get_json()
    assert body["status"] == "pending", body
    return Waiting(body["id"], f"/transfers/{body['id']}", "approve", "approver")


def pending_adjustment(api, db) -> Waiting:
    body = api("clerk").post(f"/lots/{_lot_id(db, 'WH-2025-014')}/movements",
                             json={"kind": "adjustment", "quantity": "-50", "note": "mould"}).get_json()
    return Waiting(body["adjustment"]["id"], f"/adjustments/{body['adjustment']['id']}", "approve", "approver")


def submitted_count(api, db) -> Waiting:
    """GR-01 counted one tonne short on every lot, submitted for the grain bureau."""
    count = api("clerk").post("/counts", json={"facility": "GR-01"}).get_json()
    lines = [{"lot_id": line["lot_id"], "counted": str(float(line["book"]) - 1)} for line in count["lines"]]
    api("clerk").post(f"/counts/{count['id']}/lines", json={"lines": lines})
    assert api("clerk").post(f"/counts/{count['id']}/actions/submit", json={}).status_code == 200
    return Waiting(count["id"], f"/counts/{count['id']}", "approve", "approver")


def wheat_plan_json(**changes) -> dict:
    """The body of ``POST /dispatches``: tests/workflows/dispatching.py's complete wheat plan, as JSON."""
    plan = wheat_plan()
    body = {**{name: getattr(plan, name) for name in ("trigger", "trigger_description", "recipients", "district",
                                                        "address", "transport")},
            "requested_on": plan.requested_on.isoformat(),
            "lines": [{"material": "WHEAT", "quantity": "300", "unit_price": "2800"}]}
    return {**body, **changes}


def cosigning_dispatch(api, db) -> Waiting:
    """Wheat for Bazhou drafted and submitted by the grain bureau's officer: its approver co-signs."""
    made = api("officer").post("/dispatches", json=wheat_plan_json()).get_json()
    assert api("officer").post(f"/dispatches/{made['id']}/actions/submit", json={}).status_code == 200
    return Waiting(made["id"], f"/dispatches/{made['id']}", "approve", "approver", posts=False, requester="officer")


def issued_instruction(api, db) -> Waiting:
    """The grain bureau's own release instruction: 10 t of wheat from ENT-GRAIN, its lots proposed first expiry
    first out; the enterprise's clerk acknowledges it."""
    response = api("officer").post("/instructions", json={
        "kind": "release", "enterprise": "ENT-GRAIN", "material": "WHEAT", "quantity": "10",
        "deadline": (business_today() + timedelta(days=7)).isoformat(), "reason": "轮换出库"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    return Waiting(body["id"], f"/instructions/{body['id']}", "acknowledge", "clerk", posts=False,
                   requester="officer")


def executing_dispatch(api, db, quantity: str = "300") -> dict:
    """The wheat plan through the whole chain over the API: drafted and submitted by the grain bureau's officer,
    co-signed by the two coordinators and the bureau's approver, approved by the government (its release
    instructions go out at once)."""
    made = api("officer").post("/dispatches", json=wheat_plan_json(lines=[
        {"material": "WHEAT", "quantity": quantity, "unit_price": "2800"}])).get_json()
    path = f"/dispatches/{made['id']}/actions"
    for username, action in (("officer", "submit"), ("coordinator", "approve"), ("finance", "approve"),
                             ("approver", "approve"), ("gov", "approve")):
        response = api(username).post(f"{path}/{action}", json={})
        assert response.status_code == 200, (username, action, response.get_json())
    body = response.get_json()
    assert body["status"] == "executing", body
    return body


def proposed_replenishment(api, db) -> Waiting:
    """A 20 t wheat dispatch executed by ENT-GRAIN's clerk and completed by the officer: the replenishment it
    proposes waits for the grain bureau's approver."""
    plan = executing_dispatch(api, db, "20")
    for instruction in plan["instructions"]:
        path = f"/instructions/{instruction['id']}"
        assert api("clerk").post(f"{path}/actions/acknowledge", json={}).status_code == 200
        assert api("clerk").post(f"{path}/executions", json={}).status_code == 201
    done = api("officer").post(f"/dispatches/{plan['id']}/actions/complete", json={})
    assert done.status_code == 200, done.get_json()
    row = done.get_json()["replenishments"][0]
    return Waiting(row["id"], f"/replenishments/{row['id']}", "confirm", "approver", posts=False,
                   requester="officer")


#: the smallest file the evidence check takes for a PNG photo: its signature and a few bytes
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)


def submitted_scrap(api, db) -> Waiting:
    """100 relief tents of ENT-RELIEF, 2,000 days old, past the 5-year scrap rule the emergency bureau sets;
    requested with a photo and submitted by its clerk: the bureau's approver approves."""
    import io
    rule = api("emofficer").post("/scrap-rules", json={"material": "TENT", "age_days": 1825})
    assert rule.status_code == 200, rule.get_json()
    made = api("reliefclerk").post("/scraps", json={"lot": _lot_id(db, "TENT-2020-01"), "quantity": "100",
                                                    "reason": "帐篷超过报废年限"})
    assert made.status_code == 201, made.get_json()
    scrap_id = made.get_json()["id"]
    photo = api("reliefclerk").post(f"/scraps/{scrap_id}/attachments", content_type="multipart/form-data",
                                    data={"file": (io.BytesIO(PNG), "tents.png")})
    assert photo.status_code == 201, photo.get_json()
    submitted = api("reliefclerk").post(f"/scraps/{scrap_id}/actions/submit", json={})
    assert submitted.status_code == 200, submitted.get_json()
    return Waiting(scrap_id, f"/scraps/{scrap_id}", "approve", "emapprover", posts=False, requester="reliefclerk")


def submitted_rotation(api, db) -> Waiting:
    """100 t of ENT-GRAIN's oldest wheat proposed for a market sale at 2,600 yuan a tonne and submitted by its
    clerk: the grain bureau's approver approves (well above the floor)."""
    made = api("clerk").post("/rotations", json={"lots": [_lot_id(db, "WH-2024-001")], "quantity": "100",
                                                 "mode": "market", "sale_price": "2600"})
    assert made.status_code == 201, made.get_json()
    rotation_id = made.get_json()["id"]
    submitted = api("clerk").post(f"/rotations/{rotation_id}/actions/submit", json={})
    assert submitted.status_code == 200, submitted.get_json()
    return Waiting(rotation_id, f"/rotations/{rotation_id}", "approve", "approver", posts=False)


MAKERS: dict[str, Callable] = {"rotation": submitted_rotation, "scrap": submitted_scrap, "transfer": pending_transfer, "adjustment": pending_adjustment,
                               "count": submitted_count, "dispatch": cosigning_dispatch,
                               "instruction": issued_instruction, "replenishment": proposed_replenishment}

from tests.inspections.making import INSPECTION_MAKERS  # noqa: E402 (issue 10: inspections, findings, sanctions)

MAKERS.update(INSPECTION_MAKERS)

from tests.plans.evaluation_making import EVALUATION_MAKERS  # noqa: E402 (issue 13: annual evaluations)

MAKERS.update(EVALUATION_MAKERS)
from tests.plans.making import PLAN_MAKERS  # noqa: E402 (issue 13: catalogue, annual plans, temporary additions)

MAKERS.update(PLAN_MAKERS)
from tests.plans.contracting import CONTRACT_MAKERS  # noqa: E402 (issue 13: storage contracts)

MAKERS.update(CONTRACT_MAKERS)
