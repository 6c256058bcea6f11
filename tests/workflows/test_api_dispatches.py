"""Dispatch plans over ``/api/v1/dispatches``: the normal path as the five roles involved, forbidden steps,
wrong people, four eyes, bad input that writes nothing, tenancy and ``Idempotency-Key`` replay."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import select

from inventory.models import AuditEvent, Dispatch, DispatchAllocation, DispatchLine, Lot
from tests.helpers import assert_error, count_rows, org_coded, user_named
from tests.workflows.waiting import wheat_plan_json

SIGNERS = ("coordinator", "finance", "approver")


def draft(api, username: str = "officer", **changes) -> dict:
    response = api(username).post("/dispatches", json=wheat_plan_json(**changes))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def act(api, row: dict, username: str, action: str, **body) -> dict:
    response = api(username).post(f"/dispatches/{row['id']}/actions/{action}", json=body)
    assert response.status_code == 200, (username, action, response.get_json())
    return response.get_json()


def at(api, status: str) -> dict:
    """A plan of the officer's brought to ``status`` over the API."""
    row = draft(api)
    if status == "draft":
        return row
    if status == "cancelled":
        return act(api, row, "officer", "cancel")
    row = act(api, row, "officer", "submit")
    for signer in SIGNERS[:{"cosigning": 0, "cosigned_1": 1, "cosigned_2": 2}.get(status, 3)]:
        row = act(api, row, signer, "approve")
    return act(api, row, "gov", "approve") if status == "executing" else row


@pytest.fixture
def put(client, token_for):
    """``put(user, path, body)``: the whole plan replaced (the ``api`` fixture sends no PUT)."""
    return lambda username, path, body: client.put("/api/v1" + path, json=body, headers=token_for(username))


def lot_id(db, code: str) -> int:
    return db.exec(select(Lot.id).where(Lot.lot_code == code)).one()


def test_the_normal_path_over_http_as_the_five_roles(api, db):
    row = draft(api)
    assert (row["status"], row["drafted_by"], row["bureau_id"]) == (
        "draft", user_named(db, "officer").id, org_coded(db, "BUR-GRAIN").id)
    assert row["code"].startswith("DP-") and row["lines"][0]["quantity"] == "300.000"
    assert row["lines"][0]["unit_price"] == "2800.000" and row["allocations"] == []
    row = act(api, row, "officer", "submit")
    assert row["status"] == "cosigning"
    for signer, status in zip(SIGNERS, ("cosigned_1", "cosigned_2", "cosigned")):
        row = act(api, row, signer, "approve", note="同意")
        assert row["status"] == status
    assert {s["party"]: s["signed_by"] for s in row["signatures"]} == {
        "ndrc": user_named(db, "coordinator").id, "finance": user_named(db, "finance").id,
        "bureau": user_named(db, "approver").id}
    proposal = api("gov").get(f"/dispatches/{row['id']}/allocations/proposal")
    assert proposal.status_code == 200
    proposed = proposal.get_json()["items"]
    assert sum(Decimal(a["quantity"]) for a in proposed) == Decimal(300)
    assert count_rows(db, DispatchAllocation) == 0, "the proposal writes nothing"
    row = act(api, row, "gov", "approve", note="同意动用")
    assert (row["status"], row["approved_by"], row["approval_note"], row["executed_by"]) == (
        "executing", user_named(db, "gov").id, "同意动用", user_named(db, "gov").id)
    assert [(i["enterprise"], i["material"], i["quantity"], i["status"]) for i in row["instructions"]] == [
        ("ENT-GRAIN", "WHEAT", "300.000", "issued")], "approval sends the release instruction at once"
    assert [(a["lot_id"], a["quantity"]) for a in row["allocations"]] == [
        (a["lot_id"], a["quantity"]) for a in proposed]
    assert [(s["action"], s["from_status"], s["to_status"], s["actor_id"], s["org_id"]) for s in row["timeline"]] == [
        ("request", None, "draft", user_named(db, "officer").id, org_coded(db, "BUR-GRAIN").id),
        ("submit", "draft", "cosigning", user_named(db, "officer").id, org_coded(db, "BUR-GRAIN").id),
        ("approve", "cosigning", "cosigned_1", user_named(db, "coordinator").id, org_coded(db, "CO-NDRC").id),
        ("approve", "cosigned_1", "cosigned_2", user_named(db, "finance").id, org_coded(db, "CO-FIN").id),
        ("approve", "cosigned_2", "cosigned", user_named(db, "approver").id, org_coded(db, "BUR-GRAIN").id),
        ("approve", "cosigned", "approved", user_named(db, "gov").id, org_coded(db, "GOV").id),
        ("execute", "approved", "executing", user_named(db, "gov").id, org_coded(db, "GOV").id)]
    audited = db.exec(select(AuditEvent.action).where(AuditEvent.entity == "dispatch",
                                                      AuditEvent.entity_id == str(row["id"]))
                      .order_by(AuditEvent.id)).all()
    assert audited == ["dispatch.draft", "dispatch.submit", *["dispatch.approve"] * 4, "dispatch.allocate",
                       "dispatch.execute"]
    assert api("gov").get(f"/dispatches/{row['id']}").get_json() == row


def test_the_government_may_choose_the_lots(api, db):
    row = at(api, "cosigned")
    line = row["lines"][0]["id"]
    chosen = [{"line_id": line, "lot_id": lot_id(db, "WH-2025-014"), "quantity": "300"}]
    row = act(api, row, "gov", "approve", allocations=chosen)
    assert [(a["lot_id"], a["quantity"]) for a in row["allocations"]] == [(lot_id(db, "WH-2025-014"), "300.000")]


def test_a_draft_is_replaced_whole_by_put_until_it_is_submitted(api, db, put):
    row = draft(api, lines=[])
    response = put("approver", f"/dispatches/{row['id']}", wheat_plan_json(
        lines=[{"material": "WHEAT", "quantity": "120.5", "unit_price": "2650"}]))
    assert response.status_code == 200, response.get_json()
    assert [(x["quantity"], x["unit_price"]) for x in response.get_json()["lines"]] == [("120.500", "2650.000")]
    act(api, row, "officer", "submit")
    assert_error(put("officer", f"/dispatches/{row['id']}", wheat_plan_json()), 409, "illegal_transition")
    assert_error(put("coordinator", f"/dispatches/{row['id']}", wheat_plan_json()), 403, "forbidden")


def test_a_rejection_needs_a_reason_and_returns_the_plan_to_draft(api, db):
    row = at(api, "cosigned_1")
    error = assert_error(api("finance").post(f"/dispatches/{row['id']}/actions/reject", json={"note": " "}),
                         422, "validation_error")
    assert "note" in error["fields"]
    row = act(api, row, "finance", "reject", note="价格偏高")
    assert (row["status"], row["round"], row["rejection_note"]) == ("draft", 2, "价格偏高")
    assert [s["signed_by"] for s in row["signatures"]] == [None] * 3
    assert [s["action"] for s in row["timeline"]] == ["request", "submit", "approve", "reject"]


@pytest.mark.parametrize(("status", "username", "action"), [
    ("draft", "approver", "approve"), ("draft", "gov", "approve"), ("cosigning", "officer", "submit"),
    ("cosigned", "officer", "cancel"), ("executing", "gov", "approve"), ("executing", "gov", "reject"),
    ("cancelled", "officer", "submit"), ("cosigned_1", "coordinator", "approve")])
def test_steps_the_status_does_not_allow_are_409(api, db, status, username, action):
    row = at(api, status)
    response = api(username).post(f"/dispatches/{row['id']}/actions/{action}", json={"note": "理由"})
    assert_error(response, 409, "illegal_transition")
    assert api("admin").get(f"/dispatches/{row['id']}").get_json()["status"] == status


@pytest.mark.parametrize(("status", "username", "action", "code"), [
    ("cosigning", "emapprover", "approve", 404), ("cosigning", "clerk", "approve", 404),
    ("draft", "emofficer", "submit", 404), ("cosigning", "gov", "approve", 403),
    ("cosigning", "officer", "approve", 403), ("cosigning", "admin", "approve", 403),
    ("cosigned", "approver", "reject", 403), ("draft", "coordinator", "submit", 403)])
def test_the_wrong_role_or_organisation_is_refused(api, db, status, username, action, code):
    row = at(api, status)
    response = api(username).post(f"/dispatches/{row['id']}/actions/{action}", json={"note": "理由"})
    assert_error(response, code, {403: "forbidden", 404: "not_found"}[code])


def test_only_bureaus_and_coordinators_draft_and_only_the_government_previews(api, db):
    assert_error(api("clerk").post("/dispatches", json=wheat_plan_json()), 403, "forbidden")
    assert_error(api("gov").post("/dispatches", json=wheat_plan_json()), 403, "forbidden")
    row = at(api, "cosigned")
    assert_error(api("approver").get(f"/dispatches/{row['id']}/allocations/proposal"), 403, "forbidden")
    assert_error(api("emapprover").get(f"/dispatches/{row['id']}/allocations/proposal"), 404, "not_found")


def test_four_eyes_the_drafter_does_not_sign_and_nobody_signs_twice(api, db):
    row = act(api, draft(api, "approver"), "approver", "submit")
    assert_error(api("approver").post(f"/dispatches/{row['id']}/actions/approve", json={}), 403, "forbidden")
    row = act(api, draft(api), "officer", "submit")
    row = act(api, row, "coordinator", "approve")
    mover = user_named(db, "coordinator")
    mover.org_id = org_coded(db, "CO-FIN").id
    db.add(mover)
    db.commit()
    error = assert_error(api("coordinator").post(f"/dispatches/{row['id']}/actions/approve", json={}),
                         403, "forbidden")
    assert "twice" in error["message"]


def test_bad_input_names_the_fields_and_writes_nothing(api, db):
    before = (count_rows(db, Dispatch), count_rows(db, DispatchLine))
    error = assert_error(api("officer").post("/dispatches", json=wheat_plan_json(
        trigger="flood", colour="red", lines=[{"material": "WHEAT", "quantity": "-1"}])), 422, "validation_error")
    assert {"trigger", "colour", "lines[0].quantity"} <= set(error["fields"]), error
    error = assert_error(api("officer").post("/dispatches", json=wheat_plan_json(district="atlantis", lines=[
        {"material": "NOPE", "quantity": "1"}, {"material": "WHEAT", "quantity": "1", "unit_price": "0"},
        {"material": "WHEAT", "quantity": "2", "unit_price": "1.005"}])), 422, "validation_error")
    assert {"district", "lines[0].material", "lines[1].price_note", "lines[2].material",
            "lines[2].unit_price"} <= set(error["fields"]), error
    assert (count_rows(db, Dispatch), count_rows(db, DispatchLine)) == before
    row = draft(api, trigger=None, transport="", lines=[{"material": "WHEAT", "quantity": "300"}])
    error = assert_error(api("officer").post(f"/dispatches/{row['id']}/actions/submit", json={}),
                         422, "validation_error")
    assert set(error["fields"]) == {"trigger", "transport", "lines[0].unit_price"}
    assert_error(api("officer").post(f"/dispatches/{row['id']}/actions/execute", json={}), 409, "illegal_transition")
    assert_error(api("officer").post(f"/dispatches/{row['id']}/actions/fly", json={}), 422, "validation_error")
    assert api("officer").get(f"/dispatches/{row['id']}").get_json()["status"] == "draft"


def test_allocations_that_do_not_fit_are_refused_and_nothing_is_written(api, db):
    row = at(api, "cosigned")
    line = row["lines"][0]["id"]
    rice = db.exec(select(Lot.id).where(Lot.lot_code != "WH-2025-014", Lot.material_id != row["lines"][0][
        "material_id"])).first()
    error = assert_error(api("gov").post(f"/dispatches/{row['id']}/actions/approve", json={"allocations": [
        {"line_id": line, "lot_id": rice, "quantity": "300"}]}), 422, "validation_error")
    assert "allocations[0].lot" in error["fields"]
    error = assert_error(api("gov").post(f"/dispatches/{row['id']}/actions/approve", json={"allocations": [
        {"line_id": line, "lot_id": lot_id(db, "WH-2025-014"), "quantity": "100"}]}), 422, "validation_error")
    assert "lines[0]" in error["fields"]
    error = assert_error(api("officer").post(f"/dispatches/{draft(api)['id']}/actions/submit", json={
        "allocations": []}), 422, "validation_error")
    assert "allocations" in error["fields"]
    assert count_rows(db, DispatchAllocation) == 0
    assert api("gov").get(f"/dispatches/{row['id']}").get_json()["status"] == "cosigned"


def test_approval_is_refused_when_the_stock_cannot_cover_the_plan(api, db, put):
    row = at(api, "draft")
    assert put("officer", f"/dispatches/{row['id']}", wheat_plan_json(
        lines=[{"material": "WHEAT", "quantity": "900000", "unit_price": "2800"}])).status_code == 200
    row = act(api, row, "officer", "submit")
    for signer in SIGNERS:
        row = act(api, row, signer, "approve")
    assert_error(api("gov").get(f"/dispatches/{row['id']}/allocations/proposal"), 409, "insufficient_stock")
    assert_error(api("gov").post(f"/dispatches/{row['id']}/actions/approve", json={}), 409, "insufficient_stock")
    assert api("gov").get(f"/dispatches/{row['id']}").get_json()["status"] == "cosigned"
    assert count_rows(db, DispatchAllocation) == 0


def test_an_enterprise_sees_a_plan_once_its_stock_is_allocated_and_another_bureau_never(api, db):
    row = at(api, "cosigned")
    assert_error(api("clerk").get(f"/dispatches/{row['id']}"), 404, "not_found")
    act(api, row, "gov", "approve")
    seen = api("clerk").get(f"/dispatches/{row['id']}")
    assert seen.status_code == 200
    ours = org_coded(db, "ENT-GRAIN").id
    assert seen.get_json()["allocations"] and {a["enterprise_id"] for a in seen.get_json()["allocations"]} == {ours}
    assert row["id"] in [r["id"] for r in api("clerk").get("/dispatches").get_json()["items"]]
    for outsider in ("coldclerk", "emofficer", "emapprover"):
        assert_error(api(outsider).get(f"/dispatches/{row['id']}"), 404, "not_found")
        assert row["id"] not in [r["id"] for r in api(outsider).get("/dispatches").get_json()["items"]]


def test_the_list_pages_and_filters_by_status(api, db):
    drafted, submitted = draft(api), act(api, draft(api), "officer", "submit")
    listed = api("coordinator").get("/dispatches?status=cosigning").get_json()["items"]
    assert submitted["id"] in [r["id"] for r in listed] and drafted["id"] not in [r["id"] for r in listed]
    first = api("coordinator").get("/dispatches?limit=1").get_json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    second = api("coordinator").get(f"/dispatches?limit=1&cursor={first['next_cursor']}").get_json()
    assert second["items"][0]["id"] > first["items"][0]["id"]
    assert_error(api("coordinator").get("/dispatches?status=flying"), 422, "validation_error")


def test_a_replayed_idempotency_key_creates_one_plan(api, db):
    before = count_rows(db, Dispatch)
    headers = {"Idempotency-Key": "dispatch-2026-11-29-001"}
    first = api("officer").post("/dispatches", json=wheat_plan_json(), headers=headers)
    again = api("officer").post("/dispatches", json=wheat_plan_json(), headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert count_rows(db, Dispatch) == before + 1
