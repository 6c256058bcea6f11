"""A dispatch's execution over ``/api/v1/dispatches``: completion and filing, emergency plans and the
authorisations they need, recoveries, the steps each status refuses (409), wrong people (403/404), a dispatch that
cannot be edited once executing, and two instructions over the same lots executed at once never overselling."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest
import requests
from sqlmodel import select
from werkzeug.serving import make_server

from inventory.core.clock import business_today
from inventory.models import AuditEvent, Dispatch, DispatchRecovery, EmergencyAuthorisation, Lot, Movement
from inventory.services.stock import ledger
from tests.helpers import assert_error, count_rows, receive, user_named
from tests.workflows.waiting import executing_dispatch, wheat_plan_json


@pytest.fixture
def put(client, token_for):
    return lambda username, path, body: client.put("/api/v1" + path, json=body, headers=token_for(username))


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()


def released(api, plan: dict, clerk: str = "clerk") -> dict:
    """Each instruction of the plan acknowledged and executed in full by its enterprise."""
    for instruction in plan["instructions"]:
        ok(api(clerk).post(f"/instructions/{instruction['id']}/actions/acknowledge", json={}))
        ok(api(clerk).post(f"/instructions/{instruction['id']}/executions", json={}), 201)
    return ok(api("officer").get(f"/dispatches/{plan['id']}"))


def emergency_plan(api, username: str = "emofficer", **changes) -> dict:
    body = {**wheat_plan_json(lines=[{"material": "TENT", "quantity": "100", "unit_price": "850"}]),
            "emergency": True, **changes}
    return ok(api(username).post("/dispatches", json=body), 201)


def at(api, status: str) -> dict:
    """A wheat dispatch brought to ``status`` over the API (completed: released in full and completed)."""
    plan = executing_dispatch(api, None, "20")
    if status == "completed":
        released(api, plan)
        plan = ok(api("officer").post(f"/dispatches/{plan['id']}/actions/complete", json={}))
    return plan


def test_completion_waits_for_the_open_instructions_and_proposes_the_replenishment(api, db):
    plan = at(api, "executing")
    path = f"/dispatches/{plan['id']}/actions"
    error = assert_error(api("officer").post(f"{path}/complete", json={}), 409, "illegal_transition")
    assert "instructions" in error["message"]
    released(api, plan)
    plan = ok(api("approver").post(f"{path}/complete", json={"note": "执行完毕"}))
    assert (plan["status"], plan["completed_by"], plan["filing_due_on"]) == (
        "completed", user_named(db, "approver").id, None)
    assert [(r["enterprise"], r["quantity"], r["status"]) for r in plan["replenishments"]] == [
        ("ENT-GRAIN", "20.000", "proposed")]
    assert plan["timeline"][-1]["action"] == "complete" and plan["timeline"][-1]["note"] == "执行完毕"
    events = db.exec(select(AuditEvent.action).where(AuditEvent.entity == "dispatch",
                                                     AuditEvent.entity_id == str(plan["id"]))
                     .order_by(AuditEvent.id)).all()
    assert events[-1] == "dispatch.complete"
    assert plan["actions"] == [], "a completed normal dispatch is not filed"


@pytest.mark.parametrize(("status", "username", "action"), [
    ("executing", "officer", "submit"), ("executing", "officer", "execute"), ("executing", "officer", "file"),
    ("executing", "officer", "cancel"), ("completed", "officer", "complete"), ("completed", "officer", "file"),
    ("completed", "gov", "reject"), ("completed", "officer", "execute")])
def test_steps_the_status_does_not_allow_are_409(api, db, status, username, action):
    plan = at(api, status)
    body = {"note": "理由", **({"reference": "备〔2026〕1号"} if action == "file" else {})}
    assert_error(api(username).post(f"/dispatches/{plan['id']}/actions/{action}", json=body),
                 409, "illegal_transition")
    assert ok(api("admin").get(f"/dispatches/{plan['id']}"))["status"] == status


@pytest.mark.parametrize(("username", "code"), [
    ("clerk", 403), ("coordinator", 403), ("gov", 403), ("emofficer", 404), ("coldclerk", 404), ("admin", 403)])
def test_only_the_drafting_organisation_or_the_bureau_completes(api, db, username, code):
    plan = released(api, at(api, "executing"))
    assert_error(api(username).post(f"/dispatches/{plan['id']}/actions/complete", json={}),
                 code, {403: "forbidden", 404: "not_found"}[code])
    assert ok(api("admin").get(f"/dispatches/{plan['id']}"))["status"] == "executing"


def test_an_executing_or_completed_dispatch_is_not_edited_afterwards(api, db, put):
    for status in ("executing", "completed"):
        plan = at(api, status)
        changed = wheat_plan_json(lines=[{"material": "WHEAT", "quantity": "1", "unit_price": "1"}])
        assert_error(put("officer", f"/dispatches/{plan['id']}", changed), 409, "illegal_transition")
        after = ok(api("officer").get(f"/dispatches/{plan['id']}"))
        assert [(x["quantity"], x["unit_price"]) for x in after["lines"]] == [("20.000", "2800.000")]
        assert after["status"] == status


def test_work_ended_and_reference_go_only_with_their_steps(api, db):
    plan = emergency_plan(api)
    path = f"/dispatches/{plan['id']}/actions"
    today = business_today().isoformat()
    error = assert_error(api("emofficer").post(f"{path}/execute", json={"work_ended_on": today}),
                         422, "validation_error")
    assert "work_ended_on" in error["fields"]
    assert_error(api("emofficer").post(f"{path}/execute", json={"reference": "x"}), 422, "validation_error")
    assert_error(api("emofficer").post(f"{path}/execute", json={"reference": "x" * 101}), 422, "validation_error")
    assert ok(api("emofficer").get(f"/dispatches/{plan['id']}"))["status"] == "draft"
    normal = released(api, at(api, "executing"))
    error = assert_error(api("officer").post(f"/dispatches/{normal['id']}/actions/complete", json={
        "work_ended_on": today}), 422, "validation_error")
    assert "work_ended_on" in error["fields"], "only an emergency dispatch records when its work ended"
    assert ok(api("officer").get(f"/dispatches/{normal['id']}"))["status"] == "executing"


def test_an_emergency_plan_needs_an_authorisation_in_force(api, db):
    before, ledger_before = count_rows(db, Dispatch), count_rows(db, Movement)
    error = assert_error(api("officer").post("/dispatches", json={**wheat_plan_json(), "emergency": True}),
                         422, "validation_error")
    assert "emergency" in error["fields"]
    assert_error(api("officer").post("/dispatches", json={**wheat_plan_json(), "emergency": "true"}),
                 422, "validation_error")
    assert count_rows(db, Dispatch) == before
    plan = emergency_plan(api)
    path = f"/dispatches/{plan['id']}/actions"
    assert_error(api("emofficer").post(f"{path}/submit", json={}), 409, "illegal_transition")
    assert_error(api("officer").post(f"{path}/execute", json={}), 404, "not_found")
    assert_error(api("coordinator").post(f"{path}/execute", json={}), 403, "forbidden")
    incomplete = emergency_plan(api, transport="")
    error = assert_error(api("emofficer").post(f"/dispatches/{incomplete['id']}/actions/execute", json={}),
                         422, "validation_error")
    assert set(error["fields"]) == {"transport"}
    (authorisation,) = ok(api("admin").get("/emergency-authorisations"))["items"]
    ok(api("admin").post(f"/emergency-authorisations/{authorisation['id']}/revoke"))
    assert_error(api("emofficer").post(f"{path}/execute", json={}), 403, "forbidden")
    assert ok(api("emofficer").get(f"/dispatches/{plan['id']}"))["status"] == "draft"
    assert count_rows(db, Movement) == ledger_before, "a refused execution posts nothing"


def test_administrators_record_and_revoke_emergency_authorisations(api, db):
    today = business_today()
    (standing,) = ok(api("admin").get("/emergency-authorisations"))["items"]
    assert (standing["org"], standing["in_force"], standing["revoked_at"]) == ("BUR-EMERGENCY", True, None)
    for username in ("gov", "coordinator", "approver", "emofficer"):
        assert ok(api(username).get("/emergency-authorisations"))["items"][0]["id"] == standing["id"]
    for username in ("clerk", "blood", "viewer"):
        assert_error(api(username).get("/emergency-authorisations"), 403, "forbidden")
    body = {"org": "BUR-WATER", "reference": "廊政办字〔2026〕30号", "valid_from": today.isoformat(),
            "valid_until": (today + timedelta(days=90)).isoformat(), "note": "防汛期间"}
    assert_error(api("gov").post("/emergency-authorisations", json=body), 403, "forbidden")
    before = count_rows(db, EmergencyAuthorisation)
    for bad, field in (({"org": "ENT-GRAIN"}, "org"), ({"org": "NOPE"}, "org"),
                       ({"valid_until": (today - timedelta(days=1)).isoformat()}, "valid_until"),
                       ({"valid_until": (today + timedelta(days=366 * 5 + 1)).isoformat()}, "valid_until"),
                       ({"reference": ""}, "reference"), ({"colour": "red"}, "colour")):
        error = assert_error(api("admin").post("/emergency-authorisations", json={**body, **bad}),
                             422, "validation_error")
        assert field in error["fields"], (bad, error)
    assert count_rows(db, EmergencyAuthorisation) == before
    made = ok(api("admin").post("/emergency-authorisations", json=body), 201)
    assert (made["org"], made["reference"], made["in_force"], made["recorded_by"]) == (
        "BUR-WATER", "廊政办字〔2026〕30号", True, user_named(db, "admin").id)
    assert_error(api("gov").post(f"/emergency-authorisations/{made['id']}/revoke"), 403, "forbidden")
    revoked = ok(api("admin").post(f"/emergency-authorisations/{made['id']}/revoke"))
    assert (revoked["in_force"], revoked["revoked_by"]) == (False, user_named(db, "admin").id)
    assert_error(api("admin").post(f"/emergency-authorisations/{made['id']}/revoke"), 409, "illegal_transition")
    assert_error(api("admin").post("/emergency-authorisations/999999/revoke"), 404, "not_found")
    events = db.exec(select(AuditEvent.action).where(AuditEvent.entity == "emergency_authorisation",
                                                     AuditEvent.entity_id == str(made["id"]))
                     .order_by(AuditEvent.id)).all()
    assert events == ["emergency_authorisation.record", "emergency_authorisation.revoke"]


def test_unused_stock_is_recovered_and_not_replenished(api, db):
    plan = released(api, at(api, "executing"))
    path = f"/dispatches/{plan['id']}/recoveries"
    body = {"material": "WHEAT", "facility": "GR-01", "lot_code": "RC-WH-01", "quantity": "5",
            "production_date": (business_today() - timedelta(days=30)).isoformat(), "inspection_result": "passed",
            "note": "安置点未用完"}
    before = (count_rows(db, DispatchRecovery), count_rows(db, Lot))
    assert_error(api("officer").post(path, json=body), 403, "forbidden")
    assert_error(api("coldclerk").post(path, json=body), 404, "not_found")
    assert_error(api("clerk").post(path, json={**body, "quantity": "21"}), 409, "over_recovered")
    error = assert_error(api("clerk").post(path, json={**body, "material": "RICE"}), 422, "validation_error")
    assert "material" in error["fields"]
    assert_error(api("clerk").post(path, json={**body, "inspection_result": "great"}), 422, "validation_error")
    assert (count_rows(db, DispatchRecovery), count_rows(db, Lot)) == before
    headers = {"Idempotency-Key": "recover-001"}
    made = api("clerk").post(path, json=body, headers=headers)
    again = api("clerk").post(path, json=body, headers=headers)
    assert (made.status_code, again.status_code) == (201, 201) and again.get_json() == made.get_json()
    recovery = made.get_json()
    lot = db.get(Lot, recovery["lot_id"])
    assert (recovery["quantity"], recovery["quality_result"], lot.lot_code, lot.on_hand) == (
        "5.000", "passed", "RC-WH-01", Decimal(5))
    assert count_rows(db, DispatchRecovery) == before[0] + 1
    recorded = db.exec(select(AuditEvent).where(AuditEvent.action == "dispatch.recover",
                                                AuditEvent.entity_id == str(plan["id"]))).all()
    assert [(e.actor_id, e.after["lot"], e.after["quantity"]) for e in recorded] == [
        (user_named(db, "clerk").id, lot.id, "5.000")]
    assert_error(api("clerk").post(path, json={**body, "lot_code": "RC-WH-02", "quantity": "15.001"}),
                 409, "over_recovered")
    seen = ok(api("clerk").get(f"/dispatches/{plan['id']}"))
    assert [(r["quantity"], r["lot_id"]) for r in seen["recoveries"]] == [("5.000", lot.id)]
    assert ok(api("coldclerk").get("/dispatches"))["items"] == []
    done = ok(api("officer").post(f"/dispatches/{plan['id']}/actions/complete", json={}))
    assert [r["quantity"] for r in done["replenishments"]] == ["15.000"], "released less recovered"
    assert_error(api("clerk").post(path, json={**body, "lot_code": "RC-WH-03", "quantity": "1"}),
                 409, "illegal_transition")
    assert ledger.verify(session=db) == []


PARALLEL = 2


def test_two_instructions_over_the_same_lot_executed_at_once_never_oversell(app, api, db, token_for):
    """Two release instructions of 80 t each over one lot of 100 t (the bureau consented to it for the second):
    executed at the same moment through a real threaded server, one wins and the other gets 409; the lot never
    goes below zero and the ledger verifies. Runs on SQLite and on PostgreSQL."""
    lot = receive(db, quantity="100", expiry=business_today() + timedelta(days=30))
    day = (business_today() + timedelta(days=7)).isoformat()
    first = ok(api("officer").post("/instructions", json={
        "kind": "release", "enterprise": "ENT-GRAIN", "material": "WHEAT", "quantity": "80", "deadline": day,
        "reason": "甲", "lots": [{"lot": lot.id, "quantity": "80"}]}), 201)
    second = ok(api("officer").post("/instructions", json={
        "kind": "release", "enterprise": "ENT-GRAIN", "material": "WHEAT", "quantity": "80", "deadline": day,
        "reason": "乙", "lots": [{"lot": db.exec(select(Lot.id).where(Lot.lot_code == "WH-2024-001")).one(),
                                  "quantity": "80"}]}), 201)
    ok(api("approver").post(f"/instructions/{second['id']}/lots", json={"lot": lot.id}), 201)
    for row in (first, second):
        ok(api("clerk").post(f"/instructions/{row['id']}/actions/acknowledge", json={}))
    headers = token_for("clerk")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}/api/v1/instructions"
    start = threading.Barrier(PARALLEL)

    def execute(row: dict) -> requests.Response:
        start.wait()
        return requests.post(f"{base}/{row['id']}/executions", json={"lots": [{"lot": lot.id, "quantity": "80"}]},
                             headers=headers, timeout=60)

    try:
        with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
            responses = list(pool.map(execute, (first, second)))
    finally:
        server.shutdown()
        thread.join()
    assert sorted(r.status_code for r in responses) == [201, 409], [r.text for r in responses]
    loser = next(r for r in responses if r.status_code == 409)
    # the second took its lot by consent: whichever came first, the first's 80 t are not its to take
    assert loser.json()["error"]["code"] in {"insufficient_stock", "held_by_instruction"}, loser.text
    assert responses[0].status_code == 201, "the instruction that proposed the lot keeps its share"
    db.expire_all()
    taken = -sum((m.quantity for m in db.exec(select(Movement).where(Movement.lot_id == lot.id,
                                                                     Movement.ref_type == "instruction"))),
                 Decimal(0))
    assert taken == Decimal(80) and db.get(Lot, lot.id).on_hand == Decimal(20)
    executed = sorted(Decimal(ok(api("clerk").get(f"/instructions/{row['id']}"))["executed"])
                      for row in (first, second))
    assert executed == [Decimal(0), Decimal(80)], "the loser's instruction took nothing"
    assert ledger.verify(session=db) == []


def test_a_refused_instruction_is_taken_over_by_a_bureau_instruction_for_the_dispatch(api, db):
    plan = at(api, "executing")
    (refused,) = plan["instructions"]
    ok(api("clerk").post(f"/instructions/{refused['id']}/actions/refuse", json={"note": "运力不足"}))
    body = {"kind": "release", "enterprise": "ENT-GRAIN", "material": "WHEAT", "quantity": "20",
            "deadline": (business_today() + timedelta(days=3)).isoformat(), "reason": "接替", "dispatch": plan["id"]}
    error = assert_error(api("officer").post("/instructions", json={**body, "quantity": "20.001"}),
                         422, "validation_error")
    assert "quantity" in error["fields"], "no more than the line still lacks"
    assert_error(api("officer").post("/instructions", json={**body, "kind": "receive"}), 422, "validation_error")
    other = emergency_plan(api)
    assert_error(api("officer").post("/instructions", json={**body, "dispatch": other["id"]}), 404, "not_found")
    taken_over = ok(api("officer").post("/instructions", json=body), 201)
    assert taken_over["dispatch_id"] == plan["id"]
    assert [i["id"] for i in ok(api("officer").get(f"/dispatches/{plan['id']}"))["instructions"]] == [
        refused["id"], taken_over["id"]]
    assert_error(api("officer").post(f"/dispatches/{plan['id']}/actions/complete", json={}), 409, "illegal_transition")
    ok(api("clerk").post(f"/instructions/{taken_over['id']}/actions/acknowledge", json={}))
    ok(api("clerk").post(f"/instructions/{taken_over['id']}/executions", json={}), 201)
    done = ok(api("officer").post(f"/dispatches/{plan['id']}/actions/complete", json={}))
    assert [r["quantity"] for r in done["replenishments"]] == ["20.000"]
