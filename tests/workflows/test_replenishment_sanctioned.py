"""A replenishment proposed for an enterprise whose storage qualification is suspended or revoked
(reserve-materials-measures §六(二): such an enterprise receives no new reserve lots): flagged on its page and in the
list, refused (409 ``enterprise_sanctioned``) when confirmed to a barred enterprise, and confirmed instead to another
enterprise that may store the material, chosen by the bureau's approver."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import select

from inventory.models import AuditEvent, Instruction, Qualification, Replenishment, WorkflowStep
from inventory.services.workflows import engine, instructions
from tests.helpers import assert_error, count_rows, org_coded, user_named
from tests.workflows import dispatching


def text(response) -> str:
    return response.get_data(as_text=True)


def written(db) -> tuple[int, ...]:
    return tuple(count_rows(db, model) for model in (Replenishment, Instruction, WorkflowStep, AuditEvent))


def bar(db, code: str, state: str) -> None:
    db.add(Qualification(enterprise_id=org_coded(db, code).id, state=state))
    db.commit()


@pytest.fixture
def proposed(app, db) -> Replenishment:
    """A completed 300 t wheat dispatch of ENT-GRAIN proposes its replenishment (tests/workflows/dispatching.py)."""
    with app.test_request_context("/"):
        row = dispatching.act(db, dispatching.cosigned(db), "gov", "approve", "同意动用")
        clerk = user_named(db, "clerk")
        for instruction in instructions.of_dispatch(db, row.id):
            engine.take(db, flow=instructions.INSTRUCTION, row_id=instruction.id, action="acknowledge", actor=clerk)
            instructions.execute(session=db, actor=clerk, instruction_id=instruction.id)
        db.commit()
        row = dispatching.act(db, row, "officer", "complete", "出库完毕")
    return db.exec(select(Replenishment).where(Replenishment.dispatch_id == row.id)).one()


@pytest.mark.parametrize("state", ["suspended", "revoked"])
def test_a_barred_enterprise_is_flagged_on_the_page_and_in_the_list(login_as, client, db, proposed, state):
    bar(db, "ENT-GRAIN", state)
    client = login_as("approver")
    client.get("/lang/en")
    page = text(client.get(f"/replenishments/{proposed.id}"))
    assert f'id="replenishment-enterprise-barred" data-state="{state}"' in page
    assert 'id="replenishment-barred-warning"' in page
    options = page.split('name="confirm-enterprise"', 1)[1].split("</select>", 1)[0]
    assert 'value="ENT-BAZHOU"' in options and 'value="ENT-GRAIN"' not in options
    assert 'value="ENT-COLD"' not in options, "it has no facility that stores grain"
    listed = text(client.get("/replenishments/"))
    row = listed.split(f'data-replenishment-id="{proposed.id}"', 1)[1].split("</tr>", 1)[0]
    assert f'data-barred="{state}"' in row


def test_a_qualified_or_interviewed_enterprise_is_not_flagged(login_as, db, proposed):
    bar(db, "ENT-GRAIN", "interviewed")
    page = text(login_as("approver").get(f"/replenishments/{proposed.id}"))
    assert "replenishment-enterprise-barred" not in page and "replenishment-barred-warning" not in page
    assert "data-barred" not in text(login_as("approver").get("/replenishments/"))


def test_confirming_to_a_barred_enterprise_is_refused_and_writes_nothing(api, db, proposed):
    """§六(二): a suspended enterprise receives no new lots, so its replenishment is not instructed to it."""
    bar(db, "ENT-GRAIN", "suspended")
    approver = api("approver")
    before = written(db)
    response = approver.post(f"/replenishments/{proposed.id}/actions/confirm", json={"note": "同意"})
    assert "廊坊市粮食储备库有限公司" in assert_error(response, 409, "enterprise_sanctioned")["message"]
    assert written(db) == before
    bar(db, "ENT-BAZHOU", "revoked")
    assert_error(approver.post(f"/replenishments/{proposed.id}/actions/confirm",
                               json={"enterprise": "ENT-BAZHOU"}), 409, "enterprise_sanctioned")
    db.expire_all()
    assert (db.get(Replenishment, proposed.id).status, written(db)) == ("proposed", before)


def test_a_qualified_enterprise_may_not_be_confirmed_to_a_barred_one(api, db, proposed):
    bar(db, "ENT-BAZHOU", "suspended")
    approver = api("approver")
    before = written(db)
    assert_error(approver.post(f"/replenishments/{proposed.id}/actions/confirm",
                                      json={"enterprise": "ENT-BAZHOU"}), 409, "enterprise_sanctioned")
    assert written(db) == before


@pytest.mark.parametrize("code", ["ENT-COLD", "BUR-GRAIN", "NOPE"])
def test_another_enterprise_must_be_one_that_stores_the_material(api, db, proposed, code):
    bar(db, "ENT-GRAIN", "suspended")
    approver = api("approver")
    before = written(db)
    body = assert_error(approver.post(f"/replenishments/{proposed.id}/actions/confirm",
                                      json={"enterprise": code}), 422, "validation_error")
    assert set(body["fields"]) == {"enterprise"}
    assert written(db) == before


def test_the_approver_confirms_it_to_another_qualified_enterprise(api, login_as, db, proposed):
    bar(db, "ENT-GRAIN", "revoked")
    detail = api("approver").get(f"/replenishments/{proposed.id}").get_json()
    assert detail["enterprise_qualification"] == "revoked"
    response = login_as("approver").post(f"/replenishments/{proposed.id}/confirm", data={
        "confirm-enterprise": "ENT-BAZHOU", "confirm-quantity": "250", "confirm-note": "改由霸州粮油储备补充"})
    assert response.status_code == 302, text(response)
    db.expire_all()
    row = db.get(Replenishment, proposed.id)
    bazhou = org_coded(db, "ENT-BAZHOU").id
    assert (row.status, row.enterprise_id, row.quantity) == ("confirmed", bazhou, Decimal("250"))
    instruction = db.exec(select(Instruction).where(Instruction.replenishment_id == row.id)).one()
    assert (instruction.kind, instruction.enterprise_id, instruction.quantity) == ("receive", bazhou, Decimal("250"))
    adjusted = db.exec(select(AuditEvent).where(AuditEvent.action == "replenishment.adjust",
                                                AuditEvent.entity_id == row.id)).one()
    assert (adjusted.before["enterprise_id"], adjusted.after["enterprise_id"]) == (
        org_coded(db, "ENT-GRAIN").id, bazhou)
    assert login_as("clerk").get(f"/replenishments/{row.id}").status_code == 404, "no longer ENT-GRAIN's"
