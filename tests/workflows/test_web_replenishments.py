"""Replenishments through the pages: a completed 300 t wheat dispatch proposes one for the grain enterprise; the
bureau's approver confirms it (adjusting quantity and due date), which instructs the enterprise to receive;
bad input writes nothing; another enterprise or bureau gets a 404; the stock summary shows what is still to come."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from inventory.core.clock import business_today
from inventory.models import AuditEvent, Instruction, Material, Replenishment, WorkflowStep
from inventory.services.workflows import engine, instructions
from tests.helpers import count_rows, org_coded, user_named
from tests.workflows import dispatching


def text(response) -> str:
    return response.get_data(as_text=True)


def written(db, *, audit: bool = True) -> tuple[int, ...]:
    models = (Replenishment, Instruction, WorkflowStep, *((AuditEvent,) if audit else ()))
    return tuple(count_rows(db, model) for model in models)


def fresh(db, row: Replenishment) -> Replenishment:
    db.expire_all()
    return db.get(Replenishment, row.id)


@pytest.fixture
def english(client):
    client.get("/lang/en")
    return client


@pytest.fixture
def completed(app, db):
    """The wheat dispatch approved, its instruction executed in full by the grain clerk, completed by the bureau."""
    with app.test_request_context("/"):
        row = dispatching.act(db, dispatching.cosigned(db), "gov", "approve", "同意动用")
        clerk = user_named(db, "clerk")
        for instruction in instructions.of_dispatch(db, row.id):
            engine.take(db, flow=instructions.INSTRUCTION, row_id=instruction.id, action="acknowledge", actor=clerk)
            instructions.execute(session=db, actor=clerk, instruction_id=instruction.id)
        db.commit()
        row = dispatching.act(db, row, "officer", "complete", "出库完毕")
    assert row.status == "completed"
    return row


@pytest.fixture
def proposed(db, completed) -> Replenishment:
    rows = db.exec(select(Replenishment).where(Replenishment.dispatch_id == completed.id)).all()
    assert [(r.status, r.quantity) for r in rows] == [("proposed", Decimal("300"))]
    return rows[0]


def test_the_dispatch_page_lists_its_replenishments(login_as, completed, proposed):
    page = text(login_as("officer").get(f"/dispatches/{completed.id}"))
    assert f'href="/replenishments/{proposed.id}"' in page.split('id="dispatch-replenishments"')[1]


def test_the_list_is_scoped_and_filters(login_as, english, proposed):
    for username in ("clerk", "officer", "approver", "gov", "coordinator"):
        assert f'data-replenishment-id="{proposed.id}"' in text(login_as(username).get("/replenishments/")), username
    for username in ("coldclerk", "reliefclerk", "emofficer"):
        assert f'data-replenishment-id="{proposed.id}"' not in text(login_as(username).get("/replenishments/"))
    assert login_as("blood").get("/replenishments/").status_code == 403
    approver = login_as("approver")
    assert f'data-replenishment-id="{proposed.id}"' in text(approver.get("/replenishments/?status=proposed"))
    assert f'data-replenishment-id="{proposed.id}"' not in text(approver.get("/replenishments/?status=fulfilled"))
    assert 'href="/replenishments/"' in text(approver.get("/"))


def test_another_enterprise_or_bureau_gets_404(login_as, db, proposed):
    before = written(db, audit=False)
    for username in ("coldclerk", "reliefclerk", "emofficer", "emapprover"):
        client = login_as(username)
        assert client.get(f"/replenishments/{proposed.id}").status_code == 404, username
        assert client.post(f"/replenishments/{proposed.id}/confirm", data={}).status_code == 404, username
    assert (fresh(db, proposed).status, written(db, audit=False)) == ("proposed", before)


@pytest.mark.parametrize(("username", "shown"), [
    ("approver", True), ("officer", False), ("clerk", False), ("gov", False), ("emapprover", None),
])
def test_only_the_bureaus_approver_is_offered_the_confirmation(login_as, proposed, username, shown):
    response = login_as(username).get(f"/replenishments/{proposed.id}")
    if shown is None:
        assert response.status_code == 404
        return
    page = text(response)
    assert ('id="replenishment-confirm-form"' in page) is shown
    if shown:
        assert f'value="{proposed.due_on.isoformat()}"' in page, "the due date is prefilled"


@pytest.mark.parametrize(("data", "field"), [
    ({"confirm-quantity": "abc"}, "quantity"), ({"confirm-quantity": "-1"}, "quantity"),
    ({"confirm-due_on": (business_today() - timedelta(days=1)).isoformat()}, "due_on"),
    ({"confirm-due_on": "not a date"}, "due_on"), ({"confirm-note": "x" * 501}, "note"),
])
def test_a_bad_confirmation_is_shown_and_writes_nothing(login_as, db, english, proposed, data, field):
    approver = login_as("approver")
    before = written(db)
    response = approver.post(f"/replenishments/{proposed.id}/confirm", data=data)
    assert response.status_code == 422
    page = text(response)
    cell = re.search(rf'name="confirm-{field}"[^>]*>(.*?)</div>\s*</div>', page, re.S)
    assert cell and 'class="invalid-feedback"' in cell.group(1), field
    assert (fresh(db, proposed).status, written(db)) == ("proposed", before)


def test_confirming_adjusts_and_instructs_the_enterprise(login_as, db, english, proposed):
    assert login_as("officer").post(f"/replenishments/{proposed.id}/confirm", data={}).status_code == 403
    due = business_today() + timedelta(days=20)
    approver = login_as("approver")
    response = approver.post(f"/replenishments/{proposed.id}/confirm",
                             data={"confirm-quantity": "280", "confirm-due_on": due.isoformat(),
                                   "confirm-note": "按计划补足"}, follow_redirects=True)
    assert response.status_code == 200 and "confirmed" in text(response)
    row = fresh(db, proposed)
    assert (row.status, row.quantity, row.due_on, row.confirm_note) == ("confirmed", Decimal("280"), due, "按计划补足")
    instruction = db.exec(select(Instruction).where(Instruction.replenishment_id == row.id)).one()
    assert (instruction.kind, instruction.quantity, instruction.deadline) == ("receive", Decimal("280"), due)
    page = text(approver.get(f"/replenishments/{row.id}"))
    assert f'href="/instructions/{instruction.id}"' in page and 'id="replenishment-confirm-form"' not in page
    assert re.findall(r'data-step="(\w+)"', page.split('id="replenishment-timeline"')[1]) == ["request", "confirm"]
    instruction_page = text(login_as("clerk").get(f"/instructions/{instruction.id}"))
    assert f'href="/replenishments/{row.id}"' in instruction_page


def test_the_inbox_entry_leads_to_the_replenishment_page(login_as, proposed):
    assert f'href="/replenishments/{proposed.id}"' in text(login_as("approver").get("/inbox/"))


def test_the_stock_summary_shows_what_is_to_replenish(login_as, db, english, proposed):
    page = text(login_as("officer").get("/stock/summary"))
    assert 'id="to-replenish-column"' in page
    row = re.search(r'<tr data-key="WHEAT">(.*?)</tr>', page, re.S).group(1)
    assert re.search(r'class="text-end to-replenish">300(\.000)?<', row), row
    rice = re.search(r'<tr data-key="RICE">(.*?)</tr>', page, re.S).group(1)
    assert 'class="text-end to-replenish">—<' in rice
    assert 'id="to-replenish-column"' not in text(login_as("officer").get("/stock/summary?group_by=enterprise"))
    clerk_page = text(login_as("clerk").get("/stock/summary"))
    assert re.search(r'<tr data-key="WHEAT">.*?to-replenish">300', clerk_page, re.S)
    cold_page = text(login_as("coldclerk").get("/stock/summary"))
    assert "to-replenish\">300" not in cold_page, "another enterprise's replenishment is not shown"


def test_a_material_with_nothing_on_hand_still_shows_what_is_to_replenish(login_as, db):
    """Stock dispatched to the last unit leaves no lot on hand: the summary still lists the material."""
    material = db.exec(select(Material).where(Material.code == "PORK-FZ")).one()
    db.add(Replenishment(code="RP-TEST-1", source="dispatch", material_id=material.id,
                         enterprise_id=org_coded(db, "ENT-GRAIN").id, quantity=Decimal("12.5"),
                         due_on=business_today() + timedelta(days=30)))
    db.commit()
    page = text(login_as("clerk").get("/stock/summary"))
    row = re.search(r'<tr data-key="PORK-FZ">(.*?)</tr>', page, re.S).group(1)
    assert re.search(r'to-replenish">12\.5', row), row
    cold = re.search(r'<tr data-key="PORK-FZ">(.*?)</tr>', text(login_as("coldclerk").get("/stock/summary")),
                     re.S).group(1)
    assert 'to-replenish">—<' in cold, "another enterprise's replenishment is not counted"


def test_after_a_refusal_the_bureau_instructs_the_enterprise_again_from_the_page(login_as, db, english, proposed):
    approver = login_as("approver")
    approver.post(f"/replenishments/{proposed.id}/confirm", data={"confirm-note": "同意"})
    first = db.exec(select(Instruction).where(Instruction.replenishment_id == proposed.id)).one()
    assert 'id="replenishment-reinstruct-form"' not in text(approver.get(f"/replenishments/{proposed.id}"))
    clerk = login_as("clerk")
    clerk.post(f"/instructions/{first.id}/refuse", data={"refuse-note": "仓容不足"})
    db.expire_all()
    assert db.get(Instruction, first.id).status == "refused"
    officer = login_as("officer")
    assert 'id="replenishment-reinstruct-form"' in text(officer.get(f"/replenishments/{proposed.id}"))
    assert login_as("emofficer").post(f"/replenishments/{proposed.id}/reinstruct").status_code == 404
    response = login_as("officer").post(f"/replenishments/{proposed.id}/reinstruct", follow_redirects=True)
    assert response.status_code == 200
    again = db.exec(select(Instruction).where(Instruction.replenishment_id == proposed.id,
                                              Instruction.id != first.id)).one()
    assert (again.kind, again.quantity, again.status) == ("receive", Decimal("300"), "issued")
