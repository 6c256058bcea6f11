"""Dispatch plans through their approval chain: drafted, submitted complete, co-signed by the development and
reform commission, the finance bureau and the responsible reserve bureau in any order, approved by the government;
rejected with a reason back to draft; every step on the timeline and in the audit trail, every other step refused."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import select

from inventory.core.clock import business_today
from inventory.core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from inventory.models import AuditEvent, Dispatch, DispatchAllocation, DispatchLine, Movement, WorkflowStep
from inventory.services.accounts import directory
from inventory.services.workflows import dispatch
from inventory.services.workflows.dispatch_plan import LineInput, PlanInput
from tests.helpers import count_rows, org_coded, user_named
from tests.workflows.dispatching import SIGNERS, act, cosigned, drafted, submitted, wheat_plan


@pytest.fixture(autouse=True)
def ctx(app):
    """Messages in English, as the API gives them."""
    with app.test_request_context("/api/v1/dispatches"):
        yield


def reloaded(db, row: Dispatch) -> Dispatch:
    db.expire_all()
    return db.get(Dispatch, row.id)


def steps(db, row: Dispatch) -> list[tuple]:
    return [(s.action, s.from_status, s.to_status, s.role) for s in db.exec(
        select(WorkflowStep).where(WorkflowStep.flow == "dispatch", WorkflowStep.entity_id == row.id)
        .order_by(WorkflowStep.id))]


def audited(db, row: Dispatch) -> list[str]:
    return [e.action for e in db.exec(select(AuditEvent).where(AuditEvent.entity == "dispatch",
                                                               AuditEvent.entity_id == str(row.id))
                                      .order_by(AuditEvent.id))]


def refused(db, row: Dispatch, username: str, action: str, note: str = "", **kwargs) -> DomainError:
    """The step is refused and writes nothing."""
    before = (reloaded(db, row).status, count_rows(db, WorkflowStep), count_rows(db, AuditEvent))
    with pytest.raises(DomainError) as caught:
        act(db, row, username, action, note, **kwargs)
    db.rollback()
    assert (reloaded(db, row).status, count_rows(db, WorkflowStep), count_rows(db, AuditEvent)) == before
    return caught.value


def add_user(db, username: str, org: str, role: str):
    user = directory.create_user(session=db, username=username, org_code=org, role=role, password="long enough 1")
    db.commit()
    return user


@pytest.mark.parametrize("order", [SIGNERS, tuple(reversed(SIGNERS)), ("finance", "approver", "coordinator")])
def test_a_plan_is_co_signed_by_the_three_in_any_order_then_approved(db, order):
    movements = count_rows(db, Movement)
    row = drafted(db)
    assert (row.status, row.code, row.bureau_id) == ("draft", f"DP-{business_today().year}-{row.id:05d}",
                                                     org_coded(db, "BUR-GRAIN").id)
    row = act(db, row, "officer", "submit")
    assert row.status == "cosigning" and row.submitted_by == user_named(db, "officer").id
    for signed, signer in enumerate(order, start=1):
        row = act(db, row, signer, "approve", note="同意")
        assert row.status == ("cosigned_1", "cosigned_2", "cosigned")[signed - 1]
    row = reloaded(db, row)
    assert (row.ndrc_signed_by, row.finance_signed_by, row.bureau_signed_by) == (
        user_named(db, "coordinator").id, user_named(db, "finance").id, user_named(db, "approver").id)
    row = act(db, row, "gov", "approve", note="同意动用")
    row = reloaded(db, row)
    assert (row.status, row.approved_by, row.approval_note) == ("executing", user_named(db, "gov").id, "同意动用")
    roles = {"coordinator": "coordinator", "finance": "coordinator", "approver": "bureau_approver"}
    assert steps(db, row) == [
        ("request", None, "draft", "bureau_officer"), ("submit", "draft", "cosigning", "bureau_officer"),
        ("approve", "cosigning", "cosigned_1", roles[order[0]]),
        ("approve", "cosigned_1", "cosigned_2", roles[order[1]]),
        ("approve", "cosigned_2", "cosigned", roles[order[2]]),
        ("approve", "cosigned", "approved", "government_approver"),
        ("execute", "approved", "executing", "government_approver")]
    assert audited(db, row) == ["dispatch.draft", "dispatch.submit", "dispatch.approve", "dispatch.approve",
                                "dispatch.approve", "dispatch.approve", "dispatch.allocate", "dispatch.execute"]
    assert sum(a.quantity for a in db.exec(select(DispatchAllocation))) == Decimal("300")
    assert count_rows(db, Movement) == movements, "approval plans the stock; the instructions move it"


def test_the_timeline_names_who_signed_for_which_organisation(db):
    row = cosigned(db)
    signed = db.exec(select(WorkflowStep).where(WorkflowStep.flow == "dispatch", WorkflowStep.entity_id == row.id,
                                                WorkflowStep.action == "approve").order_by(WorkflowStep.id)).all()
    assert [(s.actor_id, s.org_id) for s in signed] == [
        (user_named(db, name).id, user_named(db, name).org_id) for name in SIGNERS]


def test_submitting_an_empty_draft_names_every_missing_field(db):
    row = drafted(db, PlanInput())
    error = refused(db, row, "officer", "submit")
    assert isinstance(error, Invalid)
    assert set(error.fields) == {"trigger", "trigger_description", "recipients", "district", "address", "transport",
                                 "requested_on", "lines"}


def test_a_line_without_a_price_cannot_be_submitted(db):
    row = drafted(db, wheat_plan(price=None, transport=""))
    error = refused(db, row, "officer", "submit")
    assert set(error.fields) == {"lines[0].unit_price", "transport"}


@pytest.mark.parametrize(("line", "field"), [
    (LineInput("WHEAT", "300", "0"), "lines[0].price_note"),
    (LineInput("WHEAT", "300", "-1"), "lines[0].unit_price"),
    (LineInput("WHEAT", "300", "2800.001"), "lines[0].unit_price"),
    (LineInput("WHEAT", "0", "2800"), "lines[0].quantity"),
    (LineInput("WHEAT", "-5", "2800"), "lines[0].quantity"),
    (LineInput("WHEAT", "abc", "2800"), "lines[0].quantity"),
    (LineInput("NOPE", "300", "2800"), "lines[0].material"),
])
def test_bad_lines_are_refused_and_nothing_is_written(db, line, field):
    with pytest.raises(Invalid) as caught:
        dispatch.draft_dispatch(session=db, actor=user_named(db, "officer"), plan=wheat_plan(lines=(line,)))
    db.rollback()
    assert field in caught.value.fields
    assert count_rows(db, Dispatch) == 0 and count_rows(db, DispatchLine) == 0


def test_a_free_allocation_states_why(db):
    row = submitted(db, wheat_plan(lines=(LineInput("WHEAT", "300", "0", "无偿调拨给受灾群众"),)))
    line = db.exec(select(DispatchLine).where(DispatchLine.dispatch_id == row.id)).one()
    assert (row.status, line.unit_price, line.price_note) == ("cosigning", Decimal("0"), "无偿调拨给受灾群众")


def test_the_plan_fields_are_checked_together(db):
    plan = wheat_plan(trigger="flood", district="atlantis", lines=(
        LineInput("WHEAT", "1", "1"), LineInput("WHEAT", "2", "1"), LineInput("RICE", "-1", None)))
    with pytest.raises(Invalid) as caught:
        dispatch.draft_dispatch(session=db, actor=user_named(db, "coordinator"), plan=plan)
    assert set(caught.value.fields) == {"trigger", "district", "lines[1].material", "lines[2].quantity"}


def test_a_bureau_drafts_only_for_its_own_materials_and_one_plan_is_one_bureaus(db):
    with pytest.raises(Invalid) as caught:
        dispatch.draft_dispatch(session=db, actor=user_named(db, "emofficer"), plan=wheat_plan())
    assert set(caught.value.fields) == {"lines"}
    db.rollback()
    mixed = wheat_plan(lines=(LineInput("WHEAT", "300", "2800"), LineInput("TENT", "50", "900")))
    with pytest.raises(Invalid) as caught:
        dispatch.draft_dispatch(session=db, actor=user_named(db, "coordinator"), plan=mixed)
    assert set(caught.value.fields) == {"lines"}
    db.rollback()
    row = drafted(db, by="coordinator")
    assert (row.drafting_org_id, row.bureau_id) == (org_coded(db, "CO-NDRC").id, org_coded(db, "BUR-GRAIN").id)


@pytest.mark.parametrize("username", ["clerk", "gov", "inspector", "viewer", "blood", "admin"])
def test_only_bureaus_and_coordinators_draft(db, username):
    with pytest.raises(Forbidden):
        dispatch.draft_dispatch(session=db, actor=user_named(db, username), plan=wheat_plan())


def test_a_draft_is_edited_whole_by_its_organisation_only_until_submitted(db):
    row = drafted(db, PlanInput(trigger="market"), by="officer")
    dispatch.edit_dispatch(session=db, actor=user_named(db, "approver"), dispatch_id=row.id,
                           plan=wheat_plan(quantity="120"))
    db.commit()
    line = db.exec(select(DispatchLine).where(DispatchLine.dispatch_id == row.id)).one()
    assert (reloaded(db, row).trigger, line.quantity) == ("emergency", Decimal("120"))
    assert audited(db, row) == ["dispatch.draft", "dispatch.edit"]
    edit = next(e for e in db.exec(select(AuditEvent).where(AuditEvent.action == "dispatch.edit")))
    assert (edit.before["trigger"], edit.before["lines"], edit.after["lines"][0]["quantity"]) == (
        "market", [], "120.000")
    coordinators = drafted(db, by="coordinator")
    with pytest.raises(Forbidden):
        dispatch.edit_dispatch(session=db, actor=user_named(db, "officer"), dispatch_id=coordinators.id,
                               plan=wheat_plan())
    db.rollback()
    act(db, row, "officer", "submit")
    with pytest.raises(Conflict) as caught:
        dispatch.edit_dispatch(session=db, actor=user_named(db, "officer"), dispatch_id=row.id, plan=wheat_plan())
    db.rollback()
    assert caught.value.code == "illegal_transition"
    with pytest.raises(NotFound):
        dispatch.edit_dispatch(session=db, actor=user_named(db, "emofficer"), dispatch_id=row.id, plan=wheat_plan())


def test_a_draft_is_cancelled_by_its_organisation(db):
    row = drafted(db)
    assert isinstance(refused(db, row, "coordinator", "cancel", "不需要"), Forbidden)
    row = act(db, row, "approver", "cancel", "灾情缓解")
    assert (reloaded(db, row).status, reloaded(db, row).cancel_note) == ("cancelled", "灾情缓解")
    assert steps(db, row)[-1] == ("cancel", "draft", "cancelled", "bureau_approver")
    assert audited(db, row)[-1] == "dispatch.cancel"


def _at(db, status: str) -> Dispatch:
    """A wheat plan brought to ``status`` by the demo users."""
    if status == "draft":
        return drafted(db)
    if status == "cancelled":
        return act(db, drafted(db), "officer", "cancel")
    row = submitted(db)
    for signer in SIGNERS[:{"cosigning": 0, "cosigned_1": 1, "cosigned_2": 2}.get(status, 3)]:
        row = act(db, row, signer, "approve")
    return act(db, row, "gov", "approve") if status == "executing" else row


FORBIDDEN_STEPS = [
    ("draft", "approver", "approve"), ("draft", "gov", "approve"), ("draft", "approver", "reject"),
    ("cosigning", "officer", "submit"), ("cosigning", "officer", "cancel"),
    ("cosigned_1", "officer", "submit"), ("cosigned_2", "officer", "cancel"),
    ("cosigned", "officer", "submit"), ("cosigned", "officer", "cancel"),
    ("executing", "gov", "approve"), ("executing", "gov", "reject"), ("executing", "approver", "approve"),
    ("executing", "officer", "submit"), ("executing", "officer", "cancel"), ("executing", "officer", "file"),
    # a plan of the normal path is not executed at once, nor filed
    ("draft", "officer", "execute"), ("cosigned", "officer", "execute"),
    ("cancelled", "officer", "submit"), ("cancelled", "approver", "approve"), ("cancelled", "officer", "cancel"),
    # a party that has signed does not sign again
    ("cosigned_1", "coordinator", "approve"), ("cosigned_2", "finance", "approve"),
    # nor reject what it signed
    ("cosigned_1", "coordinator", "reject"), ("cosigned_2", "finance", "reject"),
]


@pytest.mark.parametrize(("status", "username", "action"), FORBIDDEN_STEPS)
def test_steps_the_status_does_not_allow_are_409(db, status, username, action):
    row = _at(db, status)
    error = refused(db, row, username, action, "理由")
    assert (error.status, error.code) == (409, "illegal_transition")


WRONG_PEOPLE = [
    # not visible at all: 404
    ("cosigning", "emapprover", "approve", 404), ("cosigning", "clerk", "approve", 404),
    ("cosigning", "blood", "reject", 404), ("cosigned", "manager", "approve", 404),
    ("draft", "emofficer", "submit", 404),
    # visible, but not theirs to take: 403
    ("cosigning", "gov", "approve", 403), ("cosigning", "officer", "approve", 403),
    ("cosigning", "viewer", "approve", 403), ("cosigning", "inspector", "reject", 403),
    ("cosigning", "admin", "approve", 403), ("cosigned", "coordinator", "approve", 403),
    ("cosigned", "approver", "reject", 403), ("cosigned", "admin", "approve", 403),
    ("draft", "coordinator", "submit", 403), ("draft", "gov", "submit", 403),
]


@pytest.mark.parametrize(("status", "username", "action", "code"), WRONG_PEOPLE)
def test_the_wrong_role_or_organisation_is_refused(db, status, username, action, code):
    row = _at(db, status)
    assert refused(db, row, username, action, "理由").status == code


def test_a_coordinator_of_another_organisation_holds_no_signature(db):
    row = submitted(db)
    directory.create_org(session=db, code="CO-STATS", kind="coordinator", name="市统计局")
    add_user(db, "statistician", "CO-STATS", "coordinator")
    assert refused(db, row, "statistician", "approve").status == 403
    assert refused(db, row, "statistician", "reject", "不同意").status == 403


def test_the_drafter_neither_signs_nor_rejects_and_a_colleague_signs_instead(db):
    row = submitted(db, by="approver")
    assert isinstance(refused(db, row, "approver", "approve"), Forbidden)
    assert isinstance(refused(db, row, "approver", "reject", "撤回"), Forbidden)
    add_user(db, "approver2", "BUR-GRAIN", "bureau_approver")
    row = act(db, row, "approver2", "approve")
    assert reloaded(db, row).bureau_signed_by == user_named(db, "approver2").id
    coordinators = submitted(db, by="coordinator")
    assert isinstance(refused(db, coordinators, "coordinator", "approve"), Forbidden)
    assert act(db, coordinators, "finance", "approve").status == "cosigned_1"


def test_nobody_signs_twice_even_for_another_organisation(db):
    row = act(db, submitted(db), "coordinator", "approve")
    mover = user_named(db, "coordinator")
    mover.org_id = org_coded(db, "CO-FIN").id
    db.add(mover)
    db.commit()
    error = refused(db, row, "coordinator", "approve")
    assert isinstance(error, Forbidden) and "twice" in error.message


def test_whoever_signed_does_not_also_approve_for_the_government(db):
    row = cosigned(db)
    signer = user_named(db, "finance")
    signer.org_id, signer.role = org_coded(db, "GOV").id, "government_approver"
    db.add(signer)
    db.commit()
    error = refused(db, row, "finance", "approve")
    assert isinstance(error, Forbidden) and "twice" in error.message
    assert act(db, row, "gov", "approve").status == "executing"


@pytest.mark.parametrize(("status", "rejecter"), [
    ("cosigning", "finance"), ("cosigned_1", "approver"), ("cosigned_2", "approver"), ("cosigned", "gov")])
def test_a_rejection_with_a_reason_returns_the_plan_to_draft_keeping_its_history(db, status, rejecter):
    row = _at(db, status)
    signed_before = [s for s in steps(db, row) if s[0] == "approve"]
    assert isinstance(refused(db, row, rejecter, "reject", "  "), Invalid)
    row = act(db, row, rejecter, "reject", "价格偏高，请重新测算")
    row = reloaded(db, row)
    assert (row.status, row.round, row.rejected_by, row.rejection_note) == (
        "draft", 2, user_named(db, rejecter).id, "价格偏高，请重新测算")
    assert (row.ndrc_signed_by, row.finance_signed_by, row.bureau_signed_by, row.ndrc_signed_at) == (None,) * 4
    assert steps(db, row)[-1][:3] == ("reject", status, "draft")
    assert [s for s in steps(db, row) if s[0] == "approve"] == signed_before
    assert audited(db, row)[-1] == "dispatch.reject"
    # edited and submitted again, it is signed afresh, by the same people
    dispatch.edit_dispatch(session=db, actor=user_named(db, "officer"), dispatch_id=row.id,
                           plan=wheat_plan(lines=(LineInput("WHEAT", "300", "2600"),)))
    db.commit()
    row = act(db, row, "officer", "submit")
    for signer in SIGNERS:
        row = act(db, row, signer, "approve")
    assert act(db, row, "gov", "approve").status == "executing"


def test_the_inbox_lists_the_plan_to_those_who_sign_then_to_the_government(db):
    from inventory.services.workflows import inbox

    def waiting_for(username: str) -> set[int]:
        listed = {item.row.id for item in inbox.items_for(session=db, user=user_named(db, username))
                  if item.flow.name == "dispatch"}
        db.rollback()
        return listed

    row = submitted(db)
    assert {name for name in ("coordinator", "finance", "approver", "gov", "officer", "emapprover", "admin")
            if row.id in waiting_for(name)} == {"coordinator", "finance", "approver"}
    row = act(db, row, "finance", "approve")
    assert {name for name in ("coordinator", "finance", "approver", "gov") if row.id in waiting_for(name)} == {
        "coordinator", "approver"}
    row = act(db, act(db, row, "coordinator", "approve"), "approver", "approve")
    assert {name for name in ("coordinator", "finance", "approver", "gov") if row.id in waiting_for(name)} == {"gov"}
