"""The expiry and count scans through the one engine: open once, refresh, escalate, resolve, reopen."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from inventory.core.clock import business_today
from inventory.core.errors import Conflict, Invalid
from inventory.models import Alert, AlertEvent, AuditEvent, CountMismatch, Facility, Lot, Material
from inventory.services.stock import counts, ledger, lots
from tests.alerts.helpers import alert_for, alerts_of, events_of, expire, lot_coded, scan
from tests.helpers import count_rows, receive, user_named

TODAY = business_today()
#: the scans read their settings (escalation and reminder times) from the application
pytestmark = pytest.mark.usefixtures("ctx")


def test_demo_has_expiring_lots_and_a_second_run_adds_nothing(db):
    first = scan(db, "lot_expiring")
    assert first.opened >= 1 and first.refreshed == 0
    opened = alerts_of(db, "lot_expiring")
    events = count_rows(db, AlertEvent)
    second = scan(db, "lot_expiring")
    assert (second.opened, second.refreshed, second.resolved) == (0, first.opened, 0)
    assert [a.id for a in alerts_of(db, "lot_expiring")] == [a.id for a in opened]
    assert count_rows(db, AlertEvent) == events


def test_the_warning_period_is_the_materials_lead_time_else_thirty_days(db):
    wheat = db.exec(select(Material).where(Material.code == "WHEAT")).one()
    db.execute(update(Material).where(Material.id == wheat.id).values(rotation_lead_days=45))
    db.commit()
    inside = receive(db, expiry=TODAY + timedelta(days=45))
    outside = receive(db, expiry=TODAY + timedelta(days=46))
    scan(db, "lot_expiring")
    assert {a.subject_id for a in alerts_of(db, "lot_expiring")} & {inside.id, outside.id} == {inside.id}
    assert alert_for(db, "lot_expiring", inside.id).payload["lead_days"] == 45
    db.execute(update(Material).where(Material.id == wheat.id).values(rotation_lead_days=0))
    db.commit()
    at_thirty, beyond = receive(db, expiry=TODAY + timedelta(days=30)), receive(db, expiry=TODAY + timedelta(days=31))
    scan(db, "lot_expiring")
    ids = {a.subject_id for a in alerts_of(db, "lot_expiring") if a.state == "open"}
    assert at_thirty.id in ids and beyond.id not in ids and inside.id not in ids
    assert alert_for(db, "lot_expiring", inside.id).state == "resolved"


def test_severity_escalates_at_seven_days_and_the_alert_resolves_and_reopens_with_history(db):
    lot = receive(db, expiry=TODAY + timedelta(days=20))
    scan(db, "lot_expiring")
    alert = alert_for(db, "lot_expiring", lot.id)
    assert (alert.severity, alert.state, alert.payload["days_left"]) == ("warning", "open", 20)
    escalated = scan(db, "lot_expiring", TODAY + timedelta(days=13))
    assert escalated.escalated >= 1
    assert alert_for(db, "lot_expiring", lot.id).severity == "critical"
    lots.issue(session=db, actor=user_named(db, "clerk"), lot_id=lot.id, amount=lot.on_hand)
    db.commit()
    assert scan(db, "lot_expiring", TODAY + timedelta(days=13)).resolved >= 1
    resolved = alert_for(db, "lot_expiring", lot.id)
    assert resolved.state == "resolved" and resolved.resolved_at is not None
    ledger.post_movement(session=db, lot_id=lot.id, kind="adjustment", amount=1, actor=user_named(db, "clerk"))
    db.commit()
    assert scan(db, "lot_expiring", TODAY + timedelta(days=13)).reopened == 1
    again = alert_for(db, "lot_expiring", lot.id)
    assert (again.id, again.state, again.resolved_at) == (alert.id, "open", None)
    steps = [(e.from_state, e.to_state, e.from_severity, e.to_severity, e.actor_id) for e in events_of(db, alert.id)]
    assert steps == [(None, "open", None, "warning", None), ("open", "open", "warning", "critical", None),
                     ("open", "resolved", "critical", "critical", None), ("resolved", "open", "critical", "critical", None)]


def test_an_expired_lot_is_marked_expired_alerted_and_still_expiring(db):
    lot = receive(db, expiry=TODAY + timedelta(days=5))
    scan(db, "lot_expiring")
    expire(db, lot.id)
    outcome = scan(db, "lot_expired")
    assert outcome.prepared >= 1
    alert = alert_for(db, "lot_expired", lot.id)
    assert (alert.severity, alert.state, alert.payload["days_over"]) == ("critical", "open", 3)
    db.expire_all()
    assert db.get(Lot, lot.id).status == "expired"
    audit = db.exec(select(AuditEvent).where(AuditEvent.action == "lot.expire", AuditEvent.entity_id == str(lot.id))).one()
    assert audit.after == {"status": "expired"} and audit.actor_id is None
    scan(db, "lot_expiring")
    assert alert_for(db, "lot_expiring", lot.id).state == "open"
    with pytest.raises(Conflict):
        lots.issue(session=db, actor=user_named(db, "clerk"), lot_id=lot.id, amount=1)
    db.rollback()
    assert scan(db, "lot_expired").prepared == 0


def test_holds_keep_their_status_and_a_future_day_marks_nothing(db):
    held, later = receive(db, expiry=TODAY + timedelta(days=40)), receive(db, expiry=TODAY + timedelta(days=40))
    lots.set_hold(session=db, actor=user_named(db, "manager"), lot_id=held.id, status="quality_hold", reason="检验")
    db.commit()
    expire(db, held.id)
    outcome = scan(db, "lot_expired", TODAY + timedelta(days=60))
    db.expire_all()
    assert db.get(Lot, held.id).status == "quality_hold"
    assert db.get(Lot, later.id).status == "available"
    assert {held.id, later.id} <= {a.subject_id for a in alerts_of(db, "lot_expired")}
    assert outcome.prepared == 0


def test_a_depleted_expired_lot_has_no_alert(db):
    lot = receive(db, expiry=TODAY + timedelta(days=40))
    lots.issue(session=db, actor=user_named(db, "clerk"), lot_id=lot.id, amount=lot.on_hand)
    db.commit()
    expire(db, lot.id)
    scan(db, "lot_expired")
    assert lot.id not in {a.subject_id for a in alerts_of(db, "lot_expired")}
    db.expire_all()
    assert db.get(Lot, lot.id).status == "depleted"


def test_count_mismatches_of_the_open_round_alert_until_decided(db):
    lot = lot_coded(db, "WH-2024-001")
    mismatch = CountMismatch(count_id=_count(db, lot), lot_id=lot.id, enterprise_id=lot.enterprise_id, book=10,
                             counted=7, difference=-3)
    db.add(mismatch)
    db.commit()
    assert scan(db, "count_mismatch").opened == 1
    alert, = alerts_of(db, "count_mismatch")
    assert (alert.subject_type, alert.subject_id, alert.enterprise_id) == ("count", mismatch.count_id, lot.enterprise_id)
    assert alert.payload["lot_code"] == "WH-2024-001"
    db.execute(update(CountMismatch).where(CountMismatch.id == mismatch.id).values(decision="approved"))
    db.commit()
    assert scan(db, "count_mismatch").resolved == 1


def _count(db, lot: Lot) -> int:
    count = counts.open_count(session=db, actor=user_named(db, "clerk"), facility_code=db.get(Facility, lot.facility_id).code)
    db.commit()
    return count.id


def test_an_unknown_scan_is_refused_and_changes_nothing(db):
    with pytest.raises(Invalid) as refused:
        scan(db, "pressure")
    assert "lot_expiring" in refused.value.fields["scan"][0]
    db.rollback()
    assert count_rows(db, Alert) == 0


def test_groups_and_all_name_their_scans(db, ctx):
    assert [o.kind for o in scan(db, "expiry")] == ["lot_expiring", "lot_expired"]
    assert {o.kind for o in scan(db, "all")} >= {"lot_expiring", "lot_expired", "count_mismatch", "approval_waiting"}
