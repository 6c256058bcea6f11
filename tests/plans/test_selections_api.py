"""How enterprises were selected (§二(五)1: 招标, 资格审查, 专家评审) and their qualification page over the API: the
record validated and audited, bad input writing nothing, and who sees which enterprise (§六(二) decision trail)."""
from __future__ import annotations

import pytest
from sqlmodel import select

from inventory.models import AuditEvent, EnterpriseSelection, Evaluation
from tests.helpers import assert_error, count_rows, org_coded


def _selection(**changes) -> dict:
    return {"enterprise": "ENT-BAZHOU", "method": "tender", "reference": "LFZB-2026-017", "decided_on": "2026-03-01",
            "valid_until": "2029-02-28", "note": "公开招标", **changes}


# §二(五)1: the bureau records the method, reference number and dates
def test_a_bureau_records_a_selection_audited(api, db):
    response = api("officer").post("/selections", json=_selection())
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["method"] == "tender" and body["bureau_id"] == org_coded(db, "BUR-GRAIN").id
    assert db.get(EnterpriseSelection, body["id"]).reference == "LFZB-2026-017"
    assert set(db.exec(select(AuditEvent.action).where(AuditEvent.entity == "selection"))) == {"selection.record"}
    listed = api("officer").get("/selections?enterprise=ENT-BAZHOU").get_json()["items"]
    assert body["id"] in [row["id"] for row in listed]


@pytest.mark.parametrize(("change", "status", "field"), [
    ({"valid_until": "2026-02-01"}, 422, "valid_until"),
    ({"enterprise": "BUR-GRAIN"}, 422, "enterprise"),
    ({"method": "lottery"}, 422, "method"),
    ({"reference": ""}, 422, "reference"),
])
def test_bad_selections_write_nothing(api, db, change, status, field):
    before = count_rows(db, EnterpriseSelection)
    error = assert_error(api("officer").post("/selections", json=_selection(**change)), status, "validation_error")
    assert field in error["fields"]
    assert count_rows(db, EnterpriseSelection) == before


def test_only_bureau_staff_record(api, db):
    assert_error(api("manager").post("/selections", json=_selection()), 403, "forbidden")
    assert_error(api("coordinator").post("/selections", json=_selection()), 403, "forbidden")


# §六(二): the qualification state and its decision trail, scoped
def test_the_qualification_page_lists_selections_state_contracts_and_evaluations(api, db):
    api("officer").post("/selections", json=_selection())
    db.add(Evaluation(enterprise_id=org_coded(db, "ENT-BAZHOU").id, year=2025, computed_score=88))
    db.commit()
    body = api("officer").get("/enterprises/ENT-BAZHOU/qualification").get_json()
    assert body["state"] == "qualified" and "LFZB-2026-017" in [s["reference"] for s in body["selections"]]
    assert body["decisions"] == [] and body["evaluations"][0]["year"] == 2025
    assert "LFLS-2026-002" in [c["number"] for c in body["contracts"]]


def test_who_reads_an_enterprises_qualification(api, db):
    assert api("manager").get("/enterprises/ENT-GRAIN/qualification").status_code == 200
    assert_error(api("manager").get("/enterprises/ENT-COLD/qualification"), 404, "not_found")
    # the emergency bureau neither selected, contracts with nor has materials kept by ENT-GRAIN
    assert_error(api("emofficer").get("/enterprises/ENT-GRAIN/qualification"), 404, "not_found")
    assert api("emofficer").get("/enterprises/ENT-RELIEF/qualification").status_code == 200
    assert_error(api("officer").get("/enterprises/BUR-GRAIN/qualification"), 404, "not_found")
    assert_error(api("blood").get("/enterprises/ENT-GRAIN/qualification"), 403, "forbidden")
