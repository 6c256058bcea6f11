"""The contract and qualification pages (§二(五)1–2): the draft form with lines and its errors on the row, the
contract's page showing only the reader's steps, signing from the page, and tenancy (404)."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from inventory.core.clock import business_today
from inventory.models import ContractLine, EnterpriseSelection, StorageContract
from tests.helpers import count_rows
from tests.plans.contracting import drafted


def _form(**changes) -> dict:
    today = business_today()
    data = {"number": "CT-W-001", "enterprise": "ENT-GRAIN", "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=365)).isoformat(), "storage_fee": "60",
            "lines-0-material": "RICE", "lines-0-facility": "GR-03", "lines-0-quantity": "500",
            "lines-0-quality_standard": "GB 1350", "rotation_window_days": "60", "rotation_floor_share": "0.7"}
    return {**data, **changes}


# §二(五)2: the bureau drafts, submits; both sign from the page
def test_a_contract_is_drafted_submitted_and_signed_on_the_web(client, login_as, db):
    page = login_as("officer").get("/contracts/new")
    assert page.status_code == 200 and b"contract-lines" in page.data
    response = client.post("/contracts/new", data=_form())
    assert response.status_code == 302, response.data.decode()[:2000]
    row = db.exec(select(StorageContract).where(StorageContract.number == "CT-W-001")).one()
    shown = client.get(f"/contracts/{row.id}").data.decode()
    assert 'data-action="submit"' in shown and 'data-action="sign"' not in shown and "edit-contract" in shown
    client.post(f"/contracts/{row.id}/steps", data={"action": "submit"})
    client.get("/logout")
    approver = login_as("approver").get(f"/contracts/{row.id}").data.decode()
    assert 'data-action="sign"' in approver and 'data-action="terminate"' not in approver
    assert b"CT-W-001" in client.get("/inbox/").data  # awaiting the approver's signature
    client.post(f"/contracts/{row.id}/steps", data={"action": "sign"})
    client.get("/logout")
    login_as("manager").post(f"/contracts/{row.id}/steps", data={"action": "sign"})
    db.expire_all()
    assert db.get(StorageContract, row.id).status == "active"


def test_a_facility_of_another_enterprise_is_marked_on_its_row_and_nothing_is_saved(client, login_as, db):
    login_as("officer").get("/lang/en")
    before = count_rows(db, StorageContract), count_rows(db, ContractLine)
    response = client.post("/contracts/new", data=_form(**{"lines-0-facility": "BZ-01"}))
    assert response.status_code == 422
    assert b"not a facility of the contracted enterprise" in response.data
    assert (count_rows(db, StorageContract), count_rows(db, ContractLine)) == before


def test_pages_are_scoped(client, login_as, api):
    made = drafted(api)
    assert login_as("emofficer").get(f"/contracts/{made['id']}").status_code == 404
    assert client.get("/qualifications/ENT-GRAIN").status_code == 404
    client.get("/logout")
    assert login_as("manager").get(f"/contracts/{made['id']}").status_code == 404
    assert client.get("/contracts/new").status_code == 403
    assert client.get("/qualifications/ENT-GRAIN").status_code == 200


# §二(五)1: the selection is recorded on the web and shown on the qualification page
def test_a_selection_is_recorded_and_shown(client, login_as, db):
    login_as("officer")
    before = count_rows(db, EnterpriseSelection)
    response = client.post("/qualifications/selections/new", data={
        "enterprise": "ENT-BAZHOU", "method": "expert_review", "reference": "ZJPS-2026-03",
        "decided_on": "2026-04-01", "valid_until": "2026-03-01"})
    assert response.status_code == 422 and count_rows(db, EnterpriseSelection) == before
    response = client.post("/qualifications/selections/new", data={
        "enterprise": "ENT-BAZHOU", "method": "expert_review", "reference": "ZJPS-2026-03",
        "decided_on": "2026-04-01"})
    assert response.status_code == 302
    assert "ZJPS-2026-03" in client.get("/qualifications/ENT-BAZHOU").data.decode()
    assert b"ENT-BAZHOU" in client.get("/qualifications/").data
