"""Inspections over the API: recording (with its checks, nothing written on bad input), tenancy, every transition
of the inspection and finding flows with its guards (409, 403, 404), timeline and audit rows, and exports."""
from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlmodel import select

from inventory.core.clock import business_today
from inventory.models import (
    AuditEvent, Inspection, InspectionFinding, InspectionLotCheck, Violation, WorkflowStep,
)
from tests.helpers import assert_error, count_rows
from tests.inspections.making import answer, inspection_body, lot_id, record


def _written(db) -> tuple[int, ...]:
    return tuple(count_rows(db, model) for model in (Inspection, InspectionFinding, InspectionLotCheck, Violation,
                                                     WorkflowStep, AuditEvent))


def _steps(db, flow: str, row_id: int) -> list[tuple]:
    db.expire_all()
    return [(s.action, s.from_status, s.to_status, s.role) for s in db.exec(
        select(WorkflowStep).where(WorkflowStep.flow == flow, WorkflowStep.entity_id == row_id)
        .order_by(WorkflowStep.id))]


def _audited(db, action: str, entity_id: int) -> int:
    db.expire_all()
    return len(db.exec(select(AuditEvent).where(AuditEvent.action == action,
                                                AuditEvent.entity_id == str(entity_id))).all())


def test_recording_writes_the_inspection_its_checks_findings_and_violations(api, db):
    made = record(api, db, findings=[
        {"kind": "no_safety_system", "evidence": "灭火器过期", "note": "2号仓"},
        {"kind": "false_quantity", "evidence": "小麦账实不符"}])
    assert made["code"].startswith("IN-") and made["status"] == "open" and made["outcome"] == "none"
    assert made["qualification"] == "qualified"
    assert made["safety"]["fire"] == {"ok": False, "note": "灭火器过期"}
    assert set(made["safety"]["systems"]) == {"fire", "theft", "flood"}
    [check] = made["lots"]
    assert check["difference"] == "-1.000" and check["lot_code"] == "WH-2025-014"
    assert [f["kind"] for f in made["findings"]] == ["no_safety_system", "false_quantity"]
    assert all(f["status"] == "open" for f in made["findings"])
    violations = db.exec(select(Violation).where(Violation.source_type == "inspection",
                                                 Violation.source_id == made["id"])).all()
    assert sorted(v.kind for v in violations) == ["false_quantity", "no_safety_system"]
    assert _steps(db, "inspection", made["id"]) == [("request", None, "open", "inspector")]
    assert _steps(db, "inspection_finding", made["findings"][0]["id"]) == [("request", None, "open", "inspector")]
    assert _audited(db, "inspection.record", made["id"]) == 1
    assert made["actions"] == []  # findings are open: nothing to close yet


def test_bad_input_is_one_422_naming_each_field_and_writes_nothing(api, db):
    api("inspector")  # its token is issued (and audited) before counting
    before = _written(db)
    response = api("inspector").post("/inspections", json=inspection_body(
        db, facility="CS-01", inspected_on=(business_today() + timedelta(days=1)).isoformat(),
        findings=[{"kind": "false_quantity", "evidence": "a"}, {"kind": "false_quantity", "evidence": "b"}]))
    fields = assert_error(response, 422, "validation_error")["fields"]
    assert {"facility", "inspected_on", "findings[1].kind"} <= set(fields)
    unknown = api("inspector").post("/inspections", json=inspection_body(db, enterprise="ENT-NOPE"))
    assert "enterprise" in assert_error(unknown, 422, "validation_error")["fields"]
    # ENT-COLD stores no grain: the grain bureau does not inspect it
    cold = api("inspector").post("/inspections", json=inspection_body(db, enterprise="ENT-COLD", facility="",
                                                                      lots=[]))
    assert "enterprise" in assert_error(cold, 422, "validation_error")["fields"]
    for bad in ({"findings": [{"kind": "stealing", "evidence": "x"}]}, {"scope": ""},
                {"lots": [{"lot_id": 1, "counted": "-1"}]}, {"safety": {"weather": {"ok": True}}},
                {"safety": {"fire": {"ok": "yes"}}}, {"findings": [{"kind": "false_quantity", "evidence": ""}]},
                {"surprise": 1}):
        assert_error(api("inspector").post("/inspections", json=inspection_body(db, **bad)), 422, "validation_error")
    assert _written(db) == before


def test_a_lot_of_another_enterprise_or_facility_is_refused(api, db):
    api("inspector")
    before = _written(db)
    relief = lot_id(db, "TENT-2020-01")
    response = api("inspector").post("/inspections", json=inspection_body(
        db, lots=[{"lot_id": relief, "counted": "1"}, {"lot_id": lot_id(db, "WH-2025-014"), "counted": "2"},
                  {"lot_id": lot_id(db, "WH-2025-014"), "counted": "3"}]))
    fields = assert_error(response, 422, "validation_error")["fields"]
    assert set(fields) == {"lots[0].lot_id", "lots[2].lot_id"}
    assert _written(db) == before


def test_only_a_bureaus_inspectors_record(api, db):
    for username in ("clerk", "coordinator", "gov", "viewer"):
        assert_error(api(username).post("/inspections", json=inspection_body(db)), 403, "forbidden")
    assert api("officer").post("/inspections", json=inspection_body(db)).status_code == 201


def test_tenancy_an_enterprise_sees_its_own_and_another_bureau_nothing(api, db):
    made = record(api, db)
    path = f"/inspections/{made['id']}"
    for username in ("clerk", "manager", "inspector", "officer", "approver", "coordinator", "finance", "gov"):
        assert api(username).get(path).status_code == 200, username
        assert [r["id"] for r in api(username).get("/inspections").get_json()["items"]] == [made["id"]], username
    for username in ("coldclerk", "emofficer", "emapprover", "reliefclerk"):
        assert_error(api(username).get(path), 404, "not_found")
        assert api(username).get("/inspections").get_json()["items"] == [], username
    assert_error(api("blood").get(path), 404, "not_found")
    assert api("blood").get("/inspections").status_code == 403


def test_list_filters(api, db):
    first = record(api, db)
    second = record(api, db, inspected_on=(business_today() - timedelta(days=10)).isoformat())

    def ids(query: str) -> list[int]:
        response = api("inspector").get(f"/inspections?{query}")
        assert response.status_code == 200, response.get_json()
        return [row["id"] for row in response.get_json()["items"]]

    assert ids("") == [first["id"], second["id"]]
    assert ids(f"inspected_to={(business_today() - timedelta(days=1)).isoformat()}") == [second["id"]]
    assert ids(f"inspected_from={business_today().isoformat()}") == [first["id"]]
    assert ids("enterprise=ENT-GRAIN&status=open&outcome=none") == [first["id"], second["id"]]
    assert ids("enterprise=ENT-COLD") == []
    assert ids("status=closed") == []
    assert_error(api("inspector").get("/inspections?status=nonsense"), 422, "validation_error")
    assert_error(api("inspector").get("/inspections?inspected_from=yesterday"), 422, "validation_error")


def test_a_finding_is_answered_sent_back_answered_again_and_closed(api, db):
    made = record(api, db, findings=[{"kind": "no_safety_system", "evidence": "灭火器过期"}])
    finding = made["findings"][0]["id"]
    path = f"/inspection-findings/{finding}/actions"
    # only the enterprise inspected answers; the bureau cannot answer for it; another enterprise does not see it
    assert_error(api("inspector").post(f"{path}/answer", json={"corrective_action": "x",
                                                               "corrective_due_on": business_today().isoformat()}),
                 403, "forbidden")
    assert_error(answer(api, finding, "coldclerk"), 404, "not_found")
    assert_error(api("inspector").post(f"{path}/close", json={}), 409, "illegal_transition")
    # bad answers write nothing
    api("clerk")
    before = _written(db)
    assert set(assert_error(api("clerk").post(f"{path}/answer", json={}), 422, "validation_error")["fields"]) == {
        "corrective_action", "corrective_due_on"}
    late = api("clerk").post(f"{path}/answer", json={"corrective_action": "换", "corrective_due_on": (
        business_today() - timedelta(days=1)).isoformat()})
    assert "corrective_due_on" in assert_error(late, 422, "validation_error")["fields"]
    assert_error(api("clerk").post(f"{path}/answer", json={"corrective_action": "换", "note": "x",
                                                            "corrective_due_on": business_today().isoformat()}),
                 422, "validation_error")
    assert_error(api("clerk").post(f"{path}/fly", json={}), 422, "validation_error")
    assert _written(db) == before
    answered = answer(api, finding)
    assert answered.status_code == 200 and answered.get_json()["status"] == "answered"
    assert answered.get_json()["corrective_due_on"] == (business_today() + timedelta(days=14)).isoformat()
    assert_error(answer(api, finding, "manager"), 409, "illegal_transition")
    # the bureau judges: the enterprise may not, another bureau does not see it; sending back needs a reason
    assert_error(api("clerk").post(f"{path}/close", json={}), 403, "forbidden")
    assert_error(api("emofficer").post(f"{path}/close", json={}), 404, "not_found")
    assert "note" in assert_error(api("inspector").post(f"{path}/send_back", json={}), 422,
                                  "validation_error")["fields"]
    back = api("inspector").post(f"{path}/send_back", json={"note": "整改期限过长"})
    assert back.status_code == 200 and back.get_json()["status"] == "open"
    assert back.get_json()["return_note"] == "整改期限过长"
    assert answer(api, finding, "manager").status_code == 200
    closed = api("officer").post(f"{path}/close", json={"note": "已整改"})
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    assert_error(api("inspector").post(f"{path}/close", json={}), 409, "illegal_transition")
    assert _steps(db, "inspection_finding", finding) == [
        ("request", None, "open", "inspector"), ("answer", "open", "answered", "enterprise_clerk"),
        ("send_back", "answered", "open", "inspector"), ("answer", "open", "answered", "enterprise_manager"),
        ("close", "answered", "closed", "bureau_officer")]
    for action, times in (("answer", 2), ("send_back", 1), ("close", 1)):
        assert _audited(db, f"inspection_finding.{action}", finding) == times


def test_the_inspection_closes_once_every_finding_is_closed(api, db):
    made = record(api, db, findings=[{"kind": "no_safety_system", "evidence": "灭火器过期"}])
    path, finding = f"/inspections/{made['id']}/actions", made["findings"][0]["id"]
    assert_error(api("inspector").post(f"{path}/close", json={}), 409, "findings_open")
    assert answer(api, finding).status_code == 200
    assert_error(api("inspector").post(f"{path}/close", json={}), 409, "findings_open")
    assert api("inspector").post(f"/inspection-findings/{finding}/actions/close", json={}).status_code == 200
    assert_error(api("clerk").post(f"{path}/close", json={}), 403, "forbidden")
    assert_error(api("emofficer").post(f"{path}/close", json={}), 404, "not_found")
    assert_error(api("inspector").post(f"{path}/open", json={}), 422, "validation_error")
    assert "close" in api("inspector").get(f"/inspections/{made['id']}").get_json()["actions"]
    assert "close" not in api("clerk").get(f"/inspections/{made['id']}").get_json()["actions"]
    closed = api("approver").post(f"{path}/close", json={"note": "检查结束"})
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    assert closed.get_json()["close_note"] == "检查结束" and closed.get_json()["actions"] == []
    assert_error(api("inspector").post(f"{path}/close", json={}), 409, "illegal_transition")
    assert _steps(db, "inspection", made["id"]) == [("request", None, "open", "inspector"),
                                                    ("close", "open", "closed", "bureau_approver")]
    assert _audited(db, "inspection.close", made["id"]) == 1


def test_the_inbox_lists_what_waits_for_whom(api, db):
    made = record(api, db, findings=[{"kind": "no_safety_system", "evidence": "灭火器过期"}])
    finding = made["findings"][0]["id"]

    def listed(username: str) -> set[tuple[str, int]]:
        return {(item["flow"], item["id"]) for item in api(username).get("/inbox").get_json()["items"]}

    assert ("inspection_finding", finding) in listed("clerk")
    assert ("inspection_finding", finding) not in listed("inspector")
    assert ("inspection", made["id"]) not in listed("inspector")
    answer(api, finding)
    assert ("inspection_finding", finding) in listed("inspector")
    assert ("inspection_finding", finding) not in listed("clerk")
    assert ("inspection_finding", finding) not in listed("emofficer")
    api("inspector").post(f"/inspection-findings/{finding}/actions/close", json={})
    assert ("inspection", made["id"]) in listed("inspector")


def test_exports_of_inspections_and_findings_as_csv_and_xlsx(api, db):
    made = record(api, db, findings=[{"kind": "false_quantity", "evidence": "=HYPERLINK(\"x\")"}])
    csv = api("inspector").get("/inspections/export?format=csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    text = csv.get_data(as_text=True)
    assert made["code"] in text and "(inspected_on)" in text
    findings = api("clerk").get("/inspections/findings/export?format=csv").get_data(as_text=True)
    assert "false_quantity" in findings and "'=HYPERLINK" in findings
    workbook = load_workbook(io.BytesIO(api("coordinator").get("/inspections/findings/export?format=xlsx").data))
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == made["code"] and rows[1][3] == "false_quantity"
    # scope: another enterprise's export holds only the header
    assert api("coldclerk").get("/inspections/export").get_data(as_text=True).count("\n") == 1
    assert_error(api("inspector").get("/inspections/export?format=pdf"), 422, "validation_error")
    assert api("blood").get("/inspections/export").status_code == 403


def test_a_repeated_create_with_the_same_idempotency_key_records_once(api, db):
    headers = {"Idempotency-Key": "inspection-2026-1"}
    first = api("inspector").post("/inspections", json=inspection_body(db), headers=headers)
    again = api("inspector").post("/inspections", json=inspection_body(db), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json()["id"] == again.get_json()["id"] and count_rows(db, Inspection) == 1
