"""Where an approved dispatch takes its stock from: FEFO across enterprises over available lots, refused when the
stock falls short, or the approver's own list checked against the same rules; and who sees a plan."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, update
from sqlmodel import Session, select

from inventory import scope
from inventory.core.clock import business_today
from inventory.core.errors import Conflict, DomainError, Invalid
from inventory.db import engine_for
from inventory.models import Dispatch, DispatchAllocation, Facility, InstructionLot, Lot, Movement, User, WorkflowStep
from inventory.services.accounts import directory
from inventory.services.workflows import dispatch
from inventory.services.workflows.dispatch_allocation import AllocationInput
from inventory.services.workflows.dispatch_plan import LineInput
from tests.helpers import DATABASE_URL, count_rows, org_coded, receive, user_named
from tests.workflows.dispatching import act, cosigned, submitted, wheat_plan


@pytest.fixture(autouse=True)
def ctx(app):
    """Messages in English, as the API gives them."""
    with app.test_request_context("/api/v1/dispatches"):
        yield


def lot(db, code: str) -> Lot:
    return db.exec(select(Lot).where(Lot.lot_code == code)).one()


def allocated(db, row: Dispatch) -> list[tuple[str, str, Decimal]]:
    """(lot code, enterprise code, quantity) in allocation order."""
    db.expire_all()
    rows = db.exec(select(DispatchAllocation).where(DispatchAllocation.dispatch_id == row.id)
                   .order_by(DispatchAllocation.id)).all()
    return [(db.get(Lot, a.lot_id).lot_code, db.get(Lot, a.lot_id).enterprise_id, a.quantity) for a in rows]


@pytest.fixture
def bazhou(db) -> int:
    """霸州粮油 gets a clerk and receives wheat: 200 t expiring in 30 days (earlier than anything of 廊坊粮库) and
    500 t expiring in 1,000 days (later than all)."""
    directory.create_user(session=db, username="bzclerk", org_code="ENT-BAZHOU", role="enterprise_clerk",
                          password="long enough 1")
    db.commit()
    today = business_today()
    receive(db, clerk="bzclerk", facility="BZ-01", quantity="200", expiry=today + timedelta(days=30),
            lot_code="BZ-SOON")
    receive(db, clerk="bzclerk", facility="BZ-01", quantity="500", expiry=today + timedelta(days=1000),
            lot_code="BZ-LATE")
    return org_coded(db, "ENT-BAZHOU").id


def test_approval_allocates_fefo_across_the_two_grain_enterprises(db, bazhou):
    grain = org_coded(db, "ENT-GRAIN").id
    movements = count_rows(db, Movement)
    row = act(db, cosigned(db, wheat_plan(quantity="3500")), "gov", "approve")
    # 200 t expiring first at Bazhou, then the 2024 wheat of Anci (3,000 t), then the earlier-expiring of the rest
    assert allocated(db, row) == [("BZ-SOON", bazhou, Decimal("200")), ("WH-2024-001", grain, Decimal("3000")),
                                  ("WH-2025-014", grain, Decimal("300"))]
    assert count_rows(db, Movement) == movements


def test_held_and_expired_lots_are_not_allocated(db, bazhou):
    soon = lot(db, "BZ-SOON")
    db.execute(update(Lot).where(Lot.id == soon.id).values(status="quality_hold"))
    db.execute(update(Lot).where(Lot.lot_code == "WH-2024-001")
               .values(expiry_date=business_today() - timedelta(days=1)))
    db.commit()
    row = act(db, cosigned(db, wheat_plan(quantity="4300")), "gov", "approve")
    grain = org_coded(db, "ENT-GRAIN").id
    assert allocated(db, row) == [("WH-2025-014", grain, Decimal("4100.5")), ("BZ-LATE", bazhou, Decimal("199.5"))]


def test_approval_is_refused_when_available_stock_cannot_cover_a_line(db, bazhou):
    # wheat available: 3,000 + 4,100.5 + 200 + 500 = 7,800.5 t
    row = cosigned(db, wheat_plan(quantity="7800.6"))
    steps = count_rows(db, WorkflowStep)
    with pytest.raises(Conflict) as caught:
        act(db, row, "gov", "approve")
    db.rollback()
    assert caught.value.code == "insufficient_stock" and "7,800.5" in caught.value.message
    assert db.get(Dispatch, row.id).status == "cosigned"
    assert count_rows(db, DispatchAllocation) == 0 and count_rows(db, WorkflowStep) == steps
    assert act(db, cosigned(db, wheat_plan(quantity="7800.5")), "gov", "approve").status == "executing"


def test_stock_allocated_to_an_approved_plan_is_not_allocated_again(db):
    grain = org_coded(db, "ENT-GRAIN").id
    first = act(db, cosigned(db, wheat_plan(quantity="2000")), "gov", "approve")
    second = act(db, cosigned(db, wheat_plan(quantity="2000")), "gov", "approve")
    assert allocated(db, first) == [("WH-2024-001", grain, Decimal("2000"))]
    assert allocated(db, second) == [("WH-2024-001", grain, Decimal("1000")), ("WH-2025-014", grain, Decimal("1000"))]
    with pytest.raises(Conflict):
        act(db, cosigned(db, wheat_plan(quantity="3100.6")), "gov", "approve")


def test_the_approver_may_allocate_otherwise(db, bazhou):
    row = cosigned(db, wheat_plan(quantity="300"))
    line = dispatch.plan_lines(db, row.id)[0]
    preview = dispatch.preview_allocations(session=db, actor=user_named(db, "gov"), dispatch_id=row.id)
    assert [(a.lot_id, a.quantity) for a in preview] == [(lot(db, "BZ-SOON").id, Decimal("200")),
                                                         (lot(db, "WH-2024-001").id, Decimal("100"))]
    db.rollback()
    assert count_rows(db, DispatchAllocation) == 0, "a preview writes nothing"
    mine = [AllocationInput(line.id, lot(db, "BZ-LATE").id, "250"),
            AllocationInput(line.id, lot(db, "WH-2025-014").id, "50")]
    act(db, row, "gov", "approve", allocations=mine)
    assert allocated(db, row) == [("BZ-LATE", bazhou, Decimal("250")),
                                  ("WH-2025-014", org_coded(db, "ENT-GRAIN").id, Decimal("50"))]


@pytest.mark.parametrize(("entries", "fields"), [
    # a lot of another material
    (lambda db, line: [AllocationInput(line, lot(db, "RI-2024-007").id, "300")], {"allocations[0].lot", "lines[0]"}),
    # more than the lot holds
    (lambda db, line: [AllocationInput(line, lot(db, "BZ-SOON").id, "300")], {"allocations[0].quantity"}),
    # not the line's quantity
    (lambda db, line: [AllocationInput(line, lot(db, "BZ-LATE").id, "299")], {"lines[0]"}),
    # a held lot
    (lambda db, line: [AllocationInput(line, lot(db, "HELD").id, "300")], {"allocations[0].lot", "lines[0]"}),
    # not a line of this plan, a lot twice, a quantity that is not one
    (lambda db, line: [AllocationInput(line + 99, lot(db, "BZ-LATE").id, "300")], {"allocations[0].line", "lines[0]"}),
    (lambda db, line: [AllocationInput(line, lot(db, "BZ-LATE").id, "150"),
                       AllocationInput(line, lot(db, "BZ-LATE").id, "150")], {"allocations[1].lot", "lines[0]"}),
    (lambda db, line: [AllocationInput(line, lot(db, "BZ-LATE").id, "-300")], {"allocations[0].quantity", "lines[0]"}),
])
def test_bad_allocations_are_refused_and_nothing_is_written(db, bazhou, entries, fields):
    held = receive(db, clerk="bzclerk", facility="BZ-01", quantity="400", lot_code="HELD")
    db.execute(update(Lot).where(Lot.id == held.id).values(status="quarantined"))
    db.commit()
    row = cosigned(db, wheat_plan(quantity="300"))
    line = dispatch.plan_lines(db, row.id)[0].id
    steps = count_rows(db, WorkflowStep)
    with pytest.raises(Invalid) as caught:
        act(db, row, "gov", "approve", allocations=entries(db, line))
    db.rollback()
    assert set(caught.value.fields) == fields
    assert (db.get(Dispatch, row.id).status, count_rows(db, DispatchAllocation), count_rows(db, WorkflowStep)) == (
        "cosigned", 0, steps)


def test_allocations_go_only_with_the_governments_approval(db):
    row = submitted(db)
    line = dispatch.plan_lines(db, row.id)[0].id
    with pytest.raises(Invalid) as caught:
        act(db, row, "approver", "approve", allocations=[AllocationInput(line, lot(db, "WH-2024-001").id, "300")])
    assert set(caught.value.fields) == {"allocations"}
    db.rollback()
    ready = cosigned(db)
    with pytest.raises(DomainError) as refused:
        act(db, ready, "coordinator", "approve", allocations=[])
    assert refused.value.status == 403


def _visible_to(db, row: Dispatch) -> set[str]:
    db.expire_all()
    users = db.exec(select(User)).all()
    return {u.username for u in users if db.exec(scope.dispatches_query(db, u).where(Dispatch.id == row.id)).first()}


CITY = {"admin", "coordinator", "finance", "gov", "viewer"}
GRAIN_BUREAU = {"officer", "approver", "inspector"}


def test_the_drafting_bureau_the_co_signers_and_the_government_see_a_plan_enterprises_once_allocated(db, bazhou):
    row = cosigned(db, wheat_plan(quantity="150"))
    assert _visible_to(db, row) == CITY | GRAIN_BUREAU
    act(db, row, "gov", "approve")
    # 150 t all from Bazhou's lot expiring first: the grain enterprise of Anci gets nothing, and sees nothing
    assert _visible_to(db, row) == CITY | GRAIN_BUREAU | {"bzclerk", "bzmanager"}
    other = act(db, cosigned(db, wheat_plan(quantity="300")), "gov", "approve")
    assert _visible_to(db, other) == CITY | GRAIN_BUREAU | {"bzclerk", "bzmanager", "clerk", "manager"}
    with pytest.raises(DomainError) as caught:
        scope.visible_dispatch(db, user_named(db, "coldclerk"), other.id)
    assert caught.value.status == 404


def test_a_bureau_sees_its_own_drafts_before_any_line(db):
    row = dispatch.draft_dispatch(session=db, actor=user_named(db, "officer"), plan=wheat_plan(lines=()))
    db.commit()
    assert _visible_to(db, row) == CITY | GRAIN_BUREAU
    coordinators = dispatch.draft_dispatch(session=db, actor=user_named(db, "coordinator"), plan=wheat_plan(lines=()))
    db.commit()
    assert _visible_to(db, coordinators) == CITY
    dispatch.edit_dispatch(session=db, actor=user_named(db, "coordinator"), dispatch_id=coordinators.id,
                           plan=wheat_plan(lines=(LineInput("TENT", "100", "900"),)))
    db.commit()
    assert _visible_to(db, coordinators) == CITY | {"emofficer", "emapprover"}


PARALLEL = 6


def _in_parallel(app, row_id: int, usernames: list[str]) -> list[str]:
    """Each user co-signs at the same moment in their own session and transaction: 'ok' or the error code."""
    start = threading.Barrier(len(usernames))

    def sign(username: str) -> str:
        with app.app_context(), Session(engine_for(DATABASE_URL), expire_on_commit=False) as session:
            actor = user_named(session, username)
            start.wait()
            try:
                dispatch.decide_dispatch(session=session, actor=actor, dispatch_id=row_id, action="approve")
                session.commit()
                return "ok"
            except DomainError as error:
                session.rollback()
                return error.code

    with ThreadPoolExecutor(max_workers=len(usernames)) as pool:
        return list(pool.map(sign, usernames))


def test_one_party_signs_once_however_many_times_it_clicks(app, db):
    row = submitted(db)
    outcomes = _in_parallel(app, row.id, ["approver"] * PARALLEL)
    assert sorted(outcomes) == ["illegal_transition"] * (PARALLEL - 1) + ["ok"]
    db.expire_all()
    assert db.get(Dispatch, row.id).status == "cosigned_1"
    assert len(db.exec(select(WorkflowStep).where(WorkflowStep.flow == "dispatch", WorkflowStep.entity_id == row.id,
                                                  WorkflowStep.action == "approve")).all()) == 1


def test_parties_signing_at_once_each_count_once(app, db):
    row = submitted(db)
    outcomes = _in_parallel(app, row.id, ["coordinator", "finance", "approver"])
    assert set(outcomes) <= {"ok", "illegal_transition"} and "ok" in outcomes
    db.expire_all()
    signed = db.get(Dispatch, row.id)
    stamped = [who for who in (signed.ndrc_signed_by, signed.finance_signed_by, signed.bureau_signed_by) if who]
    assert len(stamped) == outcomes.count("ok")
    assert signed.status == ("cosigning", "cosigned_1", "cosigned_2", "cosigned")[len(stamped)]


def test_stock_kept_outside_its_storage_class_is_not_allocated(db):
    """Frozen pork in CS-01 once the store is kept at −12 °C at most: too warm for frozen goods (≤ −18 °C)."""
    for username, role in (("comofficer", "bureau_officer"), ("comapprover", "bureau_approver")):
        directory.create_user(session=db, username=username, org_code="BUR-COMMERCE", role=role,
                              password="long enough 1")
    db.commit()
    pork = wheat_plan(lines=(LineInput("PORK-FZ", "100", "24000"),))
    row = submitted(db, pork, by="comofficer")
    for signer in ("coordinator", "finance", "comapprover"):
        row = act(db, row, signer, "approve")
    line = dispatch.plan_lines(db, row.id)[0].id
    db.execute(update(Facility).where(Facility.code == "CS-01").values(temp_min=-20, temp_max=-12))
    db.commit()
    with pytest.raises(Invalid) as caught:
        act(db, row, "gov", "approve", allocations=[AllocationInput(line, lot(db, "PK-2026-031").id, "100")])
    db.rollback()
    assert "storage class" in caught.value.fields["allocations[0].lot"][0]
    with pytest.raises(Conflict):
        act(db, row, "gov", "approve")
    db.rollback()
    db.execute(update(Facility).where(Facility.code == "CS-01").values(temp_min=-30, temp_max=-18))
    db.commit()
    act(db, row, "gov", "approve")
    assert allocated(db, row) == [("PK-2026-031", org_coded(db, "ENT-COLD").id, Decimal("100"))]


def test_two_plans_approved_at_once_never_promise_the_same_stock_twice(app, db):
    """WH-2024-001 holds 3,000 t; two plans of 2,500 t each approved at the same moment: the lot is locked and
    checked again before it is promised, so it never holds more than it has (reserve-materials-measures §四(一))."""
    first, second = (cosigned(db, wheat_plan(quantity="2500")) for _ in range(2))
    start = threading.Barrier(2)

    def approve(row_id: int) -> str:
        with app.app_context(), Session(engine_for(DATABASE_URL), expire_on_commit=False) as session:
            actor = user_named(session, "gov")
            start.wait()
            try:
                dispatch.decide_dispatch(session=session, actor=actor, dispatch_id=row_id, action="approve")
                session.commit()
                return "ok"
            except DomainError as error:
                session.rollback()
                return error.code

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(approve, [first.id, second.id]))
    assert "ok" in outcomes and set(outcomes) <= {"ok", "held_by_instruction", "illegal_transition"}
    db.expire_all()
    promised = db.exec(select(func.sum(InstructionLot.proposed)).where(
        InstructionLot.lot_id == lot(db, "WH-2024-001").id)).one()
    assert promised <= lot(db, "WH-2024-001").on_hand
    statuses = sorted(db.get(Dispatch, row.id).status for row in (first, second))
    assert statuses.count("executing") == outcomes.count("ok")
