"""Sanctions (§六(二)): interviews by the right organisations only, the bureau's proposals decided by its approver
(four eyes), the storage qualification they move, a sanctioned enterprise's receipts refused and its open
instructions flagged for the bureau."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from inventory.core.clock import business_today
from inventory.models import Alert, AuditEvent, Lot, Qualification, Sanction, WorkflowStep
from inventory.services.inspections import qualification
from tests.alerts.helpers import scan
from tests.helpers import assert_error, count_rows, org_coded
from tests.inspections.making import record

TODAY = business_today().isoformat()


def _interview(api, inspection_id: int, username: str = "coordinator", **body):
    return api(username).post(f"/inspections/{inspection_id}/interviews",
                              json={"held_on": TODAY, "minutes": "约谈纪要：限期整改", **body})


def _propose(api, inspection_id: int, kind: str, username: str = "officer", **body):
    return api(username).post(f"/inspections/{inspection_id}/sanctions",
                              json={"kind": kind, "decided_on": TODAY, "minutes": "拒不整改", **body})


def _state(db, code: str = "ENT-GRAIN") -> str:
    db.expire_all()
    return qualification.state_of(db, org_coded(db, code).id).value


def _scan(app, db) -> None:
    with app.app_context():
        scan(db, "enterprise_sanctioned")


def _receive(api, lot_code: str):
    return api("clerk").post("/lots", json={"material": "WHEAT", "facility": "GR-01", "lot_code": lot_code,
                                            "quantity": "5"})


def test_interviews_are_recorded_by_ndrc_finance_or_the_inspecting_bureau_only(api, db):
    made = record(api, db, findings=[{"kind": "false_quantity", "evidence": "账实不符"}])
    for username in ("clerk", "manager", "coldclerk", "inspector", "viewer", "gov"):
        assert_error(_interview(api, made["id"], username), 403, "forbidden")
    for username in ("emofficer", "emapprover"):
        assert_error(_interview(api, made["id"], username), 404, "not_found")
    api("officer")
    before = (count_rows(db, Sanction), count_rows(db, AuditEvent))
    for bad in ({"minutes": ""}, {"held_on": (business_today() + timedelta(days=1)).isoformat()},
                {"held_on": (business_today() - timedelta(days=1)).isoformat()}, {"extra": 1}):
        assert_error(_interview(api, made["id"], "officer", **bad), 422, "validation_error")
    assert (count_rows(db, Sanction), count_rows(db, AuditEvent)) == before
    assert _state(db) == "qualified"
    for username in ("coordinator", "finance", "officer", "approver"):
        response = _interview(api, made["id"], username)
        assert response.status_code == 201, (username, response.get_json())
        assert response.get_json()["status"] == "recorded" and response.get_json()["kind"] == "interview"
    assert _state(db) == "interviewed"
    shown = api("clerk").get(f"/inspections/{made['id']}").get_json()
    assert shown["outcome"] == "interview" and shown["qualification"] == "interviewed"
    assert len(shown["sanctions"]) == 4
    db.expire_all()
    assert len(db.exec(select(AuditEvent).where(AuditEvent.action == "sanction.interview")).all()) == 4


def test_revocation_follows_an_interview_and_is_decided_by_the_bureaus_approver(api, db):
    made = record(api, db, findings=[{"kind": "false_quantity", "evidence": "账实不符"}])
    assert_error(_propose(api, made["id"], "revocation"), 409, "interview_first")
    assert _interview(api, made["id"]).status_code == 201
    for username in ("coordinator", "finance", "clerk", "gov"):
        assert_error(_propose(api, made["id"], "revocation", username), 403, "forbidden")
    assert_error(_propose(api, made["id"], "revocation", "emofficer"), 404, "not_found")
    assert_error(_propose(api, made["id"], "pardon"), 422, "validation_error")
    proposal = _propose(api, made["id"], "revocation")
    assert proposal.status_code == 201 and proposal.get_json()["status"] == "proposed"
    sanction = proposal.get_json()["id"]
    path = f"/sanctions/{sanction}/actions"
    # the proposer's colleagues who may not decide, another bureau, and the enterprise
    for username, status, code in (("officer", 403, "forbidden"), ("inspector", 403, "forbidden"),
                                   ("coordinator", 403, "forbidden"), ("emapprover", 404, "not_found"),
                                   ("clerk", 403, "forbidden")):
        assert_error(api(username).post(f"{path}/approve", json={}), status, code)
    assert_error(api("approver").post(f"{path}/reject", json={}), 422, "validation_error")
    assert_error(api("approver").post(f"{path}/withdraw", json={}), 403, "forbidden")
    assert _state(db) == "interviewed"
    approved = api("approver").post(f"{path}/approve", json={"note": "同意取消"})
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    assert [s["action"] for s in approved.get_json()["timeline"]] == ["request", "approve"]
    assert_error(api("approver").post(f"{path}/approve", json={}), 409, "illegal_transition")
    assert _state(db) == "revoked"
    assert api("clerk").get(f"/inspections/{made['id']}").get_json()["outcome"] == "revocation"
    db.expire_all()
    assert [e.after["state"] for e in db.exec(select(AuditEvent).where(
        AuditEvent.action == "qualification.change").order_by(AuditEvent.id))] == ["interviewed", "revoked"]
    steps = db.exec(select(WorkflowStep).where(WorkflowStep.flow == "sanction", WorkflowStep.entity_id == sanction)
                    .order_by(WorkflowStep.id)).all()
    assert [(s.action, s.to_status, s.role) for s in steps] == [("request", "proposed", "bureau_officer"),
                                                                ("approve", "approved", "bureau_approver")]
    # a revoked enterprise is neither interviewed back nor suspended nor reinstated
    assert_error(_propose(api, made["id"], "reinstatement"), 409, "qualification_state")
    assert_error(_propose(api, made["id"], "suspension"), 409, "qualification_state")


def test_the_approver_never_decides_a_proposal_of_their_own(api, db):
    made = record(api, db)
    assert _interview(api, made["id"], "finance").status_code == 201
    own = _propose(api, made["id"], "suspension", "approver").get_json()
    assert_error(api("approver").post(f"/sanctions/{own['id']}/actions/approve", json={}), 403, "forbidden")
    withdrawn = api("approver").post(f"/sanctions/{own['id']}/actions/withdraw", json={"note": "重复"})
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    assert _state(db) == "interviewed"


def test_a_second_decision_made_stale_by_the_first_is_refused(api, db):
    made = record(api, db)
    _interview(api, made["id"])
    first = _propose(api, made["id"], "revocation").get_json()
    second = _propose(api, made["id"], "reinstatement").get_json()
    assert api("approver").post(f"/sanctions/{first['id']}/actions/approve", json={}).status_code == 200
    assert_error(api("approver").post(f"/sanctions/{second['id']}/actions/approve", json={}), 409,
                 "qualification_state")
    db.expire_all()
    assert db.get(Sanction, second["id"]).status == "proposed" and _state(db) == "revoked"


def test_a_revoked_enterprise_cannot_receive_reserve_stock(api, db):
    assert _receive(api, "WH-BEFORE").status_code == 201
    made = record(api, db)
    _interview(api, made["id"])
    proposal = _propose(api, made["id"], "revocation").get_json()
    api("approver").post(f"/sanctions/{proposal['id']}/actions/approve", json={})
    lots = count_rows(db, Lot)
    refused = _receive(api, "WH-AFTER")
    error = assert_error(refused, 409, "enterprise_sanctioned")
    assert "廊坊市粮食储备库有限公司" in error["message"]
    assert count_rows(db, Lot) == lots
    # another enterprise still receives
    assert api("coldclerk").post("/lots", json={"material": "PORK-FZ", "facility": "CS-01", "lot_code": "PK-OK",
                                                "quantity": "1", "origin": "河北省", "trace_certificate": "TR-1",
                                                "quarantine_certificate": "Q-1"}).status_code == 201


def test_suspension_bars_receipts_until_reinstatement(api, db):
    made = record(api, db)
    suspension = _propose(api, made["id"], "suspension").get_json()
    api("approver").post(f"/sanctions/{suspension['id']}/actions/approve", json={})
    assert _state(db) == "suspended"
    assert_error(_receive(api, "WH-SUSP"), 409, "enterprise_sanctioned")
    reinstated = _propose(api, made["id"], "reinstatement").get_json()
    assert api("approver").post(f"/sanctions/{reinstated['id']}/actions/approve", json={}).status_code == 200
    assert _state(db) == "qualified"
    assert _receive(api, "WH-SUSP").status_code == 201
    db.expire_all()
    assert db.get(Qualification, org_coded(db, "ENT-GRAIN").id).sanction_id == reinstated["id"]


def test_open_instructions_of_a_sanctioned_enterprise_are_flagged_for_the_bureau(app, api, db):
    response = api("officer").post("/instructions", json={
        "kind": "release", "enterprise": "ENT-GRAIN", "material": "WHEAT", "quantity": "10",
        "deadline": (business_today() + timedelta(days=7)).isoformat(), "reason": "轮换出库"})
    assert response.status_code == 201, response.get_json()
    instruction = response.get_json()["id"]
    _scan(app, db)
    assert db.exec(select(Alert).where(Alert.kind == "enterprise_sanctioned")).all() == []
    made = record(api, db)
    suspension = _propose(api, made["id"], "suspension").get_json()
    api("approver").post(f"/sanctions/{suspension['id']}/actions/approve", json={})
    _scan(app, db)
    [alert] = db.exec(select(Alert).where(Alert.kind == "enterprise_sanctioned")).all()
    assert (alert.subject_type, alert.subject_id, alert.severity, alert.state) == (
        "instruction", instruction, "warning", "open")
    assert alert.bureau_id == org_coded(db, "BUR-GRAIN").id
    assert alert.payload["qualification"] == "suspended"
    # the bureau sees it; another bureau does not
    assert alert.id in [a["id"] for a in api("approver").get("/alerts").get_json()["items"]]
    assert alert.id not in [a["id"] for a in api("emapprover").get("/alerts").get_json()["items"]]
    reinstated = _propose(api, made["id"], "reinstatement").get_json()
    api("approver").post(f"/sanctions/{reinstated['id']}/actions/approve", json={})
    _scan(app, db)
    assert db.get(Alert, alert.id).state == "resolved"


def test_answered_findings_and_proposals_left_waiting_raise_approval_waiting(app, api, db):
    from tests.inspections.making import answer
    made = record(api, db, findings=[{"kind": "no_safety_system", "evidence": "灭火器过期"}])
    assert answer(api, made["findings"][0]["id"]).status_code == 200
    proposal = _propose(api, made["id"], "suspension").get_json()
    with app.app_context():
        scan(db, "approval_waiting", as_of=business_today() + timedelta(days=30))
    subjects = {(a.subject_type, a.subject_id, a.enterprise_id) for a in db.exec(
        select(Alert).where(Alert.kind == "approval_waiting"))}
    enterprise = org_coded(db, "ENT-GRAIN").id
    assert {("inspection_finding", made["findings"][0]["id"], enterprise),
            ("sanction", proposal["id"], enterprise)} <= subjects


def test_the_inbox_inline_form_cannot_reject_without_a_reason(api, db, client, login_as):
    made = record(api, db)
    proposal = _propose(api, made["id"], "suspension").get_json()
    login_as("approver")
    form = {f"sanction-{proposal['id']}-reject": "y", f"sanction-{proposal['id']}-note": ""}
    assert client.post(f"/inbox/sanction/{proposal['id']}", data=form).status_code == 302
    db.expire_all()
    assert db.get(Sanction, proposal["id"]).status == "proposed"
    form[f"sanction-{proposal['id']}-note"] = "证据不足"
    client.post(f"/inbox/sanction/{proposal['id']}", data=form)
    db.expire_all()
    assert db.get(Sanction, proposal["id"]).status == "rejected"


def test_open_rotations_of_a_sanctioned_enterprise_are_flagged_too(app, api, db):
    """§六(二): a suspended enterprise's open rotation may never bring its stock back: the bureau is told."""
    from tests.workflows.waiting import submitted_rotation

    rotation = submitted_rotation(api, db).row_id
    made = record(api, db)
    suspension = _propose(api, made["id"], "suspension").get_json()
    api("approver").post(f"/sanctions/{suspension['id']}/actions/approve", json={})
    _scan(app, db)
    [alert] = db.exec(select(Alert).where(Alert.kind == "enterprise_sanctioned", Alert.subject_type == "rotation")).all()
    assert (alert.subject_id, alert.severity, alert.state, alert.bureau_id) == (
        rotation, "warning", "open", org_coded(db, "BUR-GRAIN").id)
    assert alert.payload["kind"] == "rotation"
