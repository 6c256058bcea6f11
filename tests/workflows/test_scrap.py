"""Scrap (报废, reserve-materials-measures §三) over the API: every transition and guard, four eyes, evidence checked
by content and size, and the replenishment written in the same transaction as the scrap movements."""
from __future__ import annotations

import hashlib
import io
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from inventory.core.errors import Conflict
from inventory.models import AuditEvent, Lot, Movement, Replenishment, Scrap, ScrapAttachment, WorkflowStep
from inventory.services.stock import ledger
from inventory.services.workflows import replenishments, scraps
from tests.helpers import user_named
from tests.workflows.waiting import PNG, submitted_scrap

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(32) + b"\xff\xd9"


@pytest.fixture(autouse=True)
def evidence_folder(app, tmp_path) -> Path:
    app.config["ATTACHMENTS_FOLDER"] = str(tmp_path / "evidence")
    return tmp_path / "evidence"


def _lot(db, code: str) -> Lot:
    db.expire_all()
    return db.exec(select(Lot).where(Lot.lot_code == code)).one()


def _count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def _act(api, user: str, scrap_id: int, action: str, note: str = ""):
    return api(user).post(f"/scraps/{scrap_id}/actions/{action}", json={"note": note} if note else {})


def _upload(api, user: str, scrap_id: int, content: bytes, name: str):
    return api(user).post(f"/scraps/{scrap_id}/attachments", content_type="multipart/form-data",
                          data={"file": (io.BytesIO(content), name)})


def _witnessed(api, db) -> int:
    made = submitted_scrap(api, db)
    assert _act(api, "emapprover", made.row_id, "approve", "ok").status_code == 200
    assert _act(api, "emofficer", made.row_id, "witness", "on site").status_code == 200
    return made.row_id


# -- the whole way ---------------------------------------------------------------------------------------------


def test_a_scrap_is_approved_witnessed_and_executed_with_a_replenishment_of_the_same_quantity(api, db):
    before = _lot(db, "TENT-2020-01").on_hand
    made = submitted_scrap(api, db)
    assert api("emapprover").get(f"/scraps/{made.row_id}").get_json()["actions"] == ["approve", "reject"]
    assert api("reliefclerk").get(f"/scraps/{made.row_id}").get_json()["actions"] == ["cancel"]
    approved = _act(api, "emapprover", made.row_id, "approve", "material checked")
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    assert api("emofficer").get(f"/scraps/{made.row_id}").get_json()["actions"] == ["reject", "witness"]
    witnessed = _act(api, "emofficer", made.row_id, "witness", "seen destroyed")
    assert witnessed.get_json()["status"] == "witnessed"
    executed = _act(api, "reliefclerk", made.row_id, "execute")
    body = executed.get_json()
    assert executed.status_code == 200 and body["status"] == "executed", body
    assert body["actions"] == []
    assert _lot(db, "TENT-2020-01").on_hand == before - 100
    movements = db.exec(select(Movement).where(Movement.ref_type == "scrap", Movement.ref_id == made.row_id)).all()
    assert [(m.kind, m.quantity) for m in movements] == [("scrap", Decimal("-100.000"))]
    replenishment = db.get(Replenishment, body["replenishment_id"])
    assert (replenishment.source, replenishment.quantity, replenishment.status) == ("scrap", Decimal(100), "proposed")
    assert body["replenishment"]["quantity"] == "100.000"
    assert [s["action"] for s in body["timeline"]] == ["request", "submit", "approve", "witness", "execute"]
    people = {s["action"]: s["actor_id"] for s in body["timeline"]}
    assert len({people["request"], people["approve"], people["witness"]}) == 3
    for action in ("approve", "witness", "execute"):
        assert db.exec(select(AuditEvent).where(AuditEvent.action == f"scrap.{action}",
                                                AuditEvent.entity_id == str(made.row_id))).one()
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "replenishment.propose",
                                            AuditEvent.entity_id == str(replenishment.id))).one()
    # decided once: a second execution, or a late rejection, changes nothing
    assert _act(api, "reliefclerk", made.row_id, "execute").status_code == 409
    assert _act(api, "emofficer", made.row_id, "reject", "too late").status_code == 409
    assert _lot(db, "TENT-2020-01").on_hand == before - 100
    assert ledger.verify(session=db) == []


def test_a_scrapped_quantity_never_reappears(api, db):
    scrap_id = _witnessed(api, db)
    assert _act(api, "reliefclerk", scrap_id, "execute").status_code == 200
    left = _lot(db, "TENT-2020-01").on_hand
    again = api("reliefclerk").post("/scraps", json={"lot": _lot(db, "TENT-2020-01").id, "quantity": str(left + 1),
                                                     "reason": "again"})
    assert again.status_code == 422 and "lines[0].quantity" in again.get_json()["error"]["fields"]
    summed = db.exec(select(func.sum(Movement.quantity)).where(Movement.lot_id == _lot(db, "TENT-2020-01").id)).one()
    assert Decimal(summed) == left


# -- four eyes, roles and tenancy ------------------------------------------------------------------------------


def test_four_eyes_the_approver_cannot_witness_and_the_witness_must_be_of_the_bureau(api, db):
    made = submitted_scrap(api, db)
    assert _act(api, "reliefclerk", made.row_id, "approve").status_code == 403  # an enterprise does not approve
    assert _act(api, "emofficer", made.row_id, "approve").status_code == 403  # an officer does not approve
    assert _act(api, "approver", made.row_id, "approve").status_code == 404  # another bureau does not see it
    assert _act(api, "emofficer", made.row_id, "witness").status_code == 409  # not approved yet
    assert _act(api, "emapprover", made.row_id, "approve").status_code == 200
    refused = _act(api, "emapprover", made.row_id, "witness")
    assert refused.status_code == 403 and "four eyes" in refused.get_json()["error"]["message"]
    assert _act(api, "inspector", made.row_id, "witness").status_code == 404  # the grain bureau's inspector
    assert _act(api, "reliefclerk", made.row_id, "witness").status_code == 403
    assert _act(api, "admin", made.row_id, "witness").status_code == 403
    assert _act(api, "reliefclerk", made.row_id, "execute").status_code == 409  # not witnessed yet
    db.expire_all()
    assert db.get(Scrap, made.row_id).status == "approved"
    assert db.exec(select(func.count()).select_from(WorkflowStep).where(
        WorkflowStep.flow == "scrap", WorkflowStep.entity_id == made.row_id)).one() == 3


def test_an_inspector_of_the_materials_bureau_witnesses_a_failed_lot(api, db):
    received = api("clerk").post("/lots", json={"material": "WHEAT", "facility": "GR-01", "lot_code": "WH-BAD-1",
                                                "quantity": "50", "inspection_result": "failed"})
    assert received.status_code == 201, received.get_json()
    made = api("clerk").post("/scraps", json={"lot": received.get_json()["id"], "quantity": "50",
                                              "reason": "霉变，检验不合格"})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["reason_kind"] == "failed_inspection"  # inferred from the lot
    assert _upload(api, "clerk", body["id"], PDF, "report.pdf").status_code == 201
    assert _act(api, "clerk", body["id"], "submit").status_code == 200
    assert _act(api, "approver", body["id"], "approve").status_code == 200
    assert _act(api, "inspector", body["id"], "witness").status_code == 200
    assert _act(api, "manager", body["id"], "execute").status_code == 200
    assert _lot(db, "WH-BAD-1").on_hand == 0


def test_another_enterprise_or_bureau_sees_no_scrap(api, db):
    made = submitted_scrap(api, db)
    for user in ("coldclerk", "clerk", "approver", "officer", "blood"):
        assert api(user).get(f"/scraps/{made.row_id}").status_code in (403, 404), user
        assert api(user).get(f"/scraps/{made.row_id}").status_code == (403 if user == "blood" else 404)
    assert api("coldclerk").get("/scraps").get_json()["items"] == []
    assert [r["id"] for r in api("emofficer").get("/scraps").get_json()["items"]] == [made.row_id]
    assert [r["id"] for r in api("gov").get("/scraps?status=submitted&material=TENT").get_json()["items"]] \
        == [made.row_id]
    assert api("gov").get("/scraps?status=approved").get_json()["items"] == []
    assert api("gov").get("/scraps?enterprise=ENT-GRAIN").get_json()["items"] == []
    assert _act(api, "coldclerk", made.row_id, "cancel").status_code == 404


# -- transitions and their guards ------------------------------------------------------------------------------


def test_a_rejection_needs_a_reason_and_ends_the_scrap(api, db):
    made = submitted_scrap(api, db)
    blank = _act(api, "emapprover", made.row_id, "reject")
    assert blank.status_code == 422 and "note" in blank.get_json()["error"]["fields"]
    db.expire_all()
    assert db.get(Scrap, made.row_id).status == "submitted"
    rejected = _act(api, "emapprover", made.row_id, "reject", "photos do not show damage")
    assert rejected.get_json()["status"] == "rejected"
    assert rejected.get_json()["rejection_note"] == "photos do not show damage"
    assert _act(api, "emapprover", made.row_id, "approve").status_code == 409


def test_the_witness_may_refuse_to_sign_off(api, db):
    made = submitted_scrap(api, db)
    _act(api, "emapprover", made.row_id, "approve")
    assert _act(api, "emofficer", made.row_id, "reject", "tents are sound").get_json()["status"] == "rejected"
    assert _act(api, "reliefclerk", made.row_id, "execute").status_code == 409


def test_submitting_needs_evidence_and_a_draft_may_be_cancelled(api, db):
    api("emofficer").post("/scrap-rules", json={"material": "TENT", "age_days": 1825})
    lot = _lot(db, "TENT-2020-01")
    made = api("reliefclerk").post("/scraps", json={"lot": lot.id, "quantity": "10", "reason": "old"}).get_json()
    refused = _act(api, "reliefclerk", made["id"], "submit")
    assert refused.status_code == 422 and "attachments" in refused.get_json()["error"]["fields"]
    db.expire_all()
    assert db.get(Scrap, made["id"]).status == "draft"
    assert _act(api, "reliefclerk", made["id"], "cancel").get_json()["status"] == "cancelled"
    assert _act(api, "reliefclerk", made["id"], "submit").status_code == 409
    # a cancelled scrap no longer claims the lot
    whole = api("reliefclerk").post("/scraps", json={"lot": lot.id, "quantity": str(lot.on_hand), "reason": "all"})
    assert whole.status_code == 201, whole.get_json()


def test_submit_twice_and_unknown_action(api, db):
    made = submitted_scrap(api, db)
    assert _act(api, "reliefclerk", made.row_id, "submit").status_code == 409
    assert _act(api, "reliefclerk", made.row_id, "destroy").status_code == 422


# -- which lots may be scrapped --------------------------------------------------------------------------------


def test_scrap_rule_boundaries(api, db):
    lot = _lot(db, "TENT-2020-01")  # 2,000 days old
    body = {"lot": lot.id, "quantity": "1", "reason": "old", "reason_kind": "aged"}
    no_rule = api("reliefclerk").post("/scraps", json=body)
    assert no_rule.status_code == 422 and "scrap rule" in str(no_rule.get_json()["error"]["fields"])
    assert api("emofficer").post("/scrap-rules", json={"material": "TENT", "age_days": 2001}).status_code == 200
    assert api("reliefclerk").post("/scraps", json=body).status_code == 422  # one day short
    assert api("emofficer").post("/scrap-rules", json={"material": "TENT", "age_days": 2000}).status_code == 200
    assert api("reliefclerk").post("/scraps", json=body).status_code == 201  # exactly the age


def test_who_sets_a_scrap_rule(api, db):
    assert api("reliefclerk").post("/scrap-rules", json={"material": "TENT", "age_days": 10}).status_code == 403
    other = api("officer").post("/scrap-rules", json={"material": "TENT", "age_days": 10})
    assert other.status_code == 422 and "material" in other.get_json()["error"]["fields"]
    rotated = api("officer").post("/scrap-rules", json={"material": "WHEAT", "age_days": 10})
    assert rotated.status_code == 422
    assert api("emofficer").post("/scrap-rules", json={"material": "TENT", "age_days": 0}).status_code == 422
    assert api("emofficer").get("/scrap-rules").get_json()["items"] == []


def test_bad_requests_write_nothing(api, db):
    api("emofficer").post("/scrap-rules", json={"material": "TENT", "age_days": 1825})
    tent, quilt, wheat = _lot(db, "TENT-2020-01"), _lot(db, "QUILT-2022-03"), _lot(db, "WH-2024-001")
    scraps_before, steps_before = _count(db, Scrap), _count(db, WorkflowStep)
    cases = [
        ({"lot": tent.id, "quantity": str(tent.on_hand + 1), "reason": "x"}, "lines[0].quantity"),
        ({"lot": wheat.id, "quantity": "1", "reason": "x"}, "lines[0].lot"),  # another enterprise's lot
        ({"lines": [{"lot": tent.id, "quantity": "1"}, {"lot": quilt.id, "quantity": "1"}], "reason": "x",
          "reason_kind": "damaged"}, "lines[1].lot"),  # two materials
        ({"lines": [{"lot": tent.id, "quantity": "1"}, {"lot": tent.id, "quantity": "1"}], "reason": "x"}, "lines"),
        ({"lot": quilt.id, "quantity": "1", "reason": "x"}, "reason_kind"),  # nothing to infer: not old, not failed
        ({"lot": tent.id, "quantity": "1", "reason": "x", "reason_kind": "failed_inspection"}, "lines[0].lot"),
        ({"lot": tent.id, "quantity": "0", "reason": "x"}, "quantity"),
        ({"lot": tent.id, "quantity": "1.0001", "reason": "x"}, "quantity"),
        ({"lot": tent.id, "quantity": "1", "reason": ""}, "reason"),
        ({"lot": tent.id, "reason": "x"}, None),
        ({"lot": tent.id, "quantity": "1", "lines": [{"lot": tent.id, "quantity": "1"}], "reason": "x"}, None),
        ({"lot": tent.id, "quantity": "1", "reason": "x", "colour": "red"}, "colour"),
        ({"lot": tent.id, "quantity": "1", "reason": "x", "reason_kind": "boring"}, "reason_kind"),
    ]
    for body, field in cases:
        response = api("reliefclerk").post("/scraps", json=body)
        assert response.status_code == 422, (body, response.get_json())
        if field:
            assert field in response.get_json()["error"]["fields"], (body, response.get_json())
    rotated = api("clerk").post("/scraps", json={"lot": wheat.id, "quantity": "1", "reason": "x",
                                                 "reason_kind": "aged"})
    assert rotated.status_code == 422 and "rotated" in str(rotated.get_json()["error"]["fields"])
    assert api("emofficer").post("/scraps", json={"lot": tent.id, "quantity": "1", "reason": "x"}).status_code == 403
    assert (_count(db, Scrap), _count(db, WorkflowStep)) == (scraps_before, steps_before)


def test_a_second_request_cannot_claim_what_an_open_scrap_holds(api, db):
    made = submitted_scrap(api, db)  # 100 tents
    tent = _lot(db, "TENT-2020-01")
    over = api("reliefclerk").post("/scraps", json={"lot": tent.id, "quantity": str(tent.on_hand - 99),
                                                    "reason": "x"})
    assert over.status_code == 422, over.get_json()
    assert api("reliefclerk").post("/scraps", json={"lot": tent.id, "quantity": str(tent.on_hand - 100),
                                                    "reason": "x"}).status_code == 201
    assert made.row_id


def test_damaged_stock_of_a_rotated_material_may_be_scrapped(api, db):
    wheat = _lot(db, "WH-2025-014")
    made = api("clerk").post("/scraps", json={"lot": wheat.id, "quantity": "5", "reason": "roof leak",
                                              "reason_kind": "damaged"})
    assert made.status_code == 201 and made.get_json()["reason_kind"] == "damaged"


# -- evidence --------------------------------------------------------------------------------------------------


def test_evidence_is_checked_by_content_stored_once_on_disk_and_served_inline(api, db, evidence_folder):
    made = api("emofficer").post("/scrap-rules", json={"material": "TENT", "age_days": 1825})
    assert made.status_code == 200
    scrap_id = api("reliefclerk").post("/scraps", json={"lot": _lot(db, "TENT-2020-01").id, "quantity": "1",
                                                        "reason": "old"}).get_json()["id"]
    added = _upload(api, "reliefclerk", scrap_id, JPEG, "photo.JPG")
    assert added.status_code == 201, added.get_json()
    body = added.get_json()
    assert (body["content_type"], body["size"]) == ("image/jpeg", len(JPEG))
    assert body["sha256"] == hashlib.sha256(JPEG).hexdigest()
    stored = evidence_folder / body["sha256"][:2] / body["sha256"]
    assert stored.read_bytes() == JPEG
    served = api("emapprover").get(f"/scraps/{scrap_id}/attachments/{body['id']}")
    assert served.status_code == 200 and served.data == JPEG
    assert served.mimetype == "image/jpeg" and served.headers["Content-Disposition"].startswith("inline")
    assert api("coldclerk").get(f"/scraps/{scrap_id}/attachments/{body['id']}").status_code == 404
    assert api("approver").get(f"/scraps/{scrap_id}/attachments/{body['id']}").status_code == 404
    # a PNG named .pdf is kept as what it is
    assert _upload(api, "reliefclerk", scrap_id, PNG, "scan.pdf").get_json()["content_type"] == "image/png"
    # a stored file altered on disk is refused, not served
    stored.write_bytes(JPEG + b"x")
    assert api("emapprover").get(f"/scraps/{scrap_id}/attachments/{body['id']}").status_code == 409


def test_a_jpg_that_is_a_script_and_an_oversized_pdf_are_refused_and_nothing_is_stored(app, api, db,
                                                                                      evidence_folder):
    api("emofficer").post("/scrap-rules", json={"material": "TENT", "age_days": 1825})
    scrap_id = api("reliefclerk").post("/scraps", json={"lot": _lot(db, "TENT-2020-01").id, "quantity": "1",
                                                        "reason": "old"}).get_json()["id"]
    audits = _count(db, AuditEvent)
    script = _upload(api, "reliefclerk", scrap_id, b"#!/bin/sh\nrm -rf /\n", "photo.jpg")
    assert script.status_code == 422 and "file" in script.get_json()["error"]["fields"]
    html = _upload(api, "reliefclerk", scrap_id, b"<html><script>alert(1)</script>", "photo.png")
    assert html.status_code == 422
    limit = 10 * 1024 * 1024
    big = _upload(api, "reliefclerk", scrap_id, PDF + bytes(limit - len(PDF) + 1), "report.pdf")
    assert big.status_code == 422 and "10 MB" in str(big.get_json()["error"]["fields"])
    assert _upload(api, "reliefclerk", scrap_id, b"", "empty.pdf").status_code == 422
    assert _count(db, ScrapAttachment) == 0 and _count(db, AuditEvent) == audits
    assert not evidence_folder.exists() or not any(evidence_folder.rglob("*"))
    exactly = _upload(api, "reliefclerk", scrap_id, PDF + bytes(limit - len(PDF)), "report.pdf")
    assert exactly.status_code == 201  # the limit itself is allowed
    app.config["SCRAP_ATTACHMENT_MAX_BYTES"] = 100
    assert _upload(api, "reliefclerk", scrap_id, PDF + bytes(100), "r.pdf").status_code == 422


def test_who_may_add_evidence_and_when(api, db):
    made = submitted_scrap(api, db)
    assert _upload(api, "coldclerk", made.row_id, PNG, "a.png").status_code == 404
    assert _upload(api, "approver", made.row_id, PNG, "a.png").status_code == 404
    assert _upload(api, "emofficer", made.row_id, PNG, "site.png").status_code == 201
    _act(api, "emapprover", made.row_id, "approve")
    assert _upload(api, "reliefclerk", made.row_id, PNG, "late.png").status_code == 409
    _act(api, "emofficer", made.row_id, "witness")
    assert _upload(api, "emofficer", made.row_id, PNG, "late.png").status_code == 409


# -- the scrap and its replenishment: one transaction ----------------------------------------------------------


def test_a_failure_between_the_movements_and_the_replenishment_leaves_neither(api, db, monkeypatch):
    scrap_id = _witnessed(api, db)
    before = _lot(db, "TENT-2020-01").on_hand
    movements, replenished = _count(db, Movement), _count(db, Replenishment)

    def broken(*args, **kwargs):
        raise Conflict("the replenishment could not be written", code="conflict")

    monkeypatch.setattr(replenishments, "propose_for_scrap", broken)
    failed = _act(api, "reliefclerk", scrap_id, "execute")
    assert failed.status_code == 409
    db.expire_all()
    assert (_count(db, Movement), _count(db, Replenishment)) == (movements, replenished)
    assert _lot(db, "TENT-2020-01").on_hand == before
    assert db.get(Scrap, scrap_id).status == "witnessed"
    monkeypatch.undo()
    assert _act(api, "reliefclerk", scrap_id, "execute").status_code == 200
    assert (_count(db, Movement), _count(db, Replenishment)) == (movements + 1, replenished + 1)


def test_an_unexpected_error_in_the_replenishment_rolls_the_movements_back(app, api, db, monkeypatch):
    scrap_id = _witnessed(api, db)
    movements, replenished = _count(db, Movement), _count(db, Replenishment)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(replenishments, "propose_for_scrap", broken)
    clerk = user_named(db, "reliefclerk")
    with app.test_request_context(), pytest.raises(RuntimeError):
        scraps.decide(session=db, actor=clerk, scrap_id=scrap_id, action="execute")
    db.rollback()
    db.expire_all()
    assert (_count(db, Movement), _count(db, Replenishment)) == (movements, replenished)
    assert db.get(Scrap, scrap_id).status == "witnessed"


def test_execution_refused_when_the_lot_no_longer_holds_the_quantity(api, db):
    scrap_id = _witnessed(api, db)
    tent = _lot(db, "TENT-2020-01")
    clerk = user_named(db, "reliefclerk")
    ledger.post_movement(session=db, lot_id=tent.id, kind="issue", amount=-(tent.on_hand - 50), actor=clerk)
    db.commit()
    refused = _act(api, "reliefclerk", scrap_id, "execute")
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "insufficient_stock"
    db.expire_all()
    assert db.get(Scrap, scrap_id).status == "witnessed" and _count(db, Replenishment) == 0


def test_six_simultaneous_executions_scrap_and_replenish_once(app, api, db, token_for):
    """The enterprise's execution, sent six times at once through a real threaded server: one 200, five 409, one
    scrap movement and one replenishment (a scrapped quantity is taken once and never comes back)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import requests
    from werkzeug.serving import make_server

    scrap_id = _witnessed(api, db)
    before = _lot(db, "TENT-2020-01").on_hand
    headers = token_for("reliefclerk")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/api/v1/scraps/{scrap_id}/actions/execute"
    start = threading.Barrier(6)

    def execute(_: int) -> requests.Response:
        start.wait()
        return requests.post(url, json={}, headers=headers, timeout=60)

    try:
        with ThreadPoolExecutor(max_workers=6) as pool:
            responses = list(pool.map(execute, range(6)))
    finally:
        server.shutdown()
        thread.join()
    assert sorted(r.status_code for r in responses) == [200] + [409] * 5, [r.text for r in responses]
    db.expire_all()
    assert len(db.exec(select(Movement).where(Movement.ref_type == "scrap", Movement.ref_id == scrap_id)).all()) == 1
    assert _count(db, Replenishment) == 1
    assert _lot(db, "TENT-2020-01").on_hand == before - 100
    assert ledger.verify(session=db) == []


def test_a_scrap_left_waiting_alerts_the_materials_bureau(app, api, db):
    from datetime import timedelta

    from inventory.core.clock import business_today
    from inventory.models import Alert
    from tests.alerts.helpers import scan
    from tests.helpers import org_coded

    made = submitted_scrap(api, db)
    with app.app_context():
        scan(db, "approval_waiting", as_of=business_today() + timedelta(days=30))
    alert = db.exec(select(Alert).where(Alert.kind == "approval_waiting", Alert.subject_type == "scrap",
                                        Alert.subject_id == made.row_id)).one()
    assert alert.bureau_id == org_coded(db, "BUR-EMERGENCY").id
    assert alert.enterprise_id == org_coded(db, "ENT-RELIEF").id


def test_a_retried_request_with_its_idempotency_key_creates_one_scrap(api, db):
    api("emofficer").post("/scrap-rules", json={"material": "TENT", "age_days": 1825})
    body = {"lot": _lot(db, "TENT-2020-01").id, "quantity": "3", "reason": "old"}
    first = api("reliefclerk").post("/scraps", json=body, headers={"Idempotency-Key": "scrap-1"})
    again = api("reliefclerk").post("/scraps", json=body, headers={"Idempotency-Key": "scrap-1"})
    assert first.status_code == again.status_code == 201 and first.get_json()["id"] == again.get_json()["id"]
    assert _count(db, Scrap) == 1


def test_a_pdf_is_served_inline_and_a_photo_sandboxed(api, db):
    api("emofficer").post("/scrap-rules", json={"material": "TENT", "age_days": 1825})
    scrap_id = api("reliefclerk").post("/scraps", json={"lot": _lot(db, "TENT-2020-01").id, "quantity": "1",
                                                        "reason": "old"}).get_json()["id"]
    pdf = _upload(api, "reliefclerk", scrap_id, PDF, "report.pdf").get_json()
    png = _upload(api, "reliefclerk", scrap_id, PNG, "photo.png").get_json()
    served = api("reliefclerk").get(f"/scraps/{scrap_id}/attachments/{pdf['id']}")
    assert served.mimetype == "application/pdf" and served.data == PDF
    assert served.headers["Content-Disposition"] == f"inline; filename=evidence-{pdf['id']}.pdf"
    assert "sandbox" not in served.headers["Content-Security-Policy"]
    photo = api("reliefclerk").get(f"/scraps/{scrap_id}/attachments/{png['id']}")
    assert "sandbox" in photo.headers["Content-Security-Policy"] and photo.headers["X-Content-Type-Options"] == "nosniff"
