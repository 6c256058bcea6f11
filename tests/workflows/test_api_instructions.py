"""Instructions and replenishments over ``/api/v1/instructions`` and ``/api/v1/replenishments``: every step and its
timeline row and audit event, the steps a status does not allow (409), wrong roles and organisations (403/404),
bad input that writes nothing, an execution replayed with its ``Idempotency-Key``, and tenancy of lists and reads."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from inventory.core.clock import business_today
from inventory.models import AuditEvent, Instruction, InstructionLot, Lot, Movement, Replenishment, Violation
from inventory.services.stock import ledger
from tests.helpers import assert_error, count_rows, org_coded, receive, user_named
from tests.workflows.waiting import executing_dispatch


def deadline(days: int = 7) -> str:
    return (business_today() + timedelta(days=days)).isoformat()


def lot_id(db, code: str) -> int:
    return db.exec(select(Lot.id).where(Lot.lot_code == code)).one()


def issue(api, username: str = "officer", **changes) -> dict:
    body = {"kind": "release", "enterprise": "ENT-GRAIN", "material": "WHEAT", "quantity": "10",
            "deadline": deadline(), "reason": "轮换出库", **changes}
    response = api(username).post("/instructions", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def act(api, row: dict, username: str, action: str, **body) -> dict:
    response = api(username).post(f"/instructions/{row['id']}/actions/{action}", json=body)
    assert response.status_code == 200, (username, action, response.get_json())
    return response.get_json()


def execute(api, row: dict, username: str = "clerk", **body):
    return api(username).post(f"/instructions/{row['id']}/executions", json=body)


def audited(db, entity: str, entity_id: int) -> list[str]:
    return db.exec(select(AuditEvent.action).where(AuditEvent.entity == entity, AuditEvent.entity_id == str(
        entity_id)).order_by(AuditEvent.id)).all()


def movements(db) -> int:
    return count_rows(db, Movement)


def test_a_bureau_instruction_is_acknowledged_and_executed_in_two_goes(api, db):
    row = issue(api)
    first, second = lot_id(db, "WH-2024-001"), lot_id(db, "WH-2025-014")
    assert (row["status"], row["kind"], row["enterprise"], row["material"], row["executed"]) == (
        "issued", "release", "ENT-GRAIN", "WHEAT", "0.000")
    assert [(x["lot_id"], x["proposed"]) for x in row["lots"]] == [(first, "10.000")], "FEFO within the enterprise"
    assert (row["actions"], row["may_execute"], row["may_consent"]) == (["cancel"], False, False)
    assert_error(execute(api, row, lots=[{"lot": first, "quantity": "1"}]), 409, "illegal_transition")
    seen = api("clerk").get(f"/instructions/{row['id']}").get_json()
    assert (seen["actions"], seen["may_execute"]) == (["acknowledge", "refuse"], False)
    row = act(api, row, "clerk", "acknowledge", note="收到")
    assert (row["status"], row["acknowledged_by"], row["may_execute"]) == (
        "acknowledged", user_named(db, "clerk").id, True)
    on_hand = db.get(Lot, first).on_hand
    done = execute(api, row, lots=[{"lot": first, "quantity": "4"}], note="第一车")
    assert done.status_code == 201, done.get_json()
    row = done.get_json()
    assert (row["status"], row["executed"]) == ("acknowledged", "4.000"), "a partial execution"
    row = execute(api, row).get_json()
    assert (row["status"], row["executed"], row["closed_at"] is not None) == ("executed", "10.000", True)
    assert [(m["lot_id"], m["kind"], m["quantity"], m["ref_type"], m["ref_id"]) for m in row["executions"]] == [
        (first, "issue", "-4.000", "instruction", row["id"]), (first, "issue", "-6.000", "instruction", row["id"])]
    assert [x["taken"] for x in row["lots"]] == ["10.000"]
    db.expire_all()
    assert db.get(Lot, first).on_hand == on_hand - 10 and second
    assert [(s["action"], s["from_status"], s["to_status"], s["actor_id"]) for s in row["timeline"]] == [
        ("request", None, "issued", user_named(db, "officer").id),
        ("acknowledge", "issued", "acknowledged", user_named(db, "clerk").id),
        ("execute", "acknowledged", "acknowledged", user_named(db, "clerk").id),
        ("execute", "acknowledged", "acknowledged", user_named(db, "clerk").id),
        ("execute", "acknowledged", "executed", user_named(db, "clerk").id)]
    assert row["timeline"][2]["note"] == "4 · 第一车"
    assert audited(db, "instruction", row["id"]) == [
        "instruction.issue", "instruction.acknowledge", "instruction.execute", "instruction.execute",
        "instruction.execute"]
    assert ledger.verify(session=db) == []


def test_a_receive_instruction_is_executed_by_receiving_a_lot(api, db):
    error = assert_error(api("officer").post("/instructions", json={
        "kind": "receive", "enterprise": "ENT-GRAIN", "material": "WHEAT", "quantity": "50", "deadline": deadline(),
        "reason": "补库", "lots": [{"lot": lot_id(db, "WH-2024-001"), "quantity": "50"}]}), 422, "validation_error")
    assert "lots" in error["fields"]
    row = act(api, issue(api, kind="receive", quantity="50", reason="补库"), "clerk", "acknowledge")
    assert row["lots"] == []
    error = assert_error(execute(api, row), 422, "validation_error")
    assert "receipt" in error["fields"]
    receipt = {"facility": "GR-01", "lot_code": "IN-WH-01", "quantity": "50",
               "production_date": business_today().isoformat()}
    assert_error(execute(api, row, receipt=receipt, lots=[{"lot": lot_id(db, "WH-2024-001"), "quantity": "1"}]),
                 422, "validation_error")
    assert_error(execute(api, row, receipt={**receipt, "quantity": "60"}), 409, "over_instructed")
    error = assert_error(execute(api, row, receipt={**receipt, "facility": "BZ-01"}), 422, "validation_error")
    assert "receipt.facility" in error["fields"], "a facility of another enterprise, named as the schema would"
    error = assert_error(execute(api, row, receipt={**receipt, "quantity": "x"}), 422, "validation_error")
    assert "receipt.quantity" in error["fields"]
    assert db.exec(select(Lot).where(Lot.lot_code == "IN-WH-01")).first() is None
    row = execute(api, row, receipt=receipt).get_json()
    assert (row["status"], row["executed"]) == ("executed", "50.000")
    received = db.exec(select(Lot).where(Lot.lot_code == "IN-WH-01")).one()
    assert [(m["lot_id"], m["kind"], m["quantity"]) for m in row["executions"]] == [
        (received.id, "receipt", "50.000")]
    release = act(api, issue(api), "clerk", "acknowledge")
    assert_error(execute(api, release, receipt=receipt), 422, "validation_error")


@pytest.mark.parametrize(("status", "username", "action"), [
    ("acknowledged", "clerk", "acknowledge"), ("executed", "clerk", "refuse"), ("executed", "officer", "cancel"),
    ("refused", "clerk", "acknowledge"), ("cancelled", "officer", "cancel"), ("refused", "clerk", "refuse")])
def test_steps_the_status_does_not_allow_are_409(api, db, status, username, action):
    row = issue(api)
    if status != "issued":
        if status == "refused":
            row = act(api, row, "clerk", "refuse", note="无车辆")
        elif status == "cancelled":
            row = act(api, row, "officer", "cancel", note="计划取消")
        else:
            row = act(api, row, "clerk", "acknowledge")
        if status == "executed":
            assert execute(api, row).status_code == 201
    response = api(username).post(f"/instructions/{row['id']}/actions/{action}", json={"note": "理由"})
    assert_error(response, 409, "illegal_transition")
    assert api("admin").get(f"/instructions/{row['id']}").get_json()["status"] == status
    if status in ("executed", "refused", "cancelled"):
        assert_error(execute(api, row), 409, "illegal_transition")


@pytest.mark.parametrize(("username", "action", "code"), [
    ("approver", "acknowledge", 403), ("officer", "refuse", 403), ("coldclerk", "acknowledge", 404),
    ("reliefclerk", "refuse", 404), ("clerk", "cancel", 403), ("emofficer", "cancel", 404),
    ("emapprover", "cancel", 404), ("gov", "acknowledge", 403), ("blood", "acknowledge", 404)])
def test_the_wrong_role_or_organisation_is_refused(api, db, username, action, code):
    row = issue(api)
    response = api(username).post(f"/instructions/{row['id']}/actions/{action}", json={"note": "理由"})
    assert_error(response, code, {403: "forbidden", 404: "not_found"}[code])
    assert api("admin").get(f"/instructions/{row['id']}").get_json()["status"] == "issued"


def test_only_its_enterprise_executes_and_only_a_bureau_of_the_material_issues(api, db):
    row = act(api, issue(api), "clerk", "acknowledge")
    assert_error(execute(api, row, "officer"), 403, "forbidden")
    assert_error(execute(api, row, "coldclerk"), 404, "not_found")
    assert_error(execute(api, row, "manager", lots=[{"lot": 10**6, "quantity": "1"}]), 422, "validation_error")
    for username in ("clerk", "gov", "coordinator"):
        assert_error(api(username).post("/instructions", json={
            "kind": "release", "enterprise": "ENT-GRAIN", "material": "WHEAT", "quantity": "1",
            "deadline": deadline(), "reason": "x"}), 403, "forbidden")
    error = assert_error(api("emofficer").post("/instructions", json={
        "kind": "release", "enterprise": "ENT-GRAIN", "material": "WHEAT", "quantity": "1", "deadline": deadline(),
        "reason": "x"}), 422, "validation_error")
    assert "material" in error["fields"]


def test_a_refusal_needs_a_reason_and_is_recorded_against_the_enterprise(api, db):
    row = issue(api)
    before = count_rows(db, Violation)
    error = assert_error(api("clerk").post(f"/instructions/{row['id']}/actions/refuse", json={"note": " "}),
                         422, "validation_error")
    assert "note" in error["fields"]
    assert count_rows(db, Violation) == before
    assert api("clerk").get(f"/instructions/{row['id']}").get_json()["status"] == "issued"
    error = assert_error(api("officer").post(f"/instructions/{row['id']}/actions/cancel", json={}),
                         422, "validation_error")
    assert "note" in error["fields"]
    row = act(api, row, "clerk", "refuse", note="运力不足")
    assert (row["status"], row["refusal_reason"], row["refused_by"]) == (
        "refused", "运力不足", user_named(db, "clerk").id)
    violation = db.exec(select(Violation).where(Violation.source_type == "instruction",
                                                Violation.source_id == row["id"])).one()
    assert (violation.enterprise_id, violation.kind) == (org_coded(db, "ENT-GRAIN").id, "refused_instruction")
    assert row["timeline"][-1]["action"] == "refuse" and row["timeline"][-1]["note"] == "运力不足"
    assert audited(db, "instruction", row["id"])[-1] == "instruction.refuse"
    called_off = act(api, issue(api), "officer", "cancel", note="计划调整")
    assert (called_off["status"], called_off["cancel_note"]) == ("cancelled", "计划调整")
    assert audited(db, "instruction", called_off["id"])[-1] == "instruction.cancel"


def test_bad_input_is_refused_and_writes_nothing(api, db):
    spare = receive(db, clerk="clerk", facility="GR-01")  # a wheat lot of ENT-GRAIN the instruction does not name
    before = (count_rows(db, Instruction), count_rows(db, InstructionLot))
    error = assert_error(api("officer").post("/instructions", json={
        "kind": "release", "enterprise": "ENT-GRAIN", "material": "WHEAT", "quantity": "9999999",
        "deadline": deadline(), "reason": "x"}), 422, "validation_error")
    assert "quantity" in error["fields"], "more than the enterprise holds"
    tents = lot_id(db, "TENT-2020-01")
    error = assert_error(api("officer").post("/instructions", json={
        "kind": "release", "enterprise": "ENT-GRAIN", "material": "WHEAT", "quantity": "10", "deadline": deadline(),
        "reason": "x", "lots": [{"lot": tents, "quantity": "10"}]}), 422, "validation_error")
    assert "lots[0].lot" in error["fields"], "a lot of another enterprise and material"
    error = assert_error(api("officer").post("/instructions", json={
        "kind": "carry", "enterprise": "ENT-NOPE", "material": "WHEAT", "quantity": "-1",
        "deadline": "2001-01-01", "reason": "", "colour": "red"}), 422, "validation_error")
    assert {"kind", "quantity", "reason", "colour"} <= set(error["fields"])
    error = assert_error(api("officer").post("/instructions", json={
        "kind": "release", "enterprise": "ENT-NOPE", "material": "WHEAT", "quantity": "1",
        "deadline": deadline(400), "reason": "x"}), 422, "validation_error")
    assert {"enterprise", "deadline"} <= set(error["fields"])
    assert (count_rows(db, Instruction), count_rows(db, InstructionLot)) == before

    row = act(api, issue(api), "clerk", "acknowledge")
    first = lot_id(db, "WH-2024-001")
    ledger_before = movements(db)
    error = assert_error(execute(api, row, lots=[{"lot": tents, "quantity": "1"}]), 422, "validation_error")
    assert "lots[0].lot" in error["fields"]
    error = assert_error(execute(api, row, lots=[{"lot": spare.id, "quantity": "1"}]), 422, "validation_error")
    assert "consent" in error["fields"]["lots[0].lot"][0], "a lot outside the instruction needs the bureau"
    assert_error(execute(api, row, lots=[{"lot": first, "quantity": "11"}]), 409, "over_instructed")
    assert_error(execute(api, row, lots=[{"lot": first, "quantity": "5"}, {"lot": first, "quantity": "1"}]),
                 422, "validation_error")
    assert_error(execute(api, row, lots=[{"lot": first, "quantity": "0"}]), 422, "validation_error")
    assert movements(db) == ledger_before
    assert api("clerk").get(f"/instructions/{row['id']}").get_json()["executed"] == "0.000"

    # the bureau's approver consents to the other lot; then it may be taken from
    assert_error(api("officer").post(f"/instructions/{row['id']}/lots", json={"lot": spare.id}), 403, "forbidden")
    assert_error(api("emapprover").post(f"/instructions/{row['id']}/lots", json={"lot": spare.id}),
                 404, "not_found")
    assert_error(api("approver").post(f"/instructions/{row['id']}/lots", json={"lot": tents}), 422,
                 "validation_error")
    consented = api("approver").post(f"/instructions/{row['id']}/lots", json={"lot": spare.id})
    assert consented.status_code == 201, consented.get_json()
    assert [(x["lot_id"], x["added_by"]) for x in consented.get_json()["lots"]][-1] == (
        spare.id, user_named(db, "approver").id)
    assert_error(api("approver").post(f"/instructions/{row['id']}/lots", json={"lot": spare.id}), 409, "duplicate")
    assert audited(db, "instruction", row["id"])[-1] == "instruction.consent"
    done = execute(api, row, lots=[{"lot": spare.id, "quantity": "10"}])
    assert done.status_code == 201 and done.get_json()["status"] == "executed"


def test_an_execution_replayed_with_its_idempotency_key_is_taken_once(api, db):
    row = act(api, issue(api), "clerk", "acknowledge")
    first = lot_id(db, "WH-2024-001")
    headers = {"Idempotency-Key": "exec-2026-11-29-001"}
    body = {"lots": [{"lot": first, "quantity": "3"}]}
    ledger_before = movements(db)
    once = api("clerk").post(f"/instructions/{row['id']}/executions", json=body, headers=headers)
    again = api("clerk").post(f"/instructions/{row['id']}/executions", json=body, headers=headers)
    assert (once.status_code, again.status_code) == (201, 201)
    assert again.get_json() == once.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert movements(db) == ledger_before + 1
    assert api("clerk").get(f"/instructions/{row['id']}").get_json()["executed"] == "3.000"
    assert audited(db, "instruction", row["id"]).count("instruction.execute") == 1


def test_an_enterprise_sees_its_own_instructions_and_another_bureau_none(api, db):
    grain = issue(api)
    relief = issue(api, "emofficer", enterprise="ENT-RELIEF", material="TENT", quantity="5")
    for username, own, hidden in (("clerk", grain, relief), ("reliefclerk", relief, grain),
                                  ("approver", grain, relief), ("emapprover", relief, grain)):
        listed = [i["id"] for i in api(username).get("/instructions").get_json()["items"]]
        assert own["id"] in listed and hidden["id"] not in listed, username
        assert api(username).get(f"/instructions/{own['id']}").status_code == 200
        assert_error(api(username).get(f"/instructions/{hidden['id']}"), 404, "not_found")
    for username in ("coldclerk",):
        assert api(username).get("/instructions").get_json()["items"] == []
        assert_error(api(username).get(f"/instructions/{grain['id']}"), 404, "not_found")
    assert_error(api("blood").get("/instructions"), 403, "forbidden")
    listed = [i["id"] for i in api("gov").get("/instructions").get_json()["items"]]
    assert {grain["id"], relief["id"]} <= set(listed)


def test_the_list_filters_and_pages(api, db):
    release, receive_row = issue(api), issue(api, kind="receive", reason="补库")
    act(api, release, "clerk", "acknowledge")
    plan = executing_dispatch(api, db, "20")
    by_kind = [i["id"] for i in api("approver").get("/instructions?kind=receive").get_json()["items"]]
    assert by_kind == [receive_row["id"]]
    by_status = [i["id"] for i in api("approver").get("/instructions?status=acknowledged").get_json()["items"]]
    assert by_status == [release["id"]]
    by_dispatch = api("approver").get(f"/instructions?dispatch={plan['id']}").get_json()["items"]
    assert [i["dispatch_id"] for i in by_dispatch] == [plan["id"]]
    first = api("approver").get("/instructions?limit=1").get_json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    second = api("approver").get(f"/instructions?limit=1&cursor={first['next_cursor']}").get_json()
    assert second["items"][0]["id"] > first["items"][0]["id"]
    assert_error(api("approver").get("/instructions?status=flying"), 422, "validation_error")
    assert_error(api("approver").get("/instructions?dispatch=0"), 422, "validation_error")
    assert_error(api("clerk").post(f"/instructions/{release['id']}/actions/fly", json={}), 422,
                 "validation_error")


def test_the_inbox_execute_action_takes_a_release_whole_remainder_first_expiry_first(api, db):
    row = act(api, issue(api), "clerk", "acknowledge")
    assert ("instruction", row["id"], ("execute",)) in {
        (i["flow"], i["id"], tuple(i["actions"])) for i in api("clerk").get("/inbox").get_json()["items"]}
    assert_error(api("officer").post(f"/instructions/{row['id']}/actions/execute", json={}), 403, "forbidden")
    assert execute(api, row, lots=[{"lot": lot_id(db, "WH-2024-001"), "quantity": "2.5"}]).status_code == 201
    row = act(api, row, "clerk", "execute", note="余量出库")
    assert (row["status"], row["executed"]) == ("executed", "10.000")
    assert [m["quantity"] for m in row["executions"]] == ["-2.500", "-7.500"]
    assert_error(api("clerk").post(f"/instructions/{row['id']}/actions/execute", json={}), 409, "illegal_transition")
    receiving = act(api, issue(api, kind="receive", reason="补库"), "clerk", "acknowledge")
    error = assert_error(api("clerk").post(f"/instructions/{receiving['id']}/actions/execute", json={}), 422,
                         "validation_error")
    assert "receipt" in error["fields"]
    assert ledger.verify(session=db) == []


# -- replenishments -----------------------------------------------------------------------------------------------


def proposed(api, db) -> dict:
    plan = executing_dispatch(api, db, "20")
    (instruction,) = plan["instructions"]
    act(api, instruction, "clerk", "acknowledge")
    assert execute(api, instruction).status_code == 201
    done = api("officer").post(f"/dispatches/{plan['id']}/actions/complete", json={})
    assert done.status_code == 200, done.get_json()
    (row,) = done.get_json()["replenishments"]
    return row


def test_the_bureau_confirms_a_replenishment_which_instructs_the_enterprise(api, db):
    row = proposed(api, db)
    assert (row["source"], row["material"], row["enterprise"], row["quantity"], row["status"]) == (
        "dispatch", "WHEAT", "ENT-GRAIN", "20.000", "proposed")
    seen = api("approver").get(f"/replenishments/{row['id']}").get_json()
    assert (seen["actions"], seen["instructions"]) == (["confirm"], [])
    assert api("clerk").get(f"/replenishments/{row['id']}").get_json()["actions"] == []
    due = business_today() + timedelta(days=45)
    before = count_rows(db, Instruction)
    for body in ({"due_on": (business_today() - timedelta(days=1)).isoformat()}, {"quantity": "0"},
                 {"due_on": deadline(400)}, {"colour": "red"}):
        assert_error(api("approver").post(f"/replenishments/{row['id']}/actions/confirm", json=body),
                     422, "validation_error")
    assert count_rows(db, Instruction) == before
    response = api("approver").post(f"/replenishments/{row['id']}/actions/confirm", json={
        "quantity": "25", "due_on": due.isoformat(), "note": "按计划规模补足"})
    assert response.status_code == 200, response.get_json()
    row = response.get_json()
    assert (row["status"], row["quantity"], row["due_date"], row["confirmed_by"], row["confirm_note"]) == (
        "confirmed", "25.000", due.isoformat(), user_named(db, "approver").id, "按计划规模补足")
    assert [(i["kind"], i["quantity"], i["deadline"], i["enterprise"]) for i in row["instructions"]] == [
        ("receive", "25.000", due.isoformat(), "ENT-GRAIN")]
    assert [(s["action"], s["from_status"], s["to_status"]) for s in row["timeline"]] == [
        ("request", None, "proposed"), ("confirm", "proposed", "confirmed")]
    assert audited(db, "replenishment", row["id"]) == [
        "replenishment.propose", "replenishment.adjust", "replenishment.confirm"]
    assert_error(api("approver").post(f"/replenishments/{row['id']}/actions/confirm", json={}),
                 409, "illegal_transition")
    # half received leaves it confirmed; the rest fulfils it
    instruction = act(api, row["instructions"][0], "clerk", "acknowledge")
    receipt = {"facility": "GR-01", "quantity": "10", "production_date": business_today().isoformat()}
    assert execute(api, instruction, receipt={**receipt, "lot_code": "RP-1"}).status_code == 201
    assert api("clerk").get(f"/replenishments/{row['id']}").get_json()[
        "received"] == "10.000"
    assert api("clerk").get("/replenishments?status=confirmed").get_json()["items"][0]["id"] == row["id"]
    assert execute(api, instruction, receipt={**receipt, "lot_code": "RP-2", "quantity": "15"}).status_code == 201
    row = api("clerk").get(f"/replenishments/{row['id']}").get_json()
    assert (row["status"], row["received"], row["fulfilled_at"] is not None) == ("fulfilled", "25.000", True)
    assert [s["to_status"] for s in row["timeline"]] == ["proposed", "confirmed", "fulfilled"]
    assert ledger.verify(session=db) == []


@pytest.mark.parametrize(("username", "code"), [
    ("officer", 403), ("clerk", 403), ("gov", 403), ("emapprover", 404), ("coldclerk", 404), ("blood", 404)])
def test_only_the_bureau_approver_of_the_material_confirms(api, db, username, code):
    row = proposed(api, db)
    response = api(username).post(f"/replenishments/{row['id']}/actions/confirm", json={})
    assert_error(response, code, {403: "forbidden", 404: "not_found"}[code])
    assert api("admin").get(f"/replenishments/{row['id']}").get_json()["status"] == "proposed"
    assert_error(api("approver").post(f"/replenishments/{row['id']}/actions/approve", json={}), 422,
                 "validation_error")


def test_replenishments_are_listed_to_whom_they_concern(api, db):
    row = proposed(api, db)
    for username in ("clerk", "manager", "approver", "officer", "gov", "coordinator", "admin"):
        items = api(username).get("/replenishments").get_json()["items"]
        assert [i["id"] for i in items] == [row["id"]], username
        assert set(items[0]) >= {"id", "source", "material", "enterprise", "quantity", "due_date", "status"}
    for username in ("coldclerk", "reliefclerk", "emapprover"):
        assert api(username).get("/replenishments").get_json()["items"] == []
        assert_error(api(username).get(f"/replenishments/{row['id']}"), 404, "not_found")
    assert_error(api("blood").get("/replenishments"), 403, "forbidden")
    assert api("approver").get("/replenishments?status=fulfilled").get_json()["items"] == []
    assert_error(api("approver").get("/replenishments?status=flying"), 422, "validation_error")
    assert count_rows(db, Replenishment) == 1
    assert Decimal(row["quantity"]) == Decimal(20)
