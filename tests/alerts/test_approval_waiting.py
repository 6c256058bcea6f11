"""``approval_waiting``: every registered flow's rows waiting for their decider longer than N working days."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import update

from inventory.core.clock import BUSINESS_TZ, business_today
from inventory.models import Facility, Lot, Material, StockCount, Transfer, WorkflowStep
from inventory.services.alerts import scans
from inventory.services.blood import calendar
from inventory.services.stock import counts, transfers
from tests.alerts.helpers import alert_for, alerts_of, scan
from tests.helpers import org_coded, receive, user_named


def shanghai(day: date, hour: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=BUSINESS_TZ).astimezone(timezone.utc)


def test_working_days_skip_the_national_day_holiday_and_count_the_adjusted_saturday(db):
    # Thursday 8 October 2026, after the 1–7 October holiday: working days back are 8 Oct, 30 Sep, 29 Sep
    assert scans.waiting_cutoff(db, date(2026, 10, 8), 2) == shanghai(date(2026, 9, 29))
    # Saturday 10 October 2026 is a working day (adjusted): 10, 9, 8 October
    assert scans.waiting_cutoff(db, date(2026, 10, 10), 2) == shanghai(date(2026, 10, 8))
    # a plain week: Friday 20 November 2026, limit 1: 20 and 19 November
    assert scans.waiting_cutoff(db, date(2026, 11, 20), 1) == shanghai(date(2026, 11, 19))


def test_an_administrators_ruling_counts_as_on_the_blood_board(db):
    """One calendar for the city: a day the administrator rules non-working is skipped here too."""
    assert scans.waiting_cutoff(db, date(2026, 11, 20), 1) == shanghai(date(2026, 11, 19))
    calendar.set_day(session=db, actor=user_named(db, "admin"), day=date(2026, 11, 19), working=False,
                     note="停电检修")
    db.commit()
    assert scans.waiting_cutoff(db, date(2026, 11, 20), 1) == shanghai(date(2026, 11, 18))


def test_years_the_calendar_does_not_know_fall_back_to_monday_to_friday(db):
    # Monday 7 and Tuesday 8 January 2030, limit 1: 8 and 7 January; Sunday 6 January is not counted
    assert scans.waiting_cutoff(db, date(2030, 1, 8), 1) == shanghai(date(2030, 1, 7))
    assert scans.waiting_cutoff(db, date(2030, 1, 7), 1) == shanghai(date(2030, 1, 4))


def _waiting_transfer(db) -> Transfer:
    lot = receive(db)
    transfer = transfers.request_transfer(session=db, actor=user_named(db, "clerk"), lot_id=lot.id,
                                          to_facility="GR-03", amount=Decimal("10"), reason="调往安次")
    db.commit()
    return transfer


def _entered(db, transfer: Transfer, at: datetime) -> None:
    db.execute(update(Transfer).where(Transfer.id == transfer.id).values(created_at=at))
    db.execute(update(WorkflowStep).where(WorkflowStep.flow == "transfer", WorkflowStep.entity_id == transfer.id)
               .values(at=at))
    db.commit()


def test_a_transfer_waiting_longer_than_the_limit_alerts_its_deciding_bureau(db, ctx):
    transfer = _waiting_transfer(db)
    today = business_today()
    cutoff = scans.waiting_cutoff(db, today, 2)
    _entered(db, transfer, cutoff + timedelta(minutes=1))
    scan(db, "approval_waiting")
    assert transfer.id not in {a.subject_id for a in alerts_of(db, "approval_waiting")}
    _entered(db, transfer, cutoff - timedelta(minutes=1))
    assert scan(db, "approval_waiting").opened == 1
    alert = alert_for(db, "approval_waiting", transfer.id)
    wheat_bureau = db.get(Material, db.get(Lot, transfer.lot_id).material_id).bureau_id
    assert (alert.subject_type, alert.severity, alert.enterprise_id, alert.bureau_id) == (
        "transfer", "warning", org_coded(db, "ENT-GRAIN").id, wheat_bureau)
    assert alert.payload == {"flow": "transfer", "status": "pending", "lot_id": transfer.lot_id}
    _entered(db, transfer, scans.waiting_cutoff(db, today, 4) - timedelta(minutes=1))
    assert scan(db, "approval_waiting").escalated == 1
    assert alert_for(db, "approval_waiting", transfer.id).severity == "critical"
    transfers.decide_transfer(session=db, actor=user_named(db, "approver"), transfer_id=transfer.id, action="approve")
    db.commit()
    assert scan(db, "approval_waiting").resolved == 1


def test_the_limit_is_a_setting(db, ctx):
    transfer = _waiting_transfer(db)
    _entered(db, transfer, scans.waiting_cutoff(db, business_today(), 2) - timedelta(minutes=1))
    ctx.config["ALERT_APPROVAL_WAITING_DAYS"] = 5
    scan(db, "approval_waiting")
    assert alerts_of(db, "approval_waiting") == []


def test_every_registered_flow_with_a_decision_is_watched(db, ctx):
    from inventory.services.workflows.registry import FLOWS

    sql = str(scans.approval_waiting(db, business_today()).compile(
        dialect=db.get_bind().dialect, compile_kwargs={"literal_binds": True}))
    deciding = {name for name, flow in FLOWS.items() if any(t.four_eyes and t.roles for t in flow.transitions)}
    assert {"transfer", "adjustment", "count"} <= deciding
    assert all(f"'approval_waiting:{name}:'" in sql for name in deciding)


def test_a_submitted_count_waits_for_the_bureau_of_its_materials(db, ctx):
    lot = receive(db)
    count = counts.open_count(session=db, actor=user_named(db, "clerk"),
                              facility_code=db.get(Facility, lot.facility_id).code)
    db.commit()
    long_ago = scans.waiting_cutoff(db, business_today(), 2) - timedelta(hours=1)
    db.execute(update(StockCount).where(StockCount.id == count.id).values(status="submitted"))
    db.add(WorkflowStep(flow="count", entity_id=count.id, action="submit", from_status="open",
                        to_status="submitted", at=long_ago))
    db.commit()
    scan(db, "approval_waiting")
    alert = alert_for(db, "approval_waiting", count.id)
    assert (alert.subject_type, alert.bureau_id, alert.enterprise_id) == (
        "count", org_coded(db, "BUR-GRAIN").id, org_coded(db, "ENT-GRAIN").id)


def test_a_dispatch_waiting_for_its_signatures_alerts_the_bureau_of_its_materials(db, ctx):
    from tests.workflows.dispatching import submitted

    with ctx.test_request_context():
        row = submitted(db)
    long_ago = scans.waiting_cutoff(db, business_today(), 2) - timedelta(hours=1)
    db.execute(update(WorkflowStep).where(WorkflowStep.flow == "dispatch", WorkflowStep.entity_id == row.id)
               .values(at=long_ago))
    db.commit()
    scan(db, "approval_waiting")
    alert = alert_for(db, "approval_waiting", row.id)
    assert (alert.subject_type, alert.bureau_id, alert.enterprise_id, alert.payload["status"]) == (
        "dispatch", org_coded(db, "BUR-GRAIN").id, None, "cosigning")
