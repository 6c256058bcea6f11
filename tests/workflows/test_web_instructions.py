"""Instructions through the pages: the release instruction an approved 300 t wheat dispatch sends the grain
enterprise is acknowledged and executed in goes (per lot, then first expiry, first out), refused with a reason
(recorded as a violation) or called off by the bureau; the bureau consents to another lot and issues its own
instructions; bad input is shown on the form and writes nothing; only the steps a reader may take are offered; an
instruction of another enterprise or bureau is a 404."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from inventory.core.clock import business_today
from inventory.models import AuditEvent, Instruction, InstructionLot, Lot, Movement, Violation, WorkflowStep
from tests.helpers import count_rows, org_coded
from tests.workflows import dispatching

STEP_FORMS = ("instruction-acknowledge-form", "instruction-refuse-form", "instruction-cancel-form",
              "instruction-execute-form", "instruction-consent-form")


def text(response) -> str:
    return response.get_data(as_text=True)


def offered(page: str) -> set[str]:
    return {name for name in STEP_FORMS if f'id="{name}"' in page}


def field_errors(page: str, name: str) -> list[str]:
    cell = re.search(rf'<(?:input|select|textarea)[^>]*name="{re.escape(name)}"[^>]*>(.*?)</div>\s*</div>', page,
                     re.S)
    assert cell, f"no field {name}"
    return re.findall(r'<div class="invalid-feedback[^"]*">(.*?)</div>', cell.group(0), re.S)


def written(db, *, audit: bool = True) -> tuple[int, ...]:
    """What any write would add to (logging in is audited: ``audit=False`` leaves the audit trail out)."""
    models = (Instruction, InstructionLot, Movement, WorkflowStep, Violation, Lot, *((AuditEvent,) if audit else ()))
    return tuple(count_rows(db, model) for model in models)


def fresh(db, row: Instruction) -> Instruction:
    db.expire_all()
    return db.get(Instruction, row.id)


@pytest.fixture
def english(client):
    client.get("/lang/en")
    return client


@pytest.fixture
def dispatched(app, db):
    """An approved dispatch of 300 t of wheat: executing, with its release instruction out to ENT-GRAIN."""
    with app.test_request_context("/"):
        row = dispatching.act(db, dispatching.cosigned(db), "gov", "approve", "同意动用")
    assert row.status == "executing"
    return row


@pytest.fixture
def instruction(db, dispatched) -> Instruction:
    rows = db.exec(select(Instruction).where(Instruction.dispatch_id == dispatched.id)).all()
    assert len(rows) == 1 and rows[0].enterprise_id == org_coded(db, "ENT-GRAIN").id
    return rows[0]


@pytest.fixture
def acknowledged(login_as, db, instruction) -> Instruction:
    response = login_as("clerk").post(f"/instructions/{instruction.id}/acknowledge")
    assert response.status_code == 302
    assert fresh(db, instruction).status == "acknowledged"
    return fresh(db, instruction)


def test_the_list_is_scoped_and_filters(login_as, db, english, instruction):
    for username in ("clerk", "officer", "approver", "gov", "coordinator"):
        page = text(login_as(username).get("/instructions/"))
        assert f'data-instruction-id="{instruction.id}"' in page, username
    for username in ("coldclerk", "reliefclerk", "emofficer"):
        assert f'data-instruction-id="{instruction.id}"' not in text(login_as(username).get("/instructions/"))
    assert login_as("blood").get("/instructions/").status_code == 403
    officer = login_as("officer")
    assert f'data-instruction-id="{instruction.id}"' in text(officer.get("/instructions/?status=issued&kind=release"))
    assert f'data-instruction-id="{instruction.id}"' not in text(officer.get("/instructions/?status=executed"))
    assert f'data-instruction-id="{instruction.id}"' not in text(officer.get("/instructions/?kind=receive"))
    assert officer.get("/instructions/?status=nonsense").status_code == 200
    assert 'id="new-instruction"' in text(officer.get("/instructions/"))
    assert 'id="new-instruction"' not in text(login_as("clerk").get("/instructions/"))
    assert 'href="/instructions/"' in text(login_as("clerk").get("/")), "the navigation leads to the instructions"


def test_another_enterprise_or_bureau_gets_404(login_as, db, instruction):
    before = written(db, audit=False)
    for username in ("coldclerk", "reliefclerk", "emofficer", "emapprover"):
        client = login_as(username)
        assert client.get(f"/instructions/{instruction.id}").status_code == 404, username
        assert client.post(f"/instructions/{instruction.id}/acknowledge").status_code == 404, username
        assert client.post(f"/instructions/{instruction.id}/cancel", data={"cancel-note": "x"}).status_code == 404
    assert login_as("coldclerk").post(f"/instructions/{instruction.id}/execute").status_code == 404
    assert login_as("clerk").get("/instructions/999999").status_code == 404
    assert (fresh(db, instruction).status, written(db, audit=False)) == ("issued", before)


@pytest.mark.parametrize(("username", "shown"), [
    ("clerk", {"instruction-acknowledge-form", "instruction-refuse-form"}),
    ("manager", {"instruction-acknowledge-form", "instruction-refuse-form"}),
    ("officer", {"instruction-cancel-form"}),
    ("approver", {"instruction-cancel-form", "instruction-consent-form"}),
    ("gov", set()), ("coordinator", set()), ("viewer", set()),
])
def test_only_the_steps_a_reader_may_take_are_offered(login_as, instruction, username, shown):
    page = login_as(username).get(f"/instructions/{instruction.id}")
    assert page.status_code == 200
    assert offered(text(page)) == shown


def test_the_page_shows_the_instruction_its_lots_and_timeline(login_as, db, english, dispatched, instruction):
    page = text(login_as("clerk").get(f"/instructions/{instruction.id}"))
    assert instruction.code in page and f'href="/dispatches/{dispatched.id}"' in page
    lots = page.split('id="instruction-lots"')[1].split("</table>")[0]
    assert 'data-lot-code="WH-2024-001"' in lots
    assert re.findall(r'data-step="(\w+)"', page.split('id="instruction-timeline"')[1]) == ["request"]
    dispatch_page = text(login_as("clerk").get(f"/dispatches/{dispatched.id}"))
    assert f'href="/instructions/{instruction.id}"' in dispatch_page


def test_acknowledge_then_execute_in_two_goes(login_as, db, english, instruction):
    clerk = login_as("clerk")
    assert "acknowledged" in text(clerk.post(f"/instructions/{instruction.id}/acknowledge", follow_redirects=True))
    page = text(clerk.get(f"/instructions/{instruction.id}"))
    assert offered(page) == {"instruction-execute-form", "instruction-refuse-form"}
    lot = db.exec(select(Lot).where(Lot.lot_code == "WH-2024-001")).one()
    on_hand = lot.on_hand
    done = clerk.post(f"/instructions/{instruction.id}/execute", data={f"execute-lot_{lot.id}": "120",
                                                                         "execute-note": "第一批"})
    assert done.status_code == 302
    row = fresh(db, instruction)
    assert (row.status, row.executed) == ("acknowledged", Decimal("120"))
    db.refresh(lot)
    assert lot.on_hand == on_hand - 120
    movements = db.exec(select(Movement).where(Movement.ref_type == "instruction", Movement.ref_id == row.id)).all()
    assert [(m.kind, m.quantity) for m in movements] == [("dispatch", Decimal("-120"))]

    # the rest, first expiry first out: every lot input left empty
    assert clerk.post(f"/instructions/{instruction.id}/execute", data={"execute-note": ""}).status_code == 302
    row = fresh(db, instruction)
    assert (row.status, row.executed) == ("executed", Decimal("300"))
    page = text(clerk.get(f"/instructions/{instruction.id}"))
    assert len(re.findall(r'data-movement-id="', page)) == 2 and offered(page) == set()
    assert re.findall(r'data-step="(\w+)"', page.split('id="instruction-timeline"')[1]) == [
        "request", "acknowledge", "execute", "execute", "execute"]


def test_bad_executions_are_shown_and_write_nothing(login_as, db, english, acknowledged):
    clerk = login_as("clerk")
    lot = db.exec(select(Lot).where(Lot.lot_code == "WH-2024-001")).one()
    before = written(db)
    for value in ("abc", "-5", "0"):
        response = clerk.post(f"/instructions/{acknowledged.id}/execute", data={f"execute-lot_{lot.id}": value})
        assert response.status_code == 422, value
        assert field_errors(text(response), f"execute-lot_{lot.id}"), value
    over = clerk.post(f"/instructions/{acknowledged.id}/execute", data={f"execute-lot_{lot.id}": "300.001"})
    assert over.status_code == 422 and "Nothing was saved" in text(over)
    assert (fresh(db, acknowledged).executed, written(db)) == (Decimal(0), before)


def test_a_lot_outside_the_instruction_needs_the_bureaus_consent(login_as, db, english, acknowledged):
    other = db.exec(select(Lot).where(Lot.lot_code == "WH-2025-014")).one()
    approver = login_as("approver")
    page = text(approver.get(f"/instructions/{acknowledged.id}"))
    assert f'<option value="{other.id}">' in page.split('id="instruction-consent-form"')[1]
    before = written(db)
    refused = approver.post(f"/instructions/{acknowledged.id}/consent", data={"consent-lot": "abc"})
    assert refused.status_code == 422 and written(db) == before
    foreign = db.exec(select(Lot).where(Lot.lot_code == "TENT-2020-01")).one()
    refused = approver.post(f"/instructions/{acknowledged.id}/consent", data={"consent-lot": str(foreign.id)})
    assert refused.status_code == 422 and written(db) == before
    assert approver.post(f"/instructions/{acknowledged.id}/consent", data={"consent-lot": str(other.id)}).status_code == 302
    linked = db.exec(select(InstructionLot).where(InstructionLot.instruction_id == acknowledged.id,
                                                  InstructionLot.lot_id == other.id)).one()
    assert linked.added_by is not None
    clerk = login_as("clerk")
    assert f"execute-lot_{other.id}" in text(clerk.get(f"/instructions/{acknowledged.id}"))
    assert clerk.post(f"/instructions/{acknowledged.id}/execute",
                      data={f"execute-lot_{other.id}": "10"}).status_code == 302
    assert fresh(db, acknowledged).executed == Decimal("10")


def test_a_refusal_needs_a_reason_and_is_recorded_against_the_enterprise(login_as, db, english, instruction):
    clerk = login_as("clerk")
    before = written(db)
    response = clerk.post(f"/instructions/{instruction.id}/refuse", data={"refuse-note": ""})
    assert response.status_code == 422 and written(db) == before
    assert clerk.post(f"/instructions/{instruction.id}/refuse", data={"refuse-note": "仓储设备检修"}).status_code == 302
    row = fresh(db, instruction)
    assert (row.status, row.refusal_reason) == ("refused", "仓储设备检修")
    violation = db.exec(select(Violation).where(Violation.source_type == "instruction",
                                                Violation.source_id == row.id)).one()
    assert violation.enterprise_id == row.enterprise_id
    assert offered(text(clerk.get(f"/instructions/{instruction.id}"))) == set()


def test_the_bureau_calls_an_instruction_off_with_a_reason(login_as, db, instruction):
    officer = login_as("officer")
    assert officer.post(f"/instructions/{instruction.id}/cancel", data={"cancel-note": ""}).status_code == 422
    assert fresh(db, instruction).status == "issued"
    assert login_as("clerk").post(f"/instructions/{instruction.id}/cancel",
                                  data={"cancel-note": "x"}).status_code == 403
    assert login_as("officer").post(f"/instructions/{instruction.id}/cancel",
                                    data={"cancel-note": "灾情缓解"}).status_code == 302
    assert (fresh(db, instruction).status, fresh(db, instruction).cancel_note) == ("cancelled", "灾情缓解")


def test_an_executed_instruction_is_not_executed_again(login_as, db, english, acknowledged):
    clerk = login_as("clerk")
    assert clerk.post(f"/instructions/{acknowledged.id}/execute", data={}).status_code == 302
    before = written(db)
    again = clerk.post(f"/instructions/{acknowledged.id}/execute", data={})
    assert again.status_code == 422 and written(db) == before


def issue_data(**overrides) -> dict[str, str]:
    data = {"kind": "release", "enterprise": "ENT-GRAIN", "material": "WHEAT", "quantity": "50",
            "deadline": (business_today() + timedelta(days=10)).isoformat(), "reason": "轮换出库"}
    data.update(overrides)
    return data


def test_a_bureau_issues_its_own_instruction(login_as, db, english):
    officer = login_as("officer")
    form = text(officer.get("/instructions/new"))
    assert '<option value="WHEAT">' in form and '<option value="TENT">' not in form, "only its own remit"
    response = officer.post("/instructions/new", data=issue_data())
    assert response.status_code == 302
    row = db.exec(select(Instruction).order_by(Instruction.id.desc())).first()
    assert (row.kind, row.quantity, row.dispatch_id) == ("release", Decimal("50"), None)
    assert response.headers["Location"].endswith(f"/instructions/{row.id}")
    assert login_as("clerk").get("/instructions/new").status_code == 403
    assert login_as("gov").post("/instructions/new", data=issue_data()).status_code == 403


@pytest.mark.parametrize(("changes", "field"), [
    ({"quantity": "abc"}, "quantity"), ({"quantity": "-3"}, "quantity"),
    ({"deadline": (business_today() - timedelta(days=1)).isoformat()}, "deadline"),
    ({"material": "TENT"}, "material"), ({"enterprise": "GOV"}, "enterprise"),
    ({"quantity": "999999"}, "quantity"), ({"reason": ""}, "reason"), ({"deadline": "someday"}, "deadline"),
])
def test_a_bad_instruction_is_shown_on_its_field_and_writes_nothing(login_as, db, english, changes, field):
    officer = login_as("officer")
    before = written(db)
    response = officer.post("/instructions/new", data=issue_data(**changes))
    assert response.status_code == 422
    assert field_errors(text(response), field)
    assert written(db) == before


def test_a_receive_instruction_is_executed_by_a_receipt(login_as, db, english):
    officer = login_as("officer")
    assert officer.post("/instructions/new", data=issue_data(kind="receive", quantity="80")).status_code == 302
    row = db.exec(select(Instruction).order_by(Instruction.id.desc())).first()
    clerk = login_as("clerk")
    assert clerk.post(f"/instructions/{row.id}/acknowledge").status_code == 302
    page = text(clerk.get(f"/instructions/{row.id}"))
    assert 'name="execute-facility"' in page and '<option value="GR-01">' in page
    receipt = {"execute-facility": "GR-01", "execute-lot_code": "WH-2026-R1", "execute-quantity": "80",
               "execute-inspection_result": "passed"}
    before = written(db)
    bad = clerk.post(f"/instructions/{row.id}/execute", data={**receipt, "execute-lot_code": ""})
    assert bad.status_code == 422 and field_errors(text(bad), "execute-lot_code")
    too_much = clerk.post(f"/instructions/{row.id}/execute", data={**receipt, "execute-quantity": "81"})
    assert too_much.status_code == 422
    assert written(db) == before
    assert clerk.post(f"/instructions/{row.id}/execute", data=receipt).status_code == 302
    row = fresh(db, row)
    assert (row.status, row.executed) == ("executed", Decimal("80"))
    lot = db.exec(select(Lot).where(Lot.lot_code == "WH-2026-R1")).one()
    assert lot.on_hand == Decimal("80")


def test_the_inbox_entry_leads_to_the_instruction_page(login_as, instruction):
    assert f'href="/instructions/{instruction.id}"' in text(login_as("clerk").get("/inbox/"))
