"""Issue 9 end to end over HTTP: 300 t of wheat held by two enterprises dispatched through the whole chain by the five
roles involved, executed first expiry first out across both, completed, replenished and received back, ending with
a consistent ledger; and an emergency dispatch executed at once, completed and filed."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import select

from inventory.core.clock import business_today
from inventory.models import AuditEvent, Lot, Material, Movement, Organisation
from inventory.services.accounts import directory
from inventory.services.stock import ledger
from inventory.services.system.demo import DEMO_PASSWORD
from tests.helpers import assert_error, org_coded, user_named
from tests.workflows.waiting import wheat_plan_json


def wheat_on_hand(db, enterprise: str | None = None) -> Decimal:
    db.expire_all()
    query = select(func.coalesce(func.sum(Lot.on_hand), 0)).join(Material, Material.id == Lot.material_id) \
        .where(Material.code == "WHEAT")
    if enterprise:
        query = query.join(Organisation, Organisation.id == Lot.enterprise_id).where(Organisation.code == enterprise)
    return Decimal(db.exec(query).one())


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()


def test_300_t_of_wheat_from_two_enterprises_end_to_end_as_the_five_roles(api, db):
    directory.create_user(session=db, username="bzclerk", org_code="ENT-BAZHOU", role="enterprise_clerk",
                          password=DEMO_PASSWORD, display_name="霸州库保管员")
    db.commit()
    early = business_today() + timedelta(days=100)  # before ENT-GRAIN's earliest wheat (about 195 days)
    bazhou_lot = ok(api("bzclerk").post("/lots", json={
        "material": "WHEAT", "facility": "BZ-01", "lot_code": "BZ-WH-01", "quantity": "120",
        "production_date": (business_today() - timedelta(days=900)).isoformat(),
        "expiry_date": early.isoformat()}), 201)
    grain_before, bazhou_before = wheat_on_hand(db, "ENT-GRAIN"), wheat_on_hand(db, "ENT-BAZHOU")
    assert bazhou_before == Decimal(120)

    # the bureau officer drafts and submits; the two coordinators and the bureau approver co-sign; the government
    # approves, which allocates first expiry first out across both enterprises and sends their instructions
    plan = ok(api("officer").post("/dispatches", json=wheat_plan_json()), 201)
    path = f"/dispatches/{plan['id']}/actions"
    for username, action in (("officer", "submit"), ("coordinator", "approve"), ("finance", "approve"),
                             ("approver", "approve")):
        plan = ok(api(username).post(f"{path}/{action}", json={"note": "同意"}))
    plan = ok(api("gov").post(f"{path}/approve", json={"note": "同意动用"}))
    assert plan["status"] == "executing"
    grain_first = db.exec(select(Lot.id).where(Lot.lot_code == "WH-2024-001")).one()
    assert sorted((a["lot_id"], a["quantity"]) for a in plan["allocations"]) == sorted(
        [(bazhou_lot["id"], "120.000"), (grain_first, "180.000")])
    instructions = {i["enterprise"]: i for i in plan["instructions"]}
    assert {code: (i["quantity"], i["status"], i["kind"]) for code, i in instructions.items()} == {
        "ENT-BAZHOU": ("120.000", "issued", "release"), "ENT-GRAIN": ("180.000", "issued", "release")}

    # each enterprise sees its own instruction only, on the plan and in the list
    for clerk, own, other in (("bzclerk", "ENT-BAZHOU", "ENT-GRAIN"), ("clerk", "ENT-GRAIN", "ENT-BAZHOU")):
        seen = ok(api(clerk).get(f"/dispatches/{plan['id']}"))
        assert [i["enterprise"] for i in seen["instructions"]] == [own]
        assert {a["enterprise_id"] for a in seen["allocations"]} == {org_coded(db, own).id}
        listed = ok(api(clerk).get(f"/instructions?dispatch={plan['id']}"))["items"]
        assert [i["id"] for i in listed] == [instructions[own]["id"]]
        assert_error(api(clerk).get(f"/instructions/{instructions[other]['id']}"), 404, "not_found")

    # each enterprise's clerk acknowledges and executes: Bazhou names its lot, the grain store takes FEFO
    bz, gr = instructions["ENT-BAZHOU"]["id"], instructions["ENT-GRAIN"]["id"]
    ok(api("bzclerk").post(f"/instructions/{bz}/actions/acknowledge", json={}))
    done = ok(api("bzclerk").post(f"/instructions/{bz}/executions", json={
        "lots": [{"lot": bazhou_lot["id"], "quantity": "120"}], "note": "装车发运"}), 201)
    assert (done["status"], done["executed"]) == ("executed", "120.000")
    ok(api("clerk").post(f"/instructions/{gr}/actions/acknowledge", json={"note": "收到"}))
    done = ok(api("clerk").post(f"/instructions/{gr}/executions", json={}), 201)
    assert (done["status"], done["executed"]) == ("executed", "180.000")
    assert [(m["lot_id"], m["kind"], m["quantity"]) for m in done["executions"]] == [
        (grain_first, "dispatch", "-180.000")]

    # the ledger: on-hand dropped by exactly 300 t, 120 at Bazhou and 180 at the grain store, by dispatch movements
    # linked to the instructions
    assert wheat_on_hand(db, "ENT-BAZHOU") == bazhou_before - 120
    assert wheat_on_hand(db, "ENT-GRAIN") == grain_before - 180
    moved = db.exec(select(Movement.ref_id, func.sum(Movement.quantity)).where(
        Movement.ref_type == "instruction", Movement.kind == "dispatch").group_by(Movement.ref_id)).all()
    assert {ref: Decimal(total) for ref, total in moved} == {bz: Decimal(-120), gr: Decimal(-180)}

    # the bureau completes: one replenishment per enterprise, released less recovered
    plan = ok(api("officer").post(f"{path}/complete", json={"note": "动用完毕"}))
    assert plan["status"] == "completed" and plan["completed_by"] == user_named(db, "officer").id
    replenishments = {r["enterprise"]: r for r in plan["replenishments"]}
    assert {code: (r["material"], r["quantity"], r["status"]) for code, r in replenishments.items()} == {
        "ENT-BAZHOU": ("WHEAT", "120.000", "proposed"), "ENT-GRAIN": ("WHEAT", "180.000", "proposed")}

    # the bureau approver confirms (Bazhou's with an earlier due date); each enterprise is told to receive
    due = business_today() + timedelta(days=20)
    confirmed = ok(api("approver").post(f"/replenishments/{replenishments['ENT-BAZHOU']['id']}/actions/confirm",
                                        json={"note": "尽快补库", "due_on": due.isoformat()}))
    assert (confirmed["status"], confirmed["due_date"]) == ("confirmed", due.isoformat())
    ok(api("approver").post(f"/replenishments/{replenishments['ENT-GRAIN']['id']}/actions/confirm", json={}))
    for clerk, code, facility in (("bzclerk", "ENT-BAZHOU", "BZ-01"), ("clerk", "ENT-GRAIN", "GR-01")):
        receive = ok(api(clerk).get(f"/replenishments/{replenishments[code]['id']}"))["instructions"]
        assert [(i["kind"], i["status"], i["quantity"]) for i in receive] == [
            ("receive", "issued", replenishments[code]["quantity"])]
        instruction = receive[0]["id"]
        ok(api(clerk).post(f"/instructions/{instruction}/actions/acknowledge", json={}))
        done = ok(api(clerk).post(f"/instructions/{instruction}/executions", json={"receipt": {
            "facility": facility, "lot_code": f"RP-{code}", "quantity": replenishments[code]["quantity"],
            "production_date": business_today().isoformat()}}), 201)
        assert done["status"] == "executed"
        assert ok(api(clerk).get(f"/replenishments/{replenishments[code]['id']}"))["status"] == "fulfilled"
    listed = ok(api("approver").get("/replenishments?status=fulfilled"))["items"]
    assert sorted((r["enterprise"], r["received"]) for r in listed) == [
        ("ENT-BAZHOU", "120.000"), ("ENT-GRAIN", "180.000")]

    # back to the reserve's scale, and the ledger verifies
    assert wheat_on_hand(db, "ENT-BAZHOU") == bazhou_before
    assert wheat_on_hand(db, "ENT-GRAIN") == grain_before
    assert ledger.verify(session=db) == []
    steps = [(s["action"], s["to_status"]) for s in ok(api("gov").get(f"/dispatches/{plan['id']}"))["timeline"]]
    assert steps == [("request", "draft"), ("submit", "cosigning"), ("approve", "cosigned_1"),
                     ("approve", "cosigned_2"), ("approve", "cosigned"), ("approve", "approved"),
                     ("execute", "executing"), ("complete", "completed")]


def test_an_emergency_dispatch_is_executed_at_once_completed_and_filed(api, db):
    tents = db.exec(select(Lot).where(Lot.lot_code == "TENT-2020-01")).one()
    tents_before = tents.on_hand
    body = {**wheat_plan_json(lines=[{"material": "TENT", "quantity": "200", "unit_price": "850"}]),
            "trigger_description": "三河市暴雨，转移安置群众", "emergency": True}
    plan = ok(api("emofficer").post("/dispatches", json=body), 201)
    assert (plan["emergency"], plan["status"], plan["authorisation"]) == (True, "draft", None)
    assert "execute" in plan["actions"]
    path = f"/dispatches/{plan['id']}/actions"
    plan = ok(api("emofficer").post(f"{path}/execute", json={"note": "紧急调用"}))
    assert (plan["status"], plan["executed_by"]) == ("executing", user_named(db, "emofficer").id)
    assert plan["authorisation"]["reference"] == "廊政办字〔2026〕18号" and plan["authorisation"]["in_force"]
    assert [(a["lot_id"], a["quantity"]) for a in plan["allocations"]] == [(tents.id, "200.000")]
    (instruction,) = plan["instructions"]
    assert (instruction["enterprise"], instruction["material"]) == ("ENT-RELIEF", "TENT")

    # the relief store's clerk executes; the emergency bureau completes with the day the work ended, then files
    ok(api("reliefclerk").post(f"/instructions/{instruction['id']}/actions/acknowledge", json={}))
    ok(api("reliefclerk").post(f"/instructions/{instruction['id']}/executions", json={}), 201)
    error = assert_error(api("emofficer").post(f"{path}/complete", json={}), 422, "validation_error")
    assert "work_ended_on" in error["fields"]
    future = (business_today() + timedelta(days=1)).isoformat()
    assert_error(api("emofficer").post(f"{path}/complete", json={"work_ended_on": future}), 422, "validation_error")
    assert ok(api("emofficer").get(f"/dispatches/{plan['id']}"))["status"] == "executing"
    ended = business_today()
    plan = ok(api("emofficer").post(f"{path}/complete", json={"work_ended_on": ended.isoformat()}))
    assert (plan["status"], plan["work_ended_on"], plan["filing_due_on"]) == (
        "completed", ended.isoformat(), (ended + timedelta(days=20)).isoformat())
    error = assert_error(api("emofficer").post(f"{path}/file", json={}), 422, "validation_error")
    assert "reference" in error["fields"]
    assert_error(api("gov").post(f"{path}/file", json={"reference": "应急备〔2026〕3号"}), 403, "forbidden")
    plan = ok(api("emofficer").post(f"{path}/file", json={"reference": "应急备〔2026〕3号", "note": "报市政府备案"}))
    assert (plan["status"], plan["filing_reference"], plan["filed_by"]) == (
        "filed", "应急备〔2026〕3号", user_named(db, "emofficer").id)
    assert [(s["action"], s["from_status"], s["to_status"]) for s in plan["timeline"]] == [
        ("request", None, "draft"), ("execute", "draft", "executing"), ("complete", "executing", "completed"),
        ("file", "completed", "filed")]
    audited = db.exec(select(AuditEvent.action).where(AuditEvent.entity == "dispatch",
                                                      AuditEvent.entity_id == str(plan["id"]))
                      .order_by(AuditEvent.id)).all()
    assert audited == ["dispatch.draft", "dispatch.execute", "dispatch.allocate", "dispatch.complete",
                       "dispatch.file", "dispatch.filing"]
    db.expire_all()
    assert db.get(Lot, tents.id).on_hand == tents_before - 200
    assert ledger.verify(session=db) == []
