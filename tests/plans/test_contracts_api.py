"""Storage contracts (承储合同, reserve-materials-measures §二(五)2) over the API: every transition and guard, four eyes,
the enterprise's qualification, overlapping lines, bad input writing nothing, and tenancy."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from inventory.core.clock import business_today
from inventory.models import AuditEvent, ContractLine, PlanSignature, Qualification, StorageContract
from inventory.services.plans import contracts
from tests.helpers import assert_error, count_rows, org_coded
from tests.plans.contracting import contract_json, drafted


def _act(api, user: str, contract_id: int, action: str, note: str = ""):
    return api(user).post(f"/contracts/{contract_id}/actions/{action}", json={"note": note} if note else {})


def _submitted(api, number: str = "CT-T-001", **changes) -> dict:
    made = drafted(api, number, **changes)
    assert _act(api, "officer", made["id"], "submit").status_code == 200
    return made


def _signed(api, number: str = "CT-T-001", **changes) -> dict:
    made = _submitted(api, number, **changes)
    assert _act(api, "approver", made["id"], "sign").status_code == 200
    return _act(api, "bzmanager", made["id"], "sign")


def _status(db, contract_id: int) -> str:
    db.expire_all()
    return db.get(StorageContract, contract_id).status


# §二(五)2: drafted by the bureau, signed by both parties, active in its period
def test_a_contract_is_drafted_submitted_signed_by_both_and_active_at_once(api, db):
    made = drafted(api)
    assert made["status"] == "draft" and made["bureau"] == "BUR-GRAIN" and made["lines"][0]["facility"] == "BZ-01"
    assert api("officer").get(f"/contracts/{made['id']}").get_json()["actions"] == ["cancel", "submit"]
    assert _act(api, "officer", made["id"], "submit").get_json()["status"] == "signing"
    assert _act(api, "bzmanager", made["id"], "sign").get_json()["status"] == "signing"
    assert_error(_act(api, "bzmanager", made["id"], "sign"), 409, "illegal_transition")  # a party signs once
    body = _act(api, "approver", made["id"], "sign").get_json()
    assert body["status"] == "active" and body["lines"][0]["active"] is True
    assert [s["party"] for s in body["signatures"]] == ["ENT-BAZHOU", "BUR-GRAIN"]
    assert [(s["action"], s["to_status"]) for s in body["timeline"]] == [
        ("request", "draft"), ("submit", "signing"), ("sign", "signing"), ("sign", "signing"), ("sign", "signed"),
        ("activate", "active")]
    line = db.exec(select(ContractLine).where(ContractLine.contract_id == made["id"])).one()
    assert line.active_key == f"{line.material_id}:{line.facility_id}"
    actions = {e.action for e in db.exec(select(AuditEvent).where(AuditEvent.entity == "contract",
                                                                  AuditEvent.entity_id == str(made["id"])))}
    assert {"contract.draft", "contract.submit", "contract.sign", "contract.activate"} <= actions


# four eyes (docs/plans.md): the drafter never signs
def test_the_drafter_does_not_sign_and_only_the_parties_sign(api, db):
    made = drafted(api, user="approver")
    before = count_rows(db, PlanSignature)
    assert _act(api, "approver", made["id"], "submit").status_code == 200
    assert_error(_act(api, "approver", made["id"], "sign"), 403, "forbidden")
    assert_error(_act(api, "manager", made["id"], "sign"), 404, "not_found")  # ENT-GRAIN: not its contract
    assert_error(_act(api, "officer", made["id"], "sign"), 403, "forbidden")
    assert_error(_act(api, "coordinator", made["id"], "sign"), 403, "forbidden")
    assert count_rows(db, PlanSignature) == before


def test_a_contract_starting_later_waits_signed_and_the_daily_step_starts_and_ends_it(app, api, db):
    later = business_today() + timedelta(days=10)
    made = _submitted(api, starts_on=later.isoformat(), ends_on=(later + timedelta(days=5)).isoformat())
    _act(api, "approver", made["id"], "sign")
    assert _act(api, "bzmanager", made["id"], "sign").get_json()["status"] == "signed"
    with app.app_context():
        assert contracts.run_daily(db, later - timedelta(days=1)).activated == []
        assert contracts.run_daily(db, later).activated == [made["id"]]
        db.commit()
        assert _status(db, made["id"]) == "active"
        assert contracts.run_daily(db, later + timedelta(days=6)).expired == [made["id"]]
        db.commit()
    assert _status(db, made["id"]) == "expired"
    assert db.exec(select(ContractLine.active_key).where(ContractLine.contract_id == made["id"])).one() is None


def test_terminate_needs_a_reason_and_the_bureau_approver(api, db):
    made = _signed(api).get_json()
    assert made["status"] == "active"
    assert_error(_act(api, "approver", made["id"], "terminate"), 422, "validation_error")
    assert_error(_act(api, "officer", made["id"], "terminate", "x"), 403, "forbidden")
    assert_error(_act(api, "emapprover", made["id"], "terminate", "x"), 404, "not_found")
    body = _act(api, "approver", made["id"], "terminate", "仓储条件不达标").get_json()
    assert body["status"] == "terminated" and body["termination_note"] == "仓储条件不达标"
    assert body["lines"][0]["active"] is False
    assert_error(_act(api, "approver", made["id"], "terminate", "again"), 409, "illegal_transition")


def test_cancel_from_draft_and_signing_only(api, db):
    first = drafted(api, "CT-T-A")
    assert _act(api, "officer", first["id"], "cancel").get_json()["status"] == "cancelled"
    second = _submitted(api, "CT-T-B")
    assert_error(_act(api, "manager", second["id"], "cancel"), 404, "not_found")
    assert _act(api, "officer", second["id"], "cancel").get_json()["status"] == "cancelled"
    assert_error(_act(api, "approver", second["id"], "sign"), 409, "illegal_transition")


# §二(五)2 "no two active contracts for the same line"
def test_overlap_is_refused_at_submit_and_at_activation_naming_the_line(api, db):
    signed_later = _submitted(api, "CT-T-LATER")
    assert _signed(api, "CT-T-FIRST").get_json()["status"] == "active"
    error = assert_error(_act(api, "officer", drafted(api, "CT-T-SECOND")["id"], "submit"), 409, "contract_overlap")
    assert "MAIZE" in error["message"] and "BZ-01" in error["message"] and "CT-T-FIRST" in error["message"]
    # submitted before the first was active: the last signature is kept, activation refused, it stays signed
    _act(api, "approver", signed_later["id"], "sign")
    assert_error(_act(api, "bzmanager", signed_later["id"], "sign"), 409, "contract_overlap")
    assert _status(db, signed_later["id"]) == "signed"
    assert db.exec(select(ContractLine.active_key).where(ContractLine.contract_id == signed_later["id"])).one() is None
    # once the first is terminated, the bureau's approver starts it by hand (the officer may not)
    first = db.exec(select(StorageContract.id).where(StorageContract.number == "CT-T-FIRST")).one()
    assert_error(_act(api, "approver", signed_later["id"], "activate"), 409, "contract_overlap")
    assert _act(api, "approver", first, "terminate", "合同变更").status_code == 200
    assert_error(_act(api, "officer", signed_later["id"], "activate"), 403, "forbidden")
    assert _act(api, "approver", signed_later["id"], "activate").get_json()["status"] == "active"


def test_a_sanctioned_enterprise_gets_no_contract(api, db):
    made = _submitted(api, "CT-T-S")
    signatures = count_rows(db, PlanSignature)
    db.add(Qualification(enterprise_id=org_coded(db, "ENT-BAZHOU").id, state="suspended"))
    db.commit()
    before = count_rows(db, StorageContract)
    assert_error(api("officer").post("/contracts", json=contract_json("CT-T-NEW")), 409, "enterprise_sanctioned")
    assert count_rows(db, StorageContract) == before
    assert_error(_act(api, "approver", made["id"], "sign"), 409, "enterprise_sanctioned")
    assert count_rows(db, PlanSignature) == signatures


@pytest.mark.parametrize(("change", "field"), [
    ({"lines": [{"material": "MAIZE", "facility": "GR-03", "quantity": "10"}]}, "lines[0].facility"),  # ENT-GRAIN's
    ({"lines": [{"material": "PORK-FZ", "facility": "BZ-01", "quantity": "10"}]}, "lines[0].material"),  # commerce
    ({"ends_on": (business_today() - timedelta(days=1)).isoformat()}, "ends_on"),
    ({"rotation_floor_share": "1.5"}, "rotation_floor_share"),
    ({"lines": [{"material": "MAIZE", "facility": "BZ-01", "quantity": "1"},
                {"material": "MAIZE", "facility": "BZ-01", "quantity": "2"}]}, "lines[1]"),
    ({"enterprise": "BUR-GRAIN"}, "enterprise"),
])
def test_bad_input_names_the_field_and_writes_nothing(api, db, change, field):
    before = count_rows(db, StorageContract), count_rows(db, ContractLine)
    error = assert_error(api("officer").post("/contracts", json=contract_json(**change)), 422, "validation_error")
    assert field in error["fields"]
    assert (count_rows(db, StorageContract), count_rows(db, ContractLine)) == before


@pytest.mark.parametrize("change", [
    {"lines": [{"material": "MAIZE", "facility": "BZ-01", "quantity": "-5"}]}, {"storage_fee": "-1"},
    {"rotation_window_days": 0}, {"rotation_window_days": 366}])
def test_negative_and_out_of_range_terms_are_refused(api, db, change):
    before = count_rows(db, StorageContract)
    assert_error(api("officer").post("/contracts", json=contract_json(**change)), 422, "validation_error")
    assert count_rows(db, StorageContract) == before


def test_a_draft_is_edited_by_its_bureau_only_while_draft(api, db):
    made = drafted(api)
    path = f"/contracts/{made['id']}"
    edited = api("officer")._call("PUT", path, json=contract_json(storage_fee="95"))
    assert edited.status_code == 200 and edited.get_json()["storage_fee"] == "95.000"
    assert_error(api("emofficer")._call("PUT", path, json=contract_json()), 404, "not_found")
    assert_error(api("officer")._call("PUT", path, json=contract_json(
        lines=[{"material": "MAIZE", "facility": "GR-03", "quantity": "1"}])), 422, "validation_error")
    _act(api, "officer", made["id"], "submit")
    assert_error(api("officer")._call("PUT", path, json=contract_json()), 409, "illegal_transition")


def test_tenancy_another_bureau_and_another_enterprise_see_nothing(api, db):
    made = drafted(api)
    assert_error(api("emofficer").get(f"/contracts/{made['id']}"), 404, "not_found")
    assert_error(api("manager").get(f"/contracts/{made['id']}"), 404, "not_found")
    assert_error(api("coldmanager").get(f"/contracts/{made['id']}"), 404, "not_found")
    assert made["id"] not in {c["id"] for c in api("coldmanager").get("/contracts").get_json()["items"]}
    assert api("gov").get(f"/contracts/{made['id']}").status_code == 200
    assert_error(api("emofficer").post("/contracts", json=contract_json("CT-T-EM")), 422, "validation_error")
    assert_error(api("clerk").post("/contracts", json=contract_json("CT-T-CL")), 403, "forbidden")
