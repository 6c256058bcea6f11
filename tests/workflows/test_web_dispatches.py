"""Dispatch plans through the pages: drafted and edited by the grain bureau, submitted, co-signed by the development
and reform commission, the finance bureau and the bureau's approver, approved by the government; rejected with a
reason back to draft; bad input shown on the form with nothing written; only the steps a reader may take offered;
a plan another bureau or an enterprise without allocations may not see is a 404."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from inventory.core.clock import business_today
from inventory.models import (
    AuditEvent, Dispatch, DispatchAllocation, DispatchLine, DispatchRecovery, EmergencyAuthorisation, Instruction, Lot,
    Replenishment, WorkflowStep,
)
from tests.helpers import count_rows, org_coded, user_named

ACTION_FORMS = ("dispatch-submit-form", "dispatch-approve-form", "dispatch-reject-form", "dispatch-cancel-form")


def plan_data(**overrides) -> dict[str, str]:
    """The plan form: 300 t of wheat at 2,800 yuan a tonne for Bazhou, in the first line row."""
    data = {
        "trigger": "emergency", "trigger_description": "霸州洪涝灾害，受灾群众口粮保障",
        "recipients": "霸州市应急管理局（受灾群众安置点）", "district": "bazhou", "address": "霸州市胜芳镇安置点",
        "transport": "承储企业自有车辆运输，交警护送",
        "requested_on": (business_today() + timedelta(days=3)).isoformat(),
        "lines-0-material": "WHEAT", "lines-0-quantity": "300", "lines-0-unit_price": "2800", "lines-0-price_note": "",
    }
    data.update(overrides)
    return data


def the_dispatch(db) -> Dispatch:
    db.expire_all()
    return db.exec(select(Dispatch).order_by(Dispatch.id.desc())).first()


def text(response) -> str:
    return response.get_data(as_text=True)


def offered(page: str) -> set[str]:
    """The step forms a page shows."""
    return {name for name in ACTION_FORMS if f'id="{name}"' in page}


def field_errors(page: str, name: str) -> list[str]:
    """The messages under the form field called ``name``."""
    cell = re.search(rf'<(?:input|select|textarea)[^>]*name="{re.escape(name)}"[^>]*>(.*?)</(?:td|div)>', page, re.S)
    assert cell, f"no field {name}"
    return re.findall(r'<div class="invalid-feedback[^"]*">(.*?)</div>', cell.group(0), re.S)


def trail(db) -> tuple[int, int, int, int]:
    return (count_rows(db, Dispatch), count_rows(db, DispatchLine), count_rows(db, WorkflowStep),
            count_rows(db, AuditEvent))


@pytest.fixture
def english(client):
    client.get("/lang/en")
    return client


@pytest.fixture
def drafted(login_as, db) -> Dispatch:
    response = login_as("officer").post("/dispatches/new", data=plan_data())
    assert response.status_code == 302
    row = the_dispatch(db)
    assert response.headers["Location"].endswith(f"/dispatches/{row.id}")
    return row


def step(client, row: Dispatch, action: str, note: str | None = None):
    data = {f"{action}-note": note} if note is not None else {}
    return client.post(f"/dispatches/{row.id}/{action}", data=data)


@pytest.fixture
def submitted(login_as, db, drafted) -> Dispatch:
    assert step(login_as("officer"), drafted, "submit").status_code == 302
    assert the_dispatch(db).status == "cosigning"
    return the_dispatch(db)


@pytest.fixture
def cosigned(login_as, db, submitted) -> Dispatch:
    for signer in ("coordinator", "finance", "approver"):
        assert step(login_as(signer), submitted, "approve", "同意").status_code == 302
    assert the_dispatch(db).status == "cosigned"
    return the_dispatch(db)


@pytest.fixture
def approved(login_as, db, cosigned) -> Dispatch:
    assert step(login_as("gov"), cosigned, "approve", "同意动用").status_code == 302
    assert the_dispatch(db).status == "executing", "approval sends the instructions out at once"
    return the_dispatch(db)


def test_the_list_and_the_form_open_for_those_who_may_see_and_draft(login_as, drafted):
    officer = login_as("officer")
    listed = text(officer.get("/dispatches/"))
    assert f'data-dispatch-id="{drafted.id}"' in listed and 'id="new-dispatch"' in listed
    assert 'href="/dispatches/"' in text(officer.get("/")), "the navigation leads to the dispatches"
    assert officer.get("/dispatches/new").status_code == 200
    for username in ("coordinator", "gov", "viewer"):
        page = text(login_as(username).get("/dispatches/"))
        assert f'data-dispatch-id="{drafted.id}"' in page
        assert ('id="new-dispatch"' in page) == (username == "coordinator")
    assert login_as("gov").get("/dispatches/new").status_code == 403
    assert login_as("blood").get("/dispatches/").status_code == 403


def test_the_chain_through_the_pages_from_draft_to_approval(login_as, db, english, drafted):
    officer = login_as("officer")
    page = text(officer.get(f"/dispatches/{drafted.id}"))
    assert 'data-material="WHEAT"' in page and '<th class="text-end text-nowrap" id="dispatch-total">840,000.00</th>' in page
    assert offered(page) == {"dispatch-submit-form", "dispatch-cancel-form"} and 'id="edit-dispatch"' in page
    assert 'id="dispatch-missing"' not in page
    assert "The plan is submitted" in text(officer.post(f"/dispatches/{drafted.id}/submit", follow_redirects=True))

    for signer, status in (("finance", "cosigned_1"), ("approver", "cosigned_2"), ("coordinator", "cosigned")):
        page = text(login_as(signer).get(f"/dispatches/{drafted.id}"))
        assert offered(page) == {"dispatch-approve-form", "dispatch-reject-form"}
        assert step(login_as(signer), drafted, "approve", f"{signer} 同意").status_code == 302
        assert the_dispatch(db).status == status

    gov = login_as("gov")
    page = text(gov.get(f"/dispatches/{drafted.id}"))
    assert offered(page) == {"dispatch-approve-form", "dispatch-reject-form"}
    assert 'id="allocation-preview"' in page and "Approve the dispatch" in page
    assert "its instructions sent" in text(gov.post(f"/dispatches/{drafted.id}/approve",
                                                    data={"approve-note": "同意动用"}, follow_redirects=True))
    row = the_dispatch(db)
    assert (row.status, row.approval_note) == ("executing", "同意动用")
    allocations = db.exec(select(DispatchAllocation).where(DispatchAllocation.dispatch_id == row.id)).all()
    assert sum(a.quantity for a in allocations) == Decimal("300")

    page = text(gov.get(f"/dispatches/{drafted.id}"))
    assert offered(page) == set() and 'id="dispatch-allocations"' in page
    signatures = page.split('id="dispatch-signatures"')[1].split("</table>")[0]
    for username in ("coordinator", "finance", "approver", "gov"):
        assert user_named(db, username).display_name in signatures
    timeline = page.split('id="dispatch-timeline"')[1].split("</table>")[0]
    assert re.findall(r'data-step="(\w+)"', timeline) == ["request", "submit", "approve", "approve", "approve",
                                                          "approve", "execute"]
    assert 'id="dispatch-instructions"' in page and "data-instruction-status=\"issued\"" in page
    for code in ("BUR-GRAIN", "CO-FIN", "CO-NDRC", "GOV"):
        assert org_coded(db, code).name in timeline
    assert "finance 同意" in timeline and "同意动用" in timeline


def test_a_rejection_needs_a_reason_and_returns_the_plan_to_draft(login_as, db, english, submitted):
    finance = login_as("finance")
    before = trail(db)
    refused = finance.post(f"/dispatches/{submitted.id}/reject", data={"reject-note": ""})
    assert refused.status_code == 422 and field_errors(text(refused), "reject-note")
    assert (the_dispatch(db).status, trail(db)) == ("cosigning", before)

    assert step(finance, submitted, "reject", "价格偏高，请重新测算").status_code == 302
    row = the_dispatch(db)
    assert (row.status, row.round, row.rejection_note) == ("draft", 2, "价格偏高，请重新测算")
    page = text(login_as("officer").get(f"/dispatches/{row.id}"))
    assert 'id="dispatch-rejection"' in page and "价格偏高，请重新测算" in page
    assert offered(page) == {"dispatch-submit-form", "dispatch-cancel-form"} and 'id="edit-dispatch"' in page
    assert re.findall(r'data-step="(\w+)"', page.split('id="dispatch-timeline"')[1])[-1] == "reject"


def test_bad_input_is_shown_on_its_field_and_writes_nothing(login_as, db, english):
    officer = login_as("officer")
    before = trail(db)
    # the first row is left blank: the service's second line is the form's third row
    response = officer.post("/dispatches/new", data=plan_data(**{
        "lines-0-material": "", "lines-0-quantity": "", "lines-0-unit_price": "",
        "lines-1-material": "WHEAT", "lines-1-quantity": "300", "lines-1-unit_price": "0",
        "lines-2-material": "RICE", "lines-2-quantity": "abc", "lines-2-unit_price": "-1",
        "district": "atlantis"}))
    assert response.status_code == 422
    page = text(response)
    assert field_errors(page, "lines-1-price_note") and field_errors(page, "lines-2-quantity")
    assert field_errors(page, "lines-2-unit_price") and field_errors(page, "district")
    assert not field_errors_or_none(page, "lines-1-quantity")
    assert 'value="abc"' in page, "what was typed is kept"
    assert trail(db) == before


def field_errors_or_none(page: str, name: str) -> list[str]:
    try:
        return field_errors(page, name)
    except AssertionError:
        return []


def test_an_incomplete_draft_is_saved_and_submitting_it_names_what_is_missing(login_as, db, english):
    officer = login_as("officer")
    assert officer.post("/dispatches/new", data={"trigger": "market"}).status_code == 302
    row = the_dispatch(db)
    page = text(officer.get(f"/dispatches/{row.id}"))
    assert 'id="dispatch-missing"' in page and "Transport arrangement" in page
    before = trail(db)
    refused = officer.post(f"/dispatches/{row.id}/submit", follow_redirects=True)
    assert refused.status_code == 422 and "Requested date" in text(refused)
    assert (the_dispatch(db).status, trail(db)) == ("draft", before)


def test_a_draft_is_edited_by_its_organisation_until_it_is_submitted(login_as, db, english, drafted):
    approver = login_as("approver")
    form = text(approver.get(f"/dispatches/{drafted.id}/edit"))
    assert 'name="lines-0-quantity" type="text" value="300"' in form and 'value="2800"' in form
    changed = approver.post(f"/dispatches/{drafted.id}/edit", data=plan_data(**{"lines-0-quantity": "120.5"}))
    assert changed.status_code == 302
    db.expire_all()
    assert db.exec(select(DispatchLine.quantity).where(DispatchLine.dispatch_id == drafted.id)).one() == Decimal(
        "120.5")
    before = trail(db)
    bad = approver.post(f"/dispatches/{drafted.id}/edit", data=plan_data(**{"lines-0-unit_price": "2800.001"}))
    assert bad.status_code == 422 and field_errors(text(bad), "lines-0-unit_price")
    assert trail(db) == before
    assert login_as("coordinator").get(f"/dispatches/{drafted.id}/edit").status_code == 403
    assert step(login_as("officer"), drafted, "submit").status_code == 302
    assert login_as("officer").get(f"/dispatches/{drafted.id}/edit").status_code == 403
    assert login_as("officer").post(f"/dispatches/{drafted.id}/edit", data=plan_data()).status_code == 403


def test_a_draft_is_cancelled_with_a_reason(login_as, db, drafted):
    officer = login_as("officer")
    assert officer.post(f"/dispatches/{drafted.id}/cancel", data={"cancel-note": ""}).status_code == 422
    assert the_dispatch(db).status == "draft"
    assert step(officer, drafted, "cancel", "灾情缓解").status_code == 302
    assert (the_dispatch(db).status, the_dispatch(db).cancel_note) == ("cancelled", "灾情缓解")
    assert offered(text(officer.get(f"/dispatches/{drafted.id}"))) == set()


@pytest.mark.parametrize(("username", "shown"), [
    ("coordinator", {"dispatch-approve-form", "dispatch-reject-form"}),
    ("finance", {"dispatch-approve-form", "dispatch-reject-form"}),
    ("approver", {"dispatch-approve-form", "dispatch-reject-form"}),
    ("officer", set()), ("gov", set()), ("viewer", set()), ("admin", set()), ("inspector", set()),
])
def test_only_the_steps_a_reader_may_take_are_offered(login_as, submitted, username, shown):
    page = login_as(username).get(f"/dispatches/{submitted.id}")
    assert page.status_code == 200
    assert offered(text(page)) == shown
    assert ('id="edit-dispatch"' in text(page)) is False


@pytest.mark.parametrize(("username", "action", "status"), [
    ("gov", "approve", 403), ("officer", "approve", 403), ("viewer", "reject", 403), ("officer", "submit", 409),
    ("admin", "cancel", 409),
])
def test_a_step_not_offered_is_refused_and_writes_nothing(login_as, db, submitted, username, action, status):
    client = login_as(username)
    before = trail(db)
    response = client.post(f"/dispatches/{submitted.id}/{action}", data={f"{action}-note": "理由"})
    assert response.status_code == (422 if status == 409 else status)
    assert (the_dispatch(db).status, trail(db)) == ("cosigning", before)


def test_nobody_signs_twice_through_the_page(login_as, db, english, submitted):
    coordinator = login_as("coordinator")
    assert step(coordinator, submitted, "approve").status_code == 302
    assert offered(text(coordinator.get(f"/dispatches/{submitted.id}"))) == set()
    before = trail(db)
    again = step(coordinator, submitted, "approve")
    assert again.status_code == 422 and "signed this plan already" in text(again)
    assert (the_dispatch(db).status, trail(db)) == ("cosigned_1", before)


def test_another_bureau_or_an_enterprise_without_allocations_gets_404(login_as, db, submitted):
    for username in ("emofficer", "emapprover", "clerk", "coldclerk", "blood"):
        client = login_as(username)
        for path in (f"/dispatches/{submitted.id}", f"/dispatches/{submitted.id}/print",
                     f"/dispatches/{submitted.id}/edit"):
            assert client.get(path).status_code == 404, (username, path)
        assert client.post(f"/dispatches/{submitted.id}/reject", data={"reject-note": "x"}).status_code == 404
        assert f'data-dispatch-id="{submitted.id}"' not in text(client.get("/dispatches/"))
    assert the_dispatch(db).status == "cosigning"


def test_an_enterprise_sees_the_plan_once_its_stock_is_allocated(login_as, db, approved):
    page = text(login_as("clerk").get(f"/dispatches/{approved.id}"))
    assert 'id="dispatch-allocations"' in page and offered(page) == set()
    assert org_coded(db, "ENT-GRAIN").name in page.split('id="dispatch-allocations"')[1]
    assert login_as("coldclerk").get(f"/dispatches/{approved.id}").status_code == 404


def test_the_list_filters_by_status_and_pages(login_as, db, english, submitted):
    officer = login_as("officer")
    for _ in range(2):
        assert officer.post("/dispatches/new", data=plan_data()).status_code == 302
    ids = lambda page: [int(i) for i in re.findall(r'data-dispatch-id="(\d+)"', page)]  # noqa: E731
    assert ids(text(officer.get("/dispatches/?status=cosigning"))) == [submitted.id]
    assert len(ids(text(officer.get("/dispatches/?status=draft")))) == 2
    first = text(officer.get("/dispatches/?limit=2"))
    assert len(ids(first)) == 2
    following = re.search(r'id="next-page" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert len(ids(text(officer.get(following)))) == 1
    assert 'id="list-errors"' in text(officer.get("/dispatches/?cursor=forged"))


def test_the_printed_order_is_chinese_a4_and_carries_the_signatures(login_as, db, english, approved):
    response = login_as("gov").get(f"/dispatches/{approved.id}/print")
    assert response.status_code == 200
    page = text(response)
    assert '<html lang="zh-CN">' in page and "css/dispatch-order.css" in page
    assert approved.code in page and 'id="order-not-approved"' not in page
    signatures = page.split('id="dispatch-signatures"')[1].split("</table>")[0]
    assert all(user_named(db, name).display_name in signatures for name in ("coordinator", "finance", "approver",
                                                                             "gov"))
    assert len(re.findall(r'data-step="', page.split('id="dispatch-timeline"')[1])) == 7
    assert 'id="dispatch-instructions"' in page, "the order lists the instructions sent"
    assert "<script" not in page and "style=" not in page, "the Content-Security-Policy allows no inline code"


def test_a_draft_prints_as_not_valid(login_as, drafted):
    assert 'id="order-not-approved"' in text(login_as("officer").get(f"/dispatches/{drafted.id}/print"))


def test_the_inbox_entry_leads_to_the_dispatch_page(login_as, submitted):
    assert f'href="/dispatches/{submitted.id}"' in text(login_as("coordinator").get("/inbox/"))


# -- emergency dispatch (紧急调用), recovery, filing ------------------------------------------------------------


def emergency_data(**overrides) -> dict[str, str]:
    """An emergency plan of the emergency-management bureau: 100 relief tents for Sanhe, at once."""
    return plan_data(**{"lines-0-material": "TENT", "lines-0-quantity": "100", "lines-0-unit_price": "1500",
                        "district": "sanhe", "address": "三河市燕郊安置点", "emergency": "y", **overrides})


@pytest.fixture
def emergency_draft(login_as, db) -> Dispatch:
    response = login_as("emofficer").post("/dispatches/new", data=emergency_data())
    assert response.status_code == 302
    row = the_dispatch(db)
    assert row.emergency and row.status == "draft"
    return row


@pytest.fixture
def emergency_executing(login_as, db, emergency_draft) -> Dispatch:
    assert login_as("emofficer").post(f"/dispatches/{emergency_draft.id}/execute").status_code == 302
    row = the_dispatch(db)
    assert row.status == "executing"
    return row


def relief_instruction(db, row: Dispatch) -> Instruction:
    db.expire_all()
    return db.exec(select(Instruction).where(Instruction.dispatch_id == row.id)).one()


def test_only_an_authorised_organisation_is_offered_the_emergency_choice(login_as, db):
    assert 'id="emergency-choice"' in text(login_as("emofficer").get("/dispatches/new"))
    officer = login_as("officer")
    assert 'id="emergency-choice"' not in text(officer.get("/dispatches/new"))
    assert officer.post("/dispatches/new", data=plan_data(emergency="y")).status_code == 302
    assert the_dispatch(db).emergency is False, "the choice is not offered, so not taken"


def test_an_emergency_plan_is_executed_at_once_and_instructs_the_enterprise(login_as, db, english, emergency_draft):
    emofficer = login_as("emofficer")
    page = text(emofficer.get(f"/dispatches/{emergency_draft.id}"))
    assert 'id="dispatch-emergency"' in page and offered(page) == {"dispatch-cancel-form"}
    assert 'id="dispatch-execute-form"' in page and 'id="dispatch-submit-form"' not in page
    done = emofficer.post(f"/dispatches/{emergency_draft.id}/execute", follow_redirects=True)
    assert "executing" in text(done)
    row = the_dispatch(db)
    assert (row.status, row.authorisation_id is not None) == ("executing", True)
    page = text(emofficer.get(f"/dispatches/{row.id}"))
    assert "廊政办字〔2026〕18号" in page.split('id="dispatch-authorisation"')[1].split("</div>")[0]
    instruction = relief_instruction(db, row)
    assert (instruction.kind, instruction.quantity) == ("release", Decimal("100"))
    assert f'href="/instructions/{instruction.id}"' in page.split('id="dispatch-instructions"')[1]
    assert 'id="dispatch-complete-form"' not in page, "not offered while an instruction is open"
    before = trail(db)
    refused = emofficer.post(f"/dispatches/{row.id}/complete", data={"complete-work_ended_on":
                                                                      business_today().isoformat()})
    assert refused.status_code == 422 and "still open" in text(refused)
    assert (the_dispatch(db).status, trail(db)) == ("executing", before)


def test_the_enterprise_executes_recovers_and_the_bureau_completes_and_files(login_as, db, english,
                                                                             emergency_executing):
    row = emergency_executing
    instruction = relief_instruction(db, row)
    relief = login_as("reliefclerk")
    assert relief.post(f"/instructions/{instruction.id}/acknowledge").status_code == 302
    assert relief.post(f"/instructions/{instruction.id}/execute", data={}).status_code == 302
    assert relief_instruction(db, row).status == "executed"

    page = text(relief.get(f"/dispatches/{row.id}"))
    assert 'id="dispatch-recover-form"' in page and '<option value="RL-01">' in page
    recovery = {"recover-material": "TENT", "recover-facility": "RL-01", "recover-lot_code": "TENT-REC-01",
                "recover-quantity": "10", "recover-inspection_result": "passed", "recover-note": "未使用"}
    before = (trail(db), count_rows(db, DispatchRecovery), count_rows(db, Lot))
    for bad in ({"recover-quantity": "100.001"}, {"recover-quantity": "abc"}, {"recover-lot_code": ""},
                {"recover-facility": "GR-01"}):
        response = relief.post(f"/dispatches/{row.id}/recover", data={**recovery, **bad})
        assert response.status_code == 422, bad
    assert (trail(db), count_rows(db, DispatchRecovery), count_rows(db, Lot)) == before
    assert login_as("coldclerk").post(f"/dispatches/{row.id}/recover", data=recovery).status_code == 404
    relief = login_as("reliefclerk")
    assert relief.post(f"/dispatches/{row.id}/recover", data=recovery).status_code == 302
    assert count_rows(db, DispatchRecovery) == before[1] + 1
    assert 'data-recovery-id="' in text(relief.get(f"/dispatches/{row.id}"))

    emofficer = login_as("emofficer")
    before = trail(db)
    for bad in ({}, {"complete-work_ended_on": (business_today() + timedelta(days=1)).isoformat()},
                {"complete-work_ended_on": "yesterday"}):
        response = emofficer.post(f"/dispatches/{row.id}/complete", data=bad)
        assert response.status_code == 422, bad
        assert field_errors(text(response), "complete-work_ended_on") or "Work ended on" in text(response), bad
    assert (the_dispatch(db).status, trail(db)) == ("executing", before)
    today = business_today()
    assert emofficer.post(f"/dispatches/{row.id}/complete",
                          data={"complete-work_ended_on": today.isoformat()}).status_code == 302
    row = the_dispatch(db)
    assert (row.status, row.work_ended_on, row.filing_due_on) == ("completed", today, today + timedelta(days=20))
    page = text(emofficer.get(f"/dispatches/{row.id}"))
    assert f'data-overdue="no">{(today + timedelta(days=20)).isoformat()}' in page
    assert len(re.findall(r"<li>", page.split('id="filing-items"')[1].split("</ol>")[0])) == 5
    replenishment = db.exec(select(Replenishment).where(Replenishment.dispatch_id == row.id)).one()
    assert replenishment.quantity == Decimal("90"), "released less recovered"
    assert f'href="/replenishments/{replenishment.id}"' in page

    assert login_as("officer").post(f"/dispatches/{row.id}/file", data={"file-reference": "x"}).status_code == 404
    emofficer = login_as("emofficer")
    before = trail(db)
    empty = emofficer.post(f"/dispatches/{row.id}/file", data={"file-reference": ""})
    assert empty.status_code == 422 and field_errors(text(empty), "file-reference")
    assert (the_dispatch(db).status, trail(db)) == ("completed", before)
    assert emofficer.post(f"/dispatches/{row.id}/file",
                          data={"file-reference": "廊应急备〔2026〕3号"}).status_code == 302
    row = the_dispatch(db)
    assert (row.status, row.filing_reference) == ("filed", "廊应急备〔2026〕3号")
    assert 'id="filing-reference"' in text(emofficer.get(f"/dispatches/{row.id}"))
    printed = text(emofficer.get(f"/dispatches/{row.id}/print"))
    assert 'id="order-filing"' in printed and "廊应急备〔2026〕3号" in printed and 'id="order-emergency"' in printed
    assert 'id="dispatch-instructions"' in printed and "style=" not in printed


def test_an_overdue_filing_shows_red(login_as, db, emergency_executing):
    row = emergency_executing
    instruction = relief_instruction(db, row)
    relief = login_as("reliefclerk")
    assert relief.post(f"/instructions/{instruction.id}/acknowledge").status_code == 302
    assert relief.post(f"/instructions/{instruction.id}/execute", data={}).status_code == 302
    assert login_as("emofficer").post(f"/dispatches/{row.id}/complete", data={
        "complete-work_ended_on": business_today().isoformat()}).status_code == 302
    stored = the_dispatch(db)
    stored.filing_due_on = business_today() - timedelta(days=1)
    db.add(stored)
    db.commit()
    page = text(login_as("emofficer").get(f"/dispatches/{row.id}"))
    assert 'class="text-danger" data-overdue="yes"' in page


# -- the administrators' emergency authorisations ------------------------------------------------------------


def authorisation_data(**overrides) -> dict[str, str]:
    today = business_today()
    data = {"org": "CO-NDRC", "reference": "廊政办字〔2026〕30号", "valid_from": today.isoformat(),
            "valid_until": (today + timedelta(days=90)).isoformat(), "note": "价格异常波动应急"}
    data.update(overrides)
    return data


def test_an_administrator_records_and_revokes_authorisations(login_as, db, english):
    admin = login_as("admin")
    page = text(admin.get("/admin/emergency-authorisations/"))
    assert "廊政办字〔2026〕18号" in page and 'id="authorisation-form"' in page
    assert 'href="/admin/emergency-authorisations/"' in text(admin.get("/"))
    before = count_rows(db, EmergencyAuthorisation), count_rows(db, AuditEvent)
    for bad, field in (({"org": "ENT-GRAIN"}, "org"), ({"reference": ""}, "reference"),
                       ({"valid_until": (business_today() - timedelta(days=1)).isoformat()}, "valid_until"),
                       ({"valid_from": "soon"}, "valid_from")):
        response = admin.post("/admin/emergency-authorisations/", data=authorisation_data(**bad))
        assert response.status_code == 422, bad
        assert field_errors(text(response), field), bad
    assert (count_rows(db, EmergencyAuthorisation), count_rows(db, AuditEvent)) == before
    assert admin.post("/admin/emergency-authorisations/", data=authorisation_data()).status_code == 302
    made = db.exec(select(EmergencyAuthorisation).order_by(EmergencyAuthorisation.id.desc())).first()
    assert made.reference == "廊政办字〔2026〕30号"
    assert 'id="emergency-choice"' in text(login_as("coordinator").get("/dispatches/new"))

    admin = login_as("admin")
    demo = db.exec(select(EmergencyAuthorisation).where(
        EmergencyAuthorisation.reference == "廊政办字〔2026〕18号")).one()
    assert admin.post(f"/admin/emergency-authorisations/{demo.id}/revoke").status_code == 302
    db.expire_all()
    assert db.get(EmergencyAuthorisation, demo.id).revoked_at is not None
    before = count_rows(db, AuditEvent)
    assert admin.post(f"/admin/emergency-authorisations/{demo.id}/revoke").status_code == 422
    assert count_rows(db, AuditEvent) == before
    assert 'id="emergency-choice"' not in text(login_as("emofficer").get("/dispatches/new"))


def test_only_administrators_record_authorisations(login_as, db):
    demo = db.exec(select(EmergencyAuthorisation)).first()
    for username in ("gov", "emofficer"):
        client = login_as(username)
        page = text(client.get("/admin/emergency-authorisations/"))
        assert "廊政办字〔2026〕18号" in page and 'id="authorisation-form"' not in page
        assert client.post("/admin/emergency-authorisations/", data=authorisation_data()).status_code == 403
        assert client.post(f"/admin/emergency-authorisations/{demo.id}/revoke").status_code == 403
    for username in ("clerk", "blood"):
        assert login_as(username).get("/admin/emergency-authorisations/").status_code == 403
    db.expire_all()
    assert db.get(EmergencyAuthorisation, demo.id).revoked_at is None


def test_an_incomplete_emergency_plan_is_not_executed(login_as, db, english):
    emofficer = login_as("emofficer")
    assert emofficer.post("/dispatches/new", data={"trigger": "emergency", "emergency": "y"}).status_code == 302
    row = the_dispatch(db)
    assert row.emergency
    before = trail(db), count_rows(db, Instruction)
    refused = emofficer.post(f"/dispatches/{row.id}/execute", follow_redirects=True)
    assert refused.status_code == 422 and "Transport arrangement" in text(refused)
    assert (the_dispatch(db).status, (trail(db), count_rows(db, Instruction))) == ("draft", before)
