"""A dispatch carried out (reserve-materials-measures §四(一)–(二), §六(二)10): release instructions to the allocated
enterprises on approval, executed in part or in full through the ledger, refused or late as a violation; completed
once no instruction is open, which proposes the replenishments; recovered stock returned; the emergency path
executed at once under an authorisation and filed within 20 days; the overdue alerts."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import update
from sqlmodel import select

from inventory.core.clock import business_today
from inventory.core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from inventory.models import (
    AuditEvent, Dispatch, EmergencyAuthorisation, Instruction, InstructionLot, Lot, Movement, Replenishment,
    Violation, WorkflowStep,
)
from inventory.services.accounts import directory
from inventory.services.stock import ledger
from inventory.services.stock.lots import Receipt
from inventory.services.workflows import emergency, inbox, instructions, recoveries, replenishments
from inventory.services.workflows.dispatch_plan import LineInput
from inventory.services.workflows.instructions import InstructionInput, ReleaseInput
from tests.alerts.helpers import alert_for, scan
from tests.helpers import count_rows, org_coded, receive, user_named
from tests.workflows.dispatching import act, cosigned, drafted, wheat_plan


@pytest.fixture(autouse=True)
def ctx(app):
    with app.test_request_context("/api/v1/dispatches"):
        yield


def executing(db, quantity: str = "300") -> Dispatch:
    """A wheat plan approved by the government: its instructions are out."""
    return act(db, cosigned(db, wheat_plan(quantity=quantity)), "gov", "approve", "同意")


def instruction_of(db, row: Dispatch) -> Instruction:
    db.expire_all()
    return db.exec(select(Instruction).where(Instruction.dispatch_id == row.id)).one()


def take(db, username: str, instruction: Instruction, action: str, note: str = "") -> Instruction:
    done = inbox.decide(session=db, actor=user_named(db, username), flow="instruction", row_id=instruction.id,
                        action=action, note=note)
    db.commit()
    return done


def execute(db, username: str, instruction: Instruction, *picks, note: str = "") -> instructions.Execution:
    done = instructions.execute(session=db, actor=user_named(db, username), instruction_id=instruction.id,
                                release=ReleaseInput(picks=tuple(picks), note=note))
    db.commit()
    return done


def lot(db, code: str) -> Lot:
    db.expire_all()
    return db.exec(select(Lot).where(Lot.lot_code == code)).one()


def steps(db, flow: str, row_id: int) -> list[tuple]:
    return [(s.action, s.from_status, s.to_status, s.role) for s in db.exec(
        select(WorkflowStep).where(WorkflowStep.flow == flow, WorkflowStep.entity_id == row_id)
        .order_by(WorkflowStep.id))]


def test_approval_sends_the_enterprise_a_release_instruction_with_the_fefo_lots(db):
    row = executing(db)
    instruction = instruction_of(db, row)
    assert (instruction.kind, instruction.status, instruction.enterprise_id, instruction.quantity) == (
        "release", "issued", org_coded(db, "ENT-GRAIN").id, Decimal("300"))
    assert instruction.code == f"IN-{business_today().year}-{instruction.id:05d}"
    assert instruction.deadline == row.requested_on
    proposed = db.exec(select(InstructionLot).where(InstructionLot.instruction_id == instruction.id)).all()
    # WH-2024-001 expires before WH-2025-014: first expiry, first out
    assert [(p.lot_id, p.proposed) for p in proposed] == [(lot(db, "WH-2024-001").id, Decimal("300"))]
    assert steps(db, "instruction", instruction.id) == [("request", None, "issued", "government_approver")]
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "instruction.issue")).one().entity_id == \
        str(instruction.id)


def test_the_enterprise_acknowledges_then_executes_in_parts_never_past_the_instruction(db):
    row = executing(db)
    instruction = instruction_of(db, row)
    source = lot(db, "WH-2024-001")
    with pytest.raises(Conflict):  # executing needs an acknowledgement first
        execute(db, "clerk", instruction, (source.id, "100"))
    db.rollback()
    take(db, "clerk", instruction, "acknowledge")
    execute(db, "clerk", instruction, (source.id, "100"), note="第一车")
    assert (instruction_of(db, row).executed, instruction_of(db, row).status) == (Decimal("100"), "acknowledged")
    movements_before = count_rows(db, Movement)
    with pytest.raises(Conflict) as caught:
        execute(db, "clerk", instruction, (source.id, "200.001"))
    db.rollback()
    assert caught.value.code == "over_instructed" and count_rows(db, Movement) == movements_before
    execute(db, "clerk", instruction, (source.id, "200"))
    done = instruction_of(db, row)
    assert (done.executed, done.status, done.closed_at is not None, done.late) == (Decimal("300"), "executed", True,
                                                                                   False)
    moved = db.exec(select(Movement).where(Movement.ref_type == "instruction", Movement.ref_id == done.id)
                    .order_by(Movement.id)).all()
    assert [(m.kind, m.quantity) for m in moved] == [("dispatch", Decimal("-100")), ("dispatch", Decimal("-200"))]
    assert lot(db, "WH-2024-001").on_hand == Decimal("2700")
    assert steps(db, "instruction", done.id)[1:] == [
        ("acknowledge", "issued", "acknowledged", "enterprise_clerk"),
        ("execute", "acknowledged", "acknowledged", "enterprise_clerk"),
        ("execute", "acknowledged", "acknowledged", "enterprise_clerk"),
        ("execute", "acknowledged", "executed", "enterprise_clerk")]
    assert ledger.verify(session=db) == []


def test_without_lots_an_execution_takes_the_instructed_lots_first_expiry_first(db):
    row = executing(db, "3300")
    instruction = instruction_of(db, row)
    take(db, "clerk", instruction, "acknowledge")
    done = execute(db, "clerk", instruction)
    assert [(m.lot_id, m.quantity) for m in done.movements] == [
        (lot(db, "WH-2024-001").id, Decimal("-3000")), (lot(db, "WH-2025-014").id, Decimal("-300"))]
    assert instruction_of(db, row).status == "executed"


def test_a_lot_outside_the_instruction_needs_the_bureaus_consent(db):
    row = executing(db)
    instruction = instruction_of(db, row)
    take(db, "clerk", instruction, "acknowledge")
    other = lot(db, "WH-2025-014")
    with pytest.raises(Invalid) as caught:
        execute(db, "clerk", instruction, (other.id, "10"))
    db.rollback()
    assert "consent" in str(caught.value.fields["lots[0].lot"][0])
    with pytest.raises(NotFound):  # another bureau does not see it
        instructions.add_lot(session=db, actor=user_named(db, "emapprover"), instruction_id=instruction.id,
                             lot_id=other.id)
    db.rollback()
    with pytest.raises(Forbidden):  # the bureau's officer asks; its approver consents
        instructions.add_lot(session=db, actor=user_named(db, "officer"), instruction_id=instruction.id,
                             lot_id=other.id)
    db.rollback()
    instructions.add_lot(session=db, actor=user_named(db, "approver"), instruction_id=instruction.id, lot_id=other.id)
    db.commit()
    execute(db, "clerk", instruction, (other.id, "10"))
    assert lot(db, "WH-2025-014").on_hand == Decimal("4090.5")


def test_lots_of_another_enterprise_are_refused_and_nothing_is_written(db):
    row = executing(db)
    instruction = instruction_of(db, row)
    take(db, "clerk", instruction, "acknowledge")
    foreign = receive(db, clerk="coldclerk", material="PORK-FZ", facility="CS-01", quantity="5")
    before = (count_rows(db, Movement), instruction_of(db, row).executed)
    with pytest.raises(Invalid) as caught:
        execute(db, "clerk", instruction, (foreign.id, "1"))
    db.rollback()
    assert "lots[0].lot" in caught.value.fields
    assert (count_rows(db, Movement), instruction_of(db, row).executed) == before


@pytest.mark.parametrize(("username", "error"), [("coldclerk", NotFound), ("approver", Forbidden),
                                                 ("gov", Forbidden), ("emofficer", NotFound)])
def test_only_the_instructed_enterprise_executes(db, username, error):
    row = executing(db)
    instruction = instruction_of(db, row)
    take(db, "clerk", instruction, "acknowledge")
    with pytest.raises(error):
        execute(db, username, instruction, (lot(db, "WH-2024-001").id, "1"))


def test_a_refusal_needs_a_reason_and_is_recorded_as_the_violation(db):
    row = executing(db)
    instruction = instruction_of(db, row)
    with pytest.raises(Invalid):
        take(db, "clerk", instruction, "refuse", "  ")
    db.rollback()
    take(db, "manager", instruction, "refuse", "仓库封仓检修，无法出库")
    refused = instruction_of(db, row)
    assert (refused.status, refused.refusal_reason) == ("refused", "仓库封仓检修，无法出库")
    violation = db.exec(select(Violation)).one()
    assert (violation.enterprise_id, violation.kind, violation.source_type, violation.source_id) == (
        org_coded(db, "ENT-GRAIN").id, "refused_instruction", "instruction", refused.id)


def test_an_execution_after_the_deadline_is_recorded_once_as_the_violation(db):
    row = executing(db)
    instruction = instruction_of(db, row)
    take(db, "clerk", instruction, "acknowledge")
    db.execute(update(Instruction).where(Instruction.id == instruction.id)
               .values(deadline=business_today() - timedelta(days=1)))
    db.commit()
    source = lot(db, "WH-2024-001").id
    execute(db, "clerk", instruction, (source, "100"))
    execute(db, "clerk", instruction, (source, "100"))
    assert instruction_of(db, row).late is True
    assert [(v.kind, v.source_id) for v in db.exec(select(Violation))] == [("refused_instruction", instruction.id)]


def test_the_bureau_calls_an_instruction_off_with_a_reason_keeping_what_was_executed(db):
    row = executing(db)
    instruction = instruction_of(db, row)
    take(db, "clerk", instruction, "acknowledge")
    execute(db, "clerk", instruction, (lot(db, "WH-2024-001").id, "120"))
    with pytest.raises(DomainError):
        take(db, "clerk", instruction, "cancel", "不需要了")
    db.rollback()
    take(db, "officer", instruction, "cancel", "灾情缓解，余量不再调出")
    called_off = instruction_of(db, row)
    assert (called_off.status, called_off.executed, called_off.cancel_note) == (
        "cancelled", Decimal("120"), "灾情缓解，余量不再调出")


def test_completion_waits_for_the_instructions_then_proposes_the_replenishment(db):
    row = executing(db)
    instruction = instruction_of(db, row)
    with pytest.raises(Conflict):
        act(db, row, "officer", "complete")
    db.rollback()
    take(db, "clerk", instruction, "acknowledge")
    execute(db, "clerk", instruction)
    with pytest.raises(Forbidden):  # the drafting organisation or the responsible bureau completes
        act(db, row, "coordinator", "complete")
    db.rollback()
    done = act(db, row, "approver", "complete", "调运完毕")
    assert (done.status, done.completed_by) == ("completed", user_named(db, "approver").id)
    replenishment = db.exec(select(Replenishment)).one()
    assert (replenishment.source, replenishment.dispatch_id, replenishment.enterprise_id, replenishment.quantity,
            replenishment.status) == ("dispatch", row.id, org_coded(db, "ENT-GRAIN").id, Decimal("300"), "proposed")
    assert replenishment.due_on == business_today() + timedelta(days=90)
    with pytest.raises(Conflict):  # a completed plan is not filed: only an emergency one is
        act(db, done, "officer", "file", reference="X")


def test_what_came_back_is_not_replenished(db):
    row = executing(db)
    instruction = instruction_of(db, row)
    take(db, "clerk", instruction, "acknowledge")
    execute(db, "clerk", instruction)
    back = Receipt(material="WHEAT", facility="GR-01", lot_code="WH-BACK-1", quantity=Decimal("40"),
                   inspection_result="passed", note="安置点剩余")
    source_expiry = lot(db, "WH-2024-001").expiry_date
    with pytest.raises(Invalid) as caught:  # what comes back is what went out: no fresh expiry date
        recoveries.recover(session=db, actor=user_named(db, "clerk"), dispatch_id=row.id,
                           receipt=Receipt(**{**back.__dict__, "expiry_date": source_expiry + timedelta(days=1)}))
    db.rollback()
    assert "expiry_date" in caught.value.fields
    with pytest.raises(Conflict):
        recoveries.recover(session=db, actor=user_named(db, "clerk"), dispatch_id=row.id,
                           receipt=Receipt(**{**back.__dict__, "quantity": Decimal("300.001")}))
    db.rollback()
    with pytest.raises(NotFound):
        recoveries.recover(session=db, actor=user_named(db, "coldclerk"), dispatch_id=row.id, receipt=back)
    db.rollback()
    recovered = recoveries.recover(session=db, actor=user_named(db, "clerk"), dispatch_id=row.id, receipt=back)
    db.commit()
    assert (lot(db, "WH-BACK-1").on_hand, lot(db, "WH-BACK-1").expiry_date, recovered.quality_result) == (
        Decimal("40"), source_expiry, "passed")
    # stock that came back spoiled is recovered (quarantined) but still to be replenished
    spoiled = recoveries.recover(session=db, actor=user_named(db, "clerk"), dispatch_id=row.id, receipt=Receipt(
        **{**back.__dict__, "lot_code": "WH-BACK-2", "quantity": Decimal("10"), "inspection_result": "failed"}))
    db.commit()
    assert (lot(db, "WH-BACK-2").status, spoiled.quality_result) == ("quarantined", "failed")
    receipt = db.exec(select(Movement).where(Movement.lot_id == recovered.lot_id)).one()
    assert (receipt.kind, receipt.ref_type, receipt.ref_id) == ("receipt", "dispatch", row.id)
    act(db, row, "officer", "complete")
    assert db.exec(select(Replenishment.quantity)).one() == Decimal("260"), "300 released less the 40 in good order"


def test_a_confirmed_replenishment_instructs_the_receipts_that_fulfil_it(db):
    row = executing(db, "100")
    instruction = instruction_of(db, row)
    take(db, "clerk", instruction, "acknowledge")
    execute(db, "clerk", instruction)
    act(db, row, "officer", "complete")
    proposal = db.exec(select(Replenishment)).one()
    with pytest.raises(NotFound):
        replenishments.confirm(session=db, actor=user_named(db, "emapprover"), replenishment_id=proposal.id)
    db.rollback()
    with pytest.raises(Forbidden):
        replenishments.confirm(session=db, actor=user_named(db, "officer"), replenishment_id=proposal.id)
    db.rollback()
    with pytest.raises(Invalid):
        replenishments.confirm(session=db, actor=user_named(db, "approver"), replenishment_id=proposal.id,
                               quantity="0")
    db.rollback()
    due = business_today() + timedelta(days=30)
    replenishments.confirm(session=db, actor=user_named(db, "approver"), replenishment_id=proposal.id,
                           quantity="120", due_on=due, note="按市场情况多补20吨")
    db.commit()
    db.expire_all()
    confirmed = db.get(Replenishment, proposal.id)
    assert (confirmed.status, confirmed.quantity, confirmed.due_on) == ("confirmed", Decimal("120"), due)
    receive_order = db.exec(select(Instruction).where(Instruction.replenishment_id == proposal.id)).one()
    assert (receive_order.kind, receive_order.quantity, receive_order.deadline) == ("receive", Decimal("120"), due)
    take(db, "clerk", receive_order, "acknowledge")
    for code, amount in (("WH-NEW-1", "70"), ("WH-NEW-2", "50")):
        instructions.execute(session=db, actor=user_named(db, "clerk"), instruction_id=receive_order.id,
                             receipt=Receipt(material="", facility="GR-01", lot_code=code, quantity=Decimal(amount),
                                             production_date=business_today() - timedelta(days=5)))
        db.commit()
    db.expire_all()
    assert (db.get(Replenishment, proposal.id).status, db.get(Replenishment, proposal.id).received) == (
        "fulfilled", Decimal("120"))
    assert db.get(Instruction, receive_order.id).status == "executed"
    assert steps(db, "replenishment", proposal.id) == [
        ("request", None, "proposed", "bureau_officer"), ("confirm", "proposed", "confirmed", "bureau_approver"),
        ("complete", "confirmed", "fulfilled", "enterprise_clerk")]
    assert ledger.verify(session=db) == []


# -- emergency ------------------------------------------------------------------------------------------------


def tent_plan(**changes):
    return wheat_plan(lines=(LineInput("TENT", "200", "850"),), emergency=True, **changes)


def test_an_authorised_department_dispatches_at_once_and_files_within_20_days(db):
    row = drafted(db, tent_plan(), by="emofficer")
    assert row.emergency
    with pytest.raises(Conflict):  # not through the co-signatures
        act(db, row, "emofficer", "submit")
    db.rollback()
    row = act(db, row, "emofficer", "execute", "汛情紧急，先行调用")
    db.expire_all()
    row = db.get(Dispatch, row.id)
    assert (row.status, row.executed_by, row.authorisation_id) == (
        "executing", user_named(db, "emofficer").id,
        db.exec(select(EmergencyAuthorisation.id)).one())
    instruction = instruction_of(db, row)
    take(db, "reliefclerk", instruction, "acknowledge")
    execute(db, "reliefclerk", instruction)
    with pytest.raises(Invalid) as caught:
        act(db, row, "emofficer", "complete")
    db.rollback()
    assert "work_ended_on" in caught.value.fields
    with pytest.raises(Invalid):
        act(db, row, "emofficer", "complete", work_ended_on=business_today() + timedelta(days=1))
    db.rollback()
    ended = business_today()
    row = act(db, row, "emofficer", "complete", work_ended_on=ended)
    db.expire_all()
    row = db.get(Dispatch, row.id)
    assert (row.status, row.work_ended_on, row.filing_due_on) == ("completed", ended, ended + timedelta(days=20))
    with pytest.raises(Invalid):
        act(db, row, "emofficer", "file")
    db.rollback()
    with pytest.raises(Forbidden):
        act(db, row, "coordinator", "file", reference="X")
    db.rollback()
    act(db, row, "emapprover", "file", "报市政府备案", reference="廊应急〔2026〕5号")
    db.expire_all()
    row = db.get(Dispatch, row.id)
    assert (row.status, row.filing_reference, row.filed_by) == ("filed", "廊应急〔2026〕5号",
                                                                user_named(db, "emapprover").id)
    filing = db.exec(select(AuditEvent).where(AuditEvent.action == "dispatch.filing")).one()
    assert {"trigger", "recipients", "transport", "lines", "reference"} <= set(filing.after)
    assert [s[0] for s in steps(db, "dispatch", row.id)] == ["request", "execute", "complete", "file"]


def test_without_an_authorisation_in_force_nobody_dispatches_at_once(db):
    with pytest.raises(Invalid) as caught:
        drafted(db, wheat_plan(emergency=True), by="officer")
    db.rollback()
    assert "emergency" in caught.value.fields
    row = drafted(db, tent_plan(), by="emofficer")
    authorisation = db.exec(select(EmergencyAuthorisation)).one()
    emergency.revoke_authorisation(session=db, actor=user_named(db, "admin"), authorisation_id=authorisation.id)
    db.commit()
    with pytest.raises(Forbidden):
        act(db, row, "emofficer", "execute")
    db.rollback()
    assert db.get(Dispatch, row.id).status == "draft"


@pytest.mark.parametrize("username", ["emofficer", "gov", "coordinator", "clerk"])
def test_only_an_administrator_records_an_authorisation(db, username):
    with pytest.raises(Forbidden):
        emergency.record_authorisation(session=db, actor=user_named(db, username), org="BUR-GRAIN", reference="R",
                                       valid_from=business_today(), valid_until=business_today())


def test_an_authorisation_names_a_department_a_reference_and_a_period(db):
    with pytest.raises(Invalid) as caught:
        emergency.record_authorisation(session=db, actor=user_named(db, "admin"), org="ENT-GRAIN", reference=" ",
                                       valid_from=business_today(), valid_until=business_today() - timedelta(days=1))
    assert set(caught.value.fields) == {"org", "reference", "valid_until"}


@pytest.mark.parametrize(("ended", "due"), [
    (date(2027, 2, 15), date(2027, 3, 7)),   # across February's end
    (date(2028, 2, 15), date(2028, 3, 6)),   # a leap year's February
    (date(2026, 12, 20), date(2027, 1, 9)),  # across the year's end
    (date(2027, 1, 31), date(2027, 2, 20)),  # from a month's last day
])
def test_the_filing_is_due_20_calendar_days_after_the_work_ended(ended, due):
    """§四(一): 在相关工作结束后二十日内向市人民政府备案 — day 1 is the day after the work ended."""
    assert emergency.filing_due(ended) == due


def test_filing_overdue_opens_the_day_after_the_due_day_and_resolves_on_filing(db):
    row = act(db, drafted(db, tent_plan(), by="emofficer"), "emofficer", "execute")
    instruction = instruction_of(db, row)
    take(db, "reliefclerk", instruction, "acknowledge")
    execute(db, "reliefclerk", instruction)
    row = act(db, row, "emofficer", "complete", work_ended_on=business_today())
    due = business_today() + timedelta(days=20)
    scan(db, "filing_overdue", as_of=due)
    assert db.exec(select(Dispatch.id)).all() and not _open(db, "filing_overdue")
    scan(db, "filing_overdue", as_of=due + timedelta(days=1))
    alert = alert_for(db, "filing_overdue", row.id)
    assert (alert.state, alert.severity, alert.bureau_id) == ("open", "critical", org_coded(db, "BUR-EMERGENCY").id)
    assert alert.payload["filing_due_on"] == due.isoformat()
    act(db, row, "emofficer", "file", reference="廊应急〔2026〕6号")
    scan(db, "filing_overdue", as_of=due + timedelta(days=2))
    assert alert_for(db, "filing_overdue", row.id).state == "resolved"


def _open(db, kind: str) -> list:
    from inventory.models import Alert
    db.expire_all()
    return list(db.exec(select(Alert).where(Alert.kind == kind, Alert.state == "open")))


def test_an_instruction_past_its_deadline_alerts_until_it_is_closed(db):
    row = executing(db)
    instruction = instruction_of(db, row)
    scan(db, "instruction_overdue", as_of=instruction.deadline)
    assert not _open(db, "instruction_overdue")
    scan(db, "instruction_overdue", as_of=instruction.deadline + timedelta(days=1))
    alert = alert_for(db, "instruction_overdue", instruction.id)
    assert (alert.state, alert.severity, alert.enterprise_id) == ("open", "warning", org_coded(db, "ENT-GRAIN").id)
    scan(db, "instruction_overdue", as_of=instruction.deadline + timedelta(days=4))
    assert alert_for(db, "instruction_overdue", instruction.id).severity == "critical"
    take(db, "clerk", instruction, "acknowledge")
    execute(db, "clerk", instruction)
    scan(db, "instruction_overdue", as_of=instruction.deadline + timedelta(days=5))
    assert alert_for(db, "instruction_overdue", instruction.id).state == "resolved"


def test_a_replenishment_past_its_due_date_alerts(db):
    row = executing(db, "50")
    instruction = instruction_of(db, row)
    take(db, "clerk", instruction, "acknowledge")
    execute(db, "clerk", instruction)
    act(db, row, "officer", "complete")
    proposal = db.exec(select(Replenishment)).one()
    scan(db, "replenishment_overdue", as_of=proposal.due_on + timedelta(days=1))
    alert = alert_for(db, "replenishment_overdue", proposal.id)
    # unconfirmed, it is the bureau's to act on; once confirmed, the enterprise's too
    assert (alert.state, alert.enterprise_id, alert.payload["code"]) == ("open", None, proposal.code)
    replenishments.confirm(session=db, actor=user_named(db, "approver"), replenishment_id=proposal.id)
    db.commit()
    scan(db, "replenishment_overdue", as_of=proposal.due_on + timedelta(days=2))
    assert alert_for(db, "replenishment_overdue", proposal.id).enterprise_id == org_coded(db, "ENT-GRAIN").id


def test_the_inbox_lists_each_instruction_to_its_enterprise_then_the_completion_to_the_bureau(db):
    row = executing(db)
    instruction = instruction_of(db, row)

    def waiting(username: str) -> set[tuple[str, int]]:
        listed = {(item.flow.name, item.row.id) for item in inbox.items_for(session=db, user=user_named(db, username))}
        db.rollback()
        return listed

    assert ("instruction", instruction.id) in waiting("clerk")
    assert ("instruction", instruction.id) not in waiting("coldclerk")
    assert ("dispatch", row.id) not in waiting("officer")
    take(db, "clerk", instruction, "acknowledge")
    assert ("instruction", instruction.id) in waiting("clerk"), "acknowledged, it waits to be executed"
    execute(db, "clerk", instruction)
    assert ("instruction", instruction.id) not in waiting("clerk")
    assert ("dispatch", row.id) in waiting("officer")


def test_a_bureau_issues_its_own_release_instruction_which_holds_the_stock_from_later_plans(db):
    own = instructions.issue_instruction(session=db, actor=user_named(db, "officer"), given=InstructionInput(
        kind="release", enterprise="ENT-GRAIN", material="WHEAT", quantity="3000",
        deadline=business_today() + timedelta(days=2), reason="市场投放，平抑面粉价格"))
    db.commit()
    assert (own.status, own.dispatch_id, own.issuing_org_id) == ("issued", None, org_coded(db, "BUR-GRAIN").id)
    linked = db.exec(select(InstructionLot).where(InstructionLot.instruction_id == own.id)).all()
    assert [(link.lot_id, link.proposed) for link in linked] == [(lot(db, "WH-2024-001").id, Decimal("3000"))]
    # the first lot's 3,000 t are held by the instruction: a plan of 300 t is allocated from the next lot
    row = executing(db)
    proposed = db.exec(select(InstructionLot).where(InstructionLot.instruction_id == instruction_of(db, row).id)
                       .order_by(InstructionLot.id)).all()
    assert [(p.lot_id, p.proposed) for p in proposed] == [(lot(db, "WH-2025-014").id, Decimal("300"))]
    take(db, "clerk", own, "acknowledge")
    done = execute(db, "clerk", own)
    assert {m.kind for m in done.movements} == {"issue"}


@pytest.mark.parametrize(("changes", "field"), [
    ({"quantity": "99999"}, "quantity"),
    ({"material": "TENT"}, "material"),
    ({"enterprise": "BUR-GRAIN"}, "enterprise"),
    ({"deadline": date(2020, 1, 1)}, "deadline"),
    ({"reason": " "}, "reason"),
    ({"kind": "sideways"}, "kind"),
    ({"lots": ((10_000, "5"),)}, "lots[0].lot"),
])
def test_a_bad_instruction_is_refused_naming_the_field_and_nothing_is_written(db, changes, field):
    given = dict(kind="release", enterprise="ENT-GRAIN", material="WHEAT", quantity="5",
                 deadline=business_today() + timedelta(days=2), reason="市场投放")
    with pytest.raises(Invalid) as caught:
        instructions.issue_instruction(session=db, actor=user_named(db, "officer"),
                                       given=InstructionInput(**{**given, **changes}))
    db.rollback()
    assert field in caught.value.fields
    assert count_rows(db, Instruction) == 0 and count_rows(db, InstructionLot) == 0


def test_after_a_refusal_the_bureau_instructs_another_enterprise_for_the_same_dispatch(db):
    directory.create_user(session=db, username="bzclerk", org_code="ENT-BAZHOU", role="enterprise_clerk",
                          password="long enough 1")
    db.commit()
    receive(db, clerk="bzclerk", facility="BZ-01", quantity="500", lot_code="BZ-WH-1")
    row = executing(db)
    take(db, "clerk", instruction_of(db, row), "refuse", "粮库封仓")
    given = InstructionInput(kind="release", enterprise="ENT-BAZHOU", material="WHEAT", quantity="300.001",
                             deadline=business_today() + timedelta(days=1), reason="接替粮库执行", dispatch_id=row.id)
    with pytest.raises(Invalid) as caught:
        instructions.issue_instruction(session=db, actor=user_named(db, "officer"), given=given)
    db.rollback()
    assert set(caught.value.fields) == {"quantity"}
    takeover = instructions.issue_instruction(session=db, actor=user_named(db, "officer"),
                                              given=InstructionInput(**{**given.__dict__, "quantity": "300"}))
    db.commit()
    take(db, "bzclerk", takeover, "acknowledge")
    assert {m.kind for m in execute(db, "bzclerk", takeover).movements} == {"dispatch"}
    act(db, row, "officer", "complete")
    assert [(r.enterprise_id, r.quantity) for r in db.exec(select(Replenishment))] == [
        (org_coded(db, "ENT-BAZHOU").id, Decimal("300"))]


def test_stock_an_open_instruction_holds_is_not_issued_or_transferred_from_under_it(db):
    from inventory.services.stock import lots as stock_lots

    row = executing(db)
    source = lot(db, "WH-2024-001")
    with pytest.raises(Conflict) as caught:  # 3,000 on hand, 300 held for the dispatch
        stock_lots.issue(session=db, actor=user_named(db, "clerk"), lot_id=source.id, amount=Decimal("2700.001"))
    db.rollback()
    assert caught.value.code == "held_by_instruction"
    stock_lots.issue(session=db, actor=user_named(db, "clerk"), lot_id=source.id, amount=Decimal("2700"))
    db.commit()
    take(db, "clerk", instruction_of(db, row), "acknowledge")
    assert execute(db, "clerk", instruction_of(db, row)).instruction.status == "executed"


def test_a_consented_lot_gives_only_what_other_instructions_do_not_hold(db):
    row = executing(db)  # holds 300 of WH-2024-001
    own = instructions.issue_instruction(session=db, actor=user_named(db, "officer"), given=InstructionInput(
        kind="release", enterprise="ENT-GRAIN", material="WHEAT", quantity="2800",
        deadline=business_today() + timedelta(days=2), reason="市场投放", lots=((lot(db, "WH-2025-014").id, "2800"),)))
    db.commit()
    instructions.add_lot(session=db, actor=user_named(db, "approver"), instruction_id=own.id,
                         lot_id=lot(db, "WH-2024-001").id)
    db.commit()
    take(db, "clerk", own, "acknowledge")
    with pytest.raises(Conflict) as caught:
        execute(db, "clerk", own, (lot(db, "WH-2024-001").id, "2700.001"))
    db.rollback()
    assert caught.value.code == "held_by_instruction"
    execute(db, "clerk", own, (lot(db, "WH-2024-001").id, "2700"))
    take(db, "clerk", instruction_of(db, row), "acknowledge")
    assert execute(db, "clerk", instruction_of(db, row)).instruction.executed == Decimal("300")


def test_consent_is_to_an_available_lot_only(db):
    row = executing(db)
    held = receive(db, quantity="50", lot_code="WH-HELD")
    db.execute(update(Lot).where(Lot.id == held.id).values(status="quarantined"))
    db.commit()
    with pytest.raises(Invalid):
        instructions.add_lot(session=db, actor=user_named(db, "approver"), instruction_id=instruction_of(db, row).id,
                             lot_id=held.id)


def test_a_receive_instruction_needs_a_facility_that_may_store_the_material(db):
    given = InstructionInput(kind="receive", enterprise="ENT-COLD", material="WHEAT", quantity="10",
                             deadline=business_today() + timedelta(days=2), reason="补充")
    with pytest.raises(Invalid) as caught:
        instructions.issue_instruction(session=db, actor=user_named(db, "officer"), given=given)
    db.rollback()
    assert set(caught.value.fields) == {"enterprise"} and count_rows(db, Instruction) == 0


def _confirmed_replenishment(db) -> Replenishment:
    row = executing(db, "100")
    take(db, "clerk", instruction_of(db, row), "acknowledge")
    execute(db, "clerk", instruction_of(db, row))
    act(db, row, "approver", "complete")
    proposal = db.exec(select(Replenishment)).one()
    with pytest.raises(Forbidden):  # whose completion proposed it does not also confirm it (four eyes)
        replenishments.confirm(session=db, actor=user_named(db, "approver"), replenishment_id=proposal.id)
    db.rollback()
    directory.create_user(session=db, username="approver2", org_code="BUR-GRAIN", role="bureau_approver",
                          password="long enough 1")
    replenishments.confirm(session=db, actor=user_named(db, "approver2"), replenishment_id=proposal.id)
    db.commit()
    db.expire_all()
    return db.get(Replenishment, proposal.id)


def test_only_stock_that_passed_inspection_fulfils_a_replenishment(db):
    proposal = _confirmed_replenishment(db)
    order = db.exec(select(Instruction).where(Instruction.replenishment_id == proposal.id)).one()
    take(db, "clerk", order, "acknowledge")
    movements = count_rows(db, Movement)
    for result in ("failed", "pending"):
        with pytest.raises(Invalid) as caught:
            instructions.execute(session=db, actor=user_named(db, "clerk"), instruction_id=order.id, receipt=Receipt(
                material="", facility="GR-01", lot_code=f"WH-{result}", quantity=Decimal("100"),
                inspection_result=result))
        db.rollback()
        assert "inspection_result" in caught.value.fields
    assert (db.get(Replenishment, proposal.id).received, count_rows(db, Movement)) == (Decimal(0), movements)


def test_the_bureau_instructs_again_after_a_receive_instruction_is_refused(db):
    proposal = _confirmed_replenishment(db)
    order = db.exec(select(Instruction).where(Instruction.replenishment_id == proposal.id)).one()
    with pytest.raises(Conflict):  # the first instruction still covers it all
        instructions.reinstruct(session=db, actor=user_named(db, "officer"), replenishment_id=proposal.id)
    db.rollback()
    take(db, "clerk", order, "refuse", "仓容不足")
    with pytest.raises(NotFound):
        instructions.reinstruct(session=db, actor=user_named(db, "emofficer"), replenishment_id=proposal.id)
    db.rollback()
    again = instructions.reinstruct(session=db, actor=user_named(db, "officer"), replenishment_id=proposal.id)
    db.commit()
    assert (again.kind, again.quantity, again.replenishment_id, again.deadline) == (
        "receive", Decimal("100"), proposal.id, proposal.due_on)
