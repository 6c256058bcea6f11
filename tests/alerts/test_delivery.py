"""Delivering the outbox in process (docs/domain-rules.md, alerts): one signed message per batch, grouped;
inhibited, skipped and silenced deliveries; digests; escalation and reminders with frozen time."""
from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import pytest
from sqlmodel import select

from inventory.core.clock import business_today, utcnow
from inventory.models import Alert, AlertEvent, Delivery, Facility
from inventory.services.alerts import actions, delivery, runs, silences
from inventory.services.stock import lots
from tests.alerts.delivery_support import DELIVERY_CONFIG, deliveries_of, subscribe_with
from tests.alerts.helpers import alert_for, expire, scan
from tests.helpers import receive, user_named

SOON = business_today() + timedelta(days=10)


@pytest.fixture
def ctx(app):
    app.config.update(DELIVERY_CONFIG)
    with app.app_context():
        yield app


pytestmark = pytest.mark.usefixtures("ctx")


def _hook(db, receiver, username="clerk", **fields):
    return subscribe_with(db, username, channel="webhook", target=receiver.url, **fields)


def test_one_signed_message_per_batch_and_nothing_twice(db, receiver):
    hook = _hook(db, receiver, kinds=["lot_expiring"], enterprises=["ENT-GRAIN"])
    for _ in range(3):
        receive(db, expiry=SOON)
    scan(db, "lot_expiring")
    delivery.deliver_due()
    rows = deliveries_of(db, hook)
    assert len(receiver.requests) == 1 and len(rows) >= 3
    sent = receiver.requests[0]
    assert sent.headers["X-Reserve-Signature"] == "sha256=" + hmac.new(
        hook.secret.encode(), sent.body, hashlib.sha256).hexdigest()
    body = sent.json()
    assert body["delivery"] == sent.headers["X-Reserve-Delivery"] == rows[0].batch
    assert sorted(a["id"] for a in body["alerts"]) == sorted(d.alert_id for d in rows)
    assert {a["kind"] for a in body["alerts"]} == {"lot_expiring"} and all(a["event"] == "opened" for a in body["alerts"])
    scan(db, "lot_expiring")
    assert delivery.deliver_due().sent == 0 and len(receiver.requests) == 1
    assert {d.state for d in deliveries_of(db, hook)} == {"delivered"}


def test_failures_retry_with_back_off_under_one_batch_id_and_die_after_the_limit(db, receiver, app):
    app.config["ALERT_DELIVERY_MAX_ATTEMPTS"] = 3
    hook = _hook(db, receiver, kinds=["lot_expiring"], enterprises=["ENT-GRAIN"])
    receive(db, expiry=SOON)
    scan(db, "lot_expiring")
    receiver.answers = [500, 503, 502]
    now = utcnow()
    assert delivery.deliver_due(now=now).retrying >= 1
    assert delivery.deliver_due(now=now).retrying == 0, "not due again before its back-off"
    delivery.deliver_due(now=now + timedelta(seconds=1.5))
    report = delivery.deliver_due(now=now + timedelta(seconds=10))
    assert report.dead >= 1
    rows = deliveries_of(db, hook)
    assert {(d.state, d.attempts, d.last_status) for d in rows} == {("dead", 3, 502)}
    assert len({r.headers["X-Reserve-Delivery"] for r in receiver.requests}) == 1


def test_a_4xx_is_dead_at_once_with_the_answer_recorded(db, receiver):
    hook = _hook(db, receiver, kinds=["lot_expiring"], enterprises=["ENT-GRAIN"])
    receive(db, expiry=SOON)
    scan(db, "lot_expiring")
    receiver.answers = [410]
    assert delivery.deliver_due().dead >= 1
    assert {(d.state, d.attempts, d.last_status) for d in deliveries_of(db, hook)} == {("dead", 1, 410)}


def test_lot_expired_inhibits_the_same_lots_lot_expiring_deliveries(db, receiver):
    hook = _hook(db, receiver, kinds=["lot_expiring", "lot_expired"])
    lot = receive(db, expiry=SOON)
    expire(db, lot.id)
    scan(db, "expiry")
    delivery.deliver_due()
    expiring, expired = alert_for(db, "lot_expiring", lot.id), alert_for(db, "lot_expired", lot.id)
    states = {d.alert_id: d.state for d in deliveries_of(db, hook)}
    assert (states[expiring.id], states[expired.id]) == ("inhibited", "delivered")
    assert expiring.state == "open", "inhibition mutes deliveries, never the alert"


def test_a_silence_holds_its_organisations_deliveries_until_it_ends_and_the_alert_stays_listed(db, receiver):
    """An enterprise's maintenance mutes what the enterprise is told, never what its bureau is told."""
    mine = _hook(db, receiver, username="manager", kinds=["lot_expiring"])
    supervisor = _hook(db, receiver, username="approver", kinds=["lot_expiring"])
    lot = receive(db, expiry=SOON)
    now = utcnow()
    silence = silences.create(session=db, actor=user_named(db, "manager"), reason="compressor maintenance",
                              facility="GR-01", ends_at=now + timedelta(hours=2))
    db.commit()
    scan(db, "lot_expiring")
    alert = alert_for(db, "lot_expiring", lot.id)
    facility = db.exec(select(Facility).where(Facility.code == "GR-01")).one()
    assert alert.facility_id == facility.id and alert.state == "open"
    report = delivery.deliver_due(now=now + timedelta(seconds=1))
    held = [d for d in deliveries_of(db, mine) if d.alert_id == alert.id]
    assert report.held >= 1 and [(d.state, d.due_at, d.held_by) for d in held] == [
        ("pending", silence.ends_at, silence.id)]
    assert [d.state for d in deliveries_of(db, supervisor) if d.alert_id == alert.id] == ["delivered"]
    assert silences.active_on(session=db, alert=alert, now=now + timedelta(minutes=1)) == [silence]
    delivery.deliver_due(now=now + timedelta(hours=2, seconds=1))
    db.expire_all()
    assert db.get(Delivery, held[0].id).state == "delivered"


def test_ending_a_silence_early_releases_what_it_held(db, receiver):
    mine = _hook(db, receiver, username="manager", kinds=["lot_expiring"])
    lot = receive(db, expiry=SOON)
    silence = silences.create(session=db, actor=user_named(db, "manager"), reason="door repair", facility="GR-01",
                              ends_at=utcnow() + timedelta(days=3))
    db.commit()
    scan(db, "lot_expiring")
    delivery.deliver_due()
    alert = alert_for(db, "lot_expiring", lot.id)
    assert [d.state for d in deliveries_of(db, mine) if d.alert_id == alert.id] == ["pending"]
    silences.end(session=db, actor=user_named(db, "manager"), silence_id=silence.id)
    db.commit()
    delivery.deliver_due()
    assert [(d.state, d.held_by) for d in deliveries_of(db, mine) if d.alert_id == alert.id] == [("delivered", None)]


def test_an_alert_resolved_before_its_delivery_went_out_sends_neither_change(db, receiver, app):
    app.config["ALERT_GROUP_WAIT_SECONDS"] = 60
    hook = _hook(db, receiver, kinds=["lot_expiring"], enterprises=["ENT-GRAIN"], send_resolved=True)
    lot = receive(db, expiry=SOON)
    scan(db, "lot_expiring")
    lots.issue(session=db, actor=user_named(db, "clerk"), lot_id=lot.id, amount=lot.on_hand)
    db.commit()
    scan(db, "lot_expiring")
    delivery.deliver_due(now=utcnow() + timedelta(minutes=2))
    alert = alert_for(db, "lot_expiring", lot.id)
    assert [d.state for d in deliveries_of(db, hook) if d.alert_id == alert.id] == ["skipped", "skipped"]


def test_a_digest_waits_for_its_hour_and_goes_out_as_one_message(db, receiver):
    hook = _hook(db, receiver, kinds=["lot_expiring"], enterprises=["ENT-GRAIN"], digest_hour=8)
    for _ in range(2):
        receive(db, expiry=SOON)
    scan(db, "lot_expiring")
    rows = deliveries_of(db, hook)
    assert rows and {d.group_key for d in rows} == {"digest"} and {d.due_at for d in rows} == {hook.next_digest_at}
    delivery.deliver_due(now=hook.next_digest_at - timedelta(seconds=1))
    assert receiver.requests == [] and {d.state for d in deliveries_of(db, hook)} == {"pending"}
    delivery.deliver_due(now=hook.next_digest_at)
    assert len(receiver.requests) == 1 and len(receiver.requests[0].json()["alerts"]) == len(rows)
    assert {d.state for d in deliveries_of(db, hook)} == {"delivered"}


def _critical_alert(db):
    lot = receive(db, expiry=SOON)
    expire(db, lot.id)
    scan(db, "lot_expired")
    return alert_for(db, "lot_expired", lot.id)


def _escalations(db, alert_id):
    db.expire_all()
    return [e.level for e in db.exec(select(AlertEvent).where(AlertEvent.alert_id == alert_id,
                                                              AlertEvent.kind == "escalated").order_by(AlertEvent.id))]


def test_an_unacknowledged_critical_alert_climbs_one_level_per_period_and_only_once(db, app):
    enterprise = subscribe_with(db, "manager", kinds=["lot_expired"])
    bureau = subscribe_with(db, "approver", kinds=["lot_expired"])
    coordinators = subscribe_with(db, "coordinator", kinds=["lot_expired"])
    alert = _critical_alert(db)
    after = timedelta(minutes=app.config.get("ALERT_ESCALATE_AFTER_MINUTES", 120))
    start = alert.escalate_at - after
    runs.run_escalation(session=db, now=start + after - timedelta(seconds=1))
    db.commit()
    assert _escalations(db, alert.id) == []
    for _ in range(2):
        runs.run_escalation(session=db, now=start + after)
        db.commit()
    assert _escalations(db, alert.id) == [1]
    events = {e.id: e.kind for e in db.exec(select(AlertEvent).where(AlertEvent.alert_id == alert.id))}
    kinds_to = {name: [events[d.event_id] for d in deliveries_of(db, s) if d.alert_id == alert.id]
                for name, s in (("enterprise", enterprise), ("bureau", bureau), ("coordinators", coordinators))}
    assert kinds_to == {"enterprise": ["opened"], "bureau": ["opened", "escalated"], "coordinators": ["opened"]}
    runs.run_escalation(session=db, now=start + 2 * after)
    runs.run_escalation(session=db, now=start + 5 * after)
    db.commit()
    assert _escalations(db, alert.id) == [1, 2] and db.get(Alert, alert.id).escalate_at is None
    events = {e.id: e.kind for e in db.exec(select(AlertEvent).where(AlertEvent.alert_id == alert.id))}
    assert [events[d.event_id] for d in deliveries_of(db, coordinators) if d.alert_id == alert.id] == [
        "opened", "escalated"]


def test_acknowledging_stops_the_chain_but_reminders_go_on_until_resolved(db, app):
    immediate = subscribe_with(db, "manager", kinds=["lot_expired"])
    digest = subscribe_with(db, "manager", kinds=["lot_expired"], digest_hour=8)
    alert = _critical_alert(db)
    actions.acknowledge(session=db, actor=user_named(db, "manager"), alert_ids=[alert.id])
    db.commit()
    later = utcnow() + timedelta(days=2)
    steps, _ = runs.run_escalation(session=db, now=later)
    db.commit()
    assert _escalations(db, alert.id) == [] and steps.reminded >= 1
    reminders = [e.id for e in db.exec(select(AlertEvent).where(AlertEvent.alert_id == alert.id,
                                                                AlertEvent.kind == "reminder"))]
    assert len(reminders) == 1
    assert [d.event_id for d in deliveries_of(db, immediate) if d.event_id in reminders] == reminders
    assert [d for d in deliveries_of(db, digest) if d.event_id in reminders] == []
    assert db.get(Alert, alert.id).remind_at > later
