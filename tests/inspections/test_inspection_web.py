"""Inspection pages: the list with filters and exports, the record form (checklist, safety, lot counts, photos),
the inspection's page with only the allowed actions, the enterprise's answer, the bureau's close, interviews and
proposals; bad input shows the form again with its errors and writes nothing; another tenant's page is a 404."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlmodel import select

from inventory.core.clock import business_today
from inventory.models import Inspection, InspectionFinding, InspectionPhoto, Sanction
from tests.helpers import count_rows
from tests.inspections.making import record

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)


@pytest.fixture(autouse=True)
def folder(app, tmp_path):
    app.config["INSPECTION_FILES_DIR"] = str(tmp_path)


def _form(**changes) -> dict:
    data = {"enterprise": "ENT-GRAIN", "facility": "GR-01", "inspected_on": business_today().isoformat(),
            "scope": "粮食数量质量检查", "quality_findings": "", "lots": "WH-2025-014, 4100.5, 账实相符",
            "safety_fire-state": "bad", "safety_fire-note": "灭火器过期", "safety_power-state": "ok",
            "violation_no_safety_system-found": "y", "violation_no_safety_system-evidence": "灭火器过期两年"}
    data.update(changes)
    return data


def test_an_inspector_records_an_inspection_with_a_photo(login_as, db):
    client = login_as("inspector")
    page = client.get("/inspections/new")
    assert page.status_code == 200 and "violation_refused_instruction-found" in page.get_data(as_text=True)
    response = client.post("/inspections/new", data={**_form(), "photos": (io.BytesIO(PNG), "a.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    row = db.exec(select(Inspection)).one()
    assert row.safety["fire"] == {"ok": False, "note": "灭火器过期"} and row.safety["power"]["ok"] is True
    [finding] = db.exec(select(InspectionFinding)).all()
    assert finding.kind == "no_safety_system" and finding.evidence == "灭火器过期两年"
    assert count_rows(db, InspectionPhoto) == 1
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert row.code in shown and "inspection-close-form" not in shown and "photo-form" in shown


@pytest.mark.parametrize("changes, message", [
    ({"lots": "NOPE-1, 3"}, "NOPE-1"),
    ({"lots": "just one cell"}, "lot code, counted"),
    ({"inspected_on": (business_today() + timedelta(days=2)).isoformat()}, "a year ago to today"),
    ({"violation_no_safety_system-evidence": ""}, "what was seen"),
    ({"enterprise": "ENT-COLD", "facility": "", "lots": ""}, "none of your bureau"),
])
def test_bad_input_shows_the_form_again_and_writes_nothing(login_as, db, changes, message):
    client = login_as("inspector")
    client.get("/lang/en")  # the messages below are the English ones
    response = client.post("/inspections/new", data=_form(**changes))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count_rows(db, Inspection) == 0


def test_a_photo_that_is_not_one_refuses_the_whole_inspection(login_as, db):
    client = login_as("inspector")
    client.get("/lang/en")
    response = client.post(
        "/inspections/new", data={**_form(), "photos": (io.BytesIO(b"<?php system($_GET['c']); ?>"), "a.jpg")},
        content_type="multipart/form-data")
    assert response.status_code == 422 and "checked by their content" in response.get_data(as_text=True)
    assert count_rows(db, Inspection) == 0 and count_rows(db, InspectionPhoto) == 0


def test_the_enterprise_answers_and_the_bureau_closes_on_the_page(api, db, client, login_as):
    made = record(api, db, findings=[{"kind": "no_safety_system", "evidence": "灭火器过期"}])
    finding, path = made["findings"][0]["id"], f"/inspections/{made['id']}"
    page = login_as("clerk").get(path).get_data(as_text=True)
    assert "answer-form" in page and "judge-form" not in page and "interview-form" not in page
    bad = client.post(f"{path}/findings/{finding}/answer", data={"answer-corrective_action": "换灭火器"})
    assert bad.status_code == 422
    assert db.get(InspectionFinding, finding).status == "open"
    answered = client.post(f"{path}/findings/{finding}/answer", data={
        "answer-corrective_action": "换灭火器", "answer-corrective_due_on": business_today().isoformat()})
    assert answered.status_code == 302
    client.post("/logout")
    page = login_as("inspector").get(path).get_data(as_text=True)
    assert "judge-form" in page and "answer-form" not in page
    assert client.post(f"{path}/findings/{finding}/judge", data={"judge-close": "y"}).status_code == 302
    db.expire_all()
    assert db.get(InspectionFinding, finding).status == "closed"
    assert "inspection-close-form" in client.get(path).get_data(as_text=True)
    assert client.post(f"{path}/close", data={"close-note": "结束"}).status_code == 302
    db.expire_all()
    assert db.get(Inspection, made["id"]).status == "closed"


def test_interview_and_proposal_forms(api, db, client, login_as):
    made = record(api, db)
    path = f"/inspections/{made['id']}"
    page = login_as("coordinator").get(path).get_data(as_text=True)
    assert "interview-form" in page and "proposal-form" not in page
    assert client.post(f"{path}/interviews", data={"interview-held_on": business_today().isoformat(),
                                                   "interview-minutes": ""}).status_code == 422
    assert count_rows(db, Sanction) == 0
    assert client.post(f"{path}/interviews", data={"interview-held_on": business_today().isoformat(),
                                                   "interview-minutes": "约谈"}).status_code == 302
    client.post("/logout")
    login_as("officer")
    assert client.post(f"{path}/sanctions", data={"proposal-kind": "revocation", "proposal-minutes": "拒不整改",
                                                  "proposal-decided_on": business_today().isoformat()}).status_code == 302
    sanction = db.exec(select(Sanction).where(Sanction.kind == "revocation")).one()
    client.post("/logout")
    page = login_as("approver").get(path).get_data(as_text=True)
    assert "sanction-decision-form" in page
    assert client.post(f"{path}/sanctions/{sanction.id}/decide", data={"decision-approve": "y"}).status_code == 302
    db.expire_all()
    assert db.get(Sanction, sanction.id).status == "approved"
    assert "qualification-state" in client.get(path).get_data(as_text=True)


def test_list_exports_and_tenancy_on_the_web(api, db, client, login_as):
    made = record(api, db)
    listed = login_as("clerk").get("/inspections/?status=open").get_data(as_text=True)
    assert made["code"] in listed
    csv = client.get("/inspections/export/findings.csv?status=open")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert client.get("/inspections/export/findings.pdf").status_code == 404
    assert client.get("/inspections/new").status_code == 403
    client.post("/logout")
    login_as("coldclerk")
    assert made["code"] not in client.get("/inspections/").get_data(as_text=True)
    assert client.get(f"/inspections/{made['id']}").status_code == 404
    client.post("/logout")
    login_as("emofficer")
    assert client.get(f"/inspections/{made['id']}").status_code == 404
    assert client.post(f"/inspections/{made['id']}/close", data={}).status_code == 404


def test_photos_added_on_the_page_and_a_bad_one_refused(api, db, client, login_as):
    made = record(api, db)
    path = f"/inspections/{made['id']}"
    login_as("inspector")
    assert client.post(f"{path}/photos", data={"photo-photos": (io.BytesIO(PNG), "a.png")},
                       content_type="multipart/form-data").status_code == 302
    [photo] = db.exec(select(InspectionPhoto)).all()
    shown = client.get(f"{path}/photos/{photo.id}")
    assert shown.status_code == 200 and shown.data == PNG and shown.headers["X-Content-Type-Options"] == "nosniff"
    refused = client.post(f"{path}/photos", data={"photo-photos": (io.BytesIO(b"MZ\x90\x00"), "b.png")},
                          content_type="multipart/form-data")
    assert refused.status_code == 422 and count_rows(db, InspectionPhoto) == 1
    assert client.post(f"{path}/photos", data={}).status_code == 422
    client.post("/logout")
    login_as("clerk")
    assert client.post(f"{path}/photos", data={"photo-photos": (io.BytesIO(PNG), "c.png")},
                       content_type="multipart/form-data").status_code == 403
    assert client.get(f"{path}/photos/{photo.id}").status_code == 200


def test_rejecting_a_proposal_needs_a_reason_on_the_page(api, db, client, login_as):
    made = record(api, db)
    proposal = api("officer").post(f"/inspections/{made['id']}/sanctions", json={
        "kind": "suspension", "decided_on": business_today().isoformat(), "minutes": "理由"}).get_json()
    login_as("approver")
    url = f"/inspections/{made['id']}/sanctions/{proposal['id']}/decide"
    assert client.post(url, data={"decision-reject": "y"}).status_code == 422
    assert db.get(Sanction, proposal["id"]).status == "proposed"
    assert client.post(url, data={"decision-reject": "y", "decision-note": "证据不足"}).status_code == 302
    db.expire_all()
    assert db.get(Sanction, proposal["id"]).status == "rejected"


def _offered(page: str) -> set[str]:
    import re
    form = page.split('id="proposal-form"', 1)
    return set(re.findall(r'<option[^>]*value="(\w+)"', form[1].split("</form>", 1)[0])) if len(form) == 2 else set()


def test_the_proposal_form_offers_only_what_the_qualification_allows(api, db, client, login_as):
    """reserve-materials-measures §六(二): revocation follows an interview; a revoked enterprise's qualification is
    final here, so no decision on it is offered (services/inspections/qualification.py MOVES)."""
    made = record(api, db)
    path = f"/inspections/{made['id']}"
    login_as("officer")
    assert _offered(client.get(path).get_data(as_text=True)) == {"suspension"}
    assert api("officer").post(f"{path}/interviews", json={
        "held_on": business_today().isoformat(), "minutes": "约谈"}).status_code == 201
    assert _offered(client.get(path).get_data(as_text=True)) == {"suspension", "revocation", "reinstatement"}
    proposal = api("officer").post(f"{path}/sanctions", json={
        "kind": "revocation", "decided_on": business_today().isoformat(), "minutes": "拒不整改"}).get_json()
    assert api("approver").post(f"/sanctions/{proposal['id']}/actions/approve", json={}).status_code == 200
    page = client.get(path).get_data(as_text=True)
    assert "proposal-form" not in page and "interview-form" in page
