"""Delivering the outbox: claim a due batch, send it, record the outcome — each its own short transaction, so
no lock is held while a receiver answers (docs/domain-rules.md, alerts: delivery).

Before claiming, set-based passes settle what must not go out: a delivery of an alert inhibited by a higher
one on its subject, of an alert that resolved before it went out, of a resolution nobody was told the alert
of, or of a subscription since switched off; a silenced one waits for its silence to end. A worker that dies
holding a batch leaves it ``sending``; after ``ALERT_SENDING_STALE_SECONDS`` it is taken up again under the
same batch id, so a receiver that got it deduplicates by ``X-Reserve-Delivery``.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import force_locale
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, select as sm_select

from inventory.core import settings
from inventory.core.clock import utcnow
from inventory.core.vocab import AlertEventKind, AlertState, DeliveryState
from inventory.db import session_scope
from inventory.models import Alert, AlertEvent, Delivery, Silence, Subscription, User
from inventory.services.alerts import channels, silences, subscriptions
from inventory.services.alerts.messages import Change, Message, compose
from inventory.services.alerts.queries import names_for
from inventory.services.alerts.registry import SCANS

ALERT, EVENT, DELIVERY, SUBSCRIPTION = Alert.__table__, AlertEvent.__table__, Delivery.__table__, Subscription.__table__
PENDING, SENDING = DeliveryState.pending.value, DeliveryState.sending.value
#: the longest wait between retries
LONGEST_BACKOFF = timedelta(hours=1)


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    dead: int = 0
    inhibited: int = 0
    skipped: int = 0
    held: int = 0
    batches: list[str] = field(default_factory=list)
    #: when the earliest delivery still pending falls due (None: none pending)
    next_due: datetime | None = None


def backoff(attempts: int) -> timedelta:
    """Exponential: the base, then twice as long each attempt, at most an hour."""
    return min(timedelta(seconds=settings.delivery_retry_base() * 2 ** max(attempts - 1, 0)), LONGEST_BACKOFF)


def _update(session: Session, where, **values) -> int:
    return session.connection().execute(DELIVERY.update().where(*where).values(**values)
                                        .execution_options(preserve_rowcount=True)).rowcount


def settle(session: Session, now: datetime) -> DeliveryReport:
    """The set-based passes before claiming; the caller commits."""
    report = DeliveryReport()
    due = and_(DELIVERY.c.state == PENDING, DELIVERY.c.due_at <= now)
    _update(session, [DELIVERY.c.state == SENDING, DELIVERY.c.claimed_at < now - settings.delivery_stale_after()],
            state=PENDING, due_at=now)
    report.skipped += _update(session, [due, DELIVERY.c.subscription_id.in_(select(SUBSCRIPTION.c.id).where(or_(
        SUBSCRIPTION.c.active.is_(False), SUBSCRIPTION.c.deleted_at.is_not(None))))],
        state=DeliveryState.skipped.value, last_error="subscription switched off")
    higher = aliased(Alert)
    pairs = [and_(ALERT.c.kind == kind, higher.kind.in_(scan.inhibited_by)) for kind, scan in SCANS.items()
             if scan.inhibited_by]
    if pairs:
        inhibited = select(ALERT.c.id).join(higher, and_(
            higher.subject_type == ALERT.c.subject_type, higher.subject_id == ALERT.c.subject_id,
            higher.id != ALERT.c.id, higher.state != AlertState.resolved.value)).where(or_(*pairs))
        report.inhibited += _update(session, [due, DELIVERY.c.alert_id.in_(inhibited)],
                                    state=DeliveryState.inhibited.value, last_error="inhibited by a higher alert")
    resolution = DELIVERY.c.event_id.in_(select(EVENT.c.id).where(EVENT.c.kind == AlertEventKind.resolved.value))
    report.skipped += _update(session, [due, ~resolution, DELIVERY.c.alert_id.in_(
        select(ALERT.c.id).where(ALERT.c.state == AlertState.resolved.value))],
        state=DeliveryState.skipped.value, last_error="resolved before it went out")
    told = aliased(Delivery)
    report.skipped += _update(session, [due, resolution, ~exists().where(
        told.alert_id == DELIVERY.c.alert_id, told.subscription_id == DELIVERY.c.subscription_id,
        told.state == DeliveryState.delivered.value)],
        state=DeliveryState.skipped.value, last_error="the alert was never delivered to this subscription")
    report.held += _hold(session, due, now)
    for subscription in session.connection().execute(select(SUBSCRIPTION.c.id, SUBSCRIPTION.c.digest_hour).where(
            SUBSCRIPTION.c.digest_hour.is_not(None), SUBSCRIPTION.c.next_digest_at <= now)).all():
        session.connection().execute(SUBSCRIPTION.update().where(SUBSCRIPTION.c.id == subscription.id).values(
            next_digest_at=subscriptions.next_digest(subscription.digest_hour, now)))
    return report


def _hold(session: Session, due, now: datetime) -> int:
    """Due deliveries a silence mutes wait for its end: a silence set by a city-wide role holds everyone's, any
    other only its own organisation's subscriptions (the owner's organisation, a user's or the subscription's)."""
    silence, alert = Silence.__table__, ALERT.alias("silenced")
    subscription, owner = SUBSCRIPTION.alias("held_subscription"), User.__table__.alias("held_owner")
    holding = select(silence.c.id).select_from(silence).join(alert, alert.c.id == DELIVERY.c.alert_id) \
        .join(subscription, subscription.c.id == DELIVERY.c.subscription_id) \
        .outerjoin(owner, owner.c.id == subscription.c.user_id) \
        .where(silences.matching(silence, alert, now), or_(
            silence.c.everyone.is_(True), silence.c.org_id == func.coalesce(subscription.c.org_id, owner.c.org_id))) \
        .order_by(silence.c.ends_at.desc()).limit(1).correlate(DELIVERY).scalar_subquery()
    until = select(silence.c.ends_at).where(silence.c.id == holding).correlate(DELIVERY).scalar_subquery()
    return _update(session, [due, holding.is_not(None)], held_by=holding, due_at=until)


@dataclass(frozen=True)
class Claim:
    batch: str
    subscription_id: int
    delivery_ids: list[int]
    attempts: int


def claim(session: Session, now: datetime, at: datetime, started: datetime) -> Claim | None:
    """The earliest group of one subscription due at ``now`` and not tried since ``started`` (a run sends a
    batch once, whatever its back-off), taken at ``at`` by a conditional update; committed by the caller."""
    untried = or_(DELIVERY.c.claimed_at.is_(None), DELIVERY.c.claimed_at < started)
    while True:
        head = session.connection().execute(select(
            DELIVERY.c.subscription_id, DELIVERY.c.group_key, DELIVERY.c.batch).where(
            DELIVERY.c.state == PENDING, DELIVERY.c.due_at <= now, untried)
            .order_by(DELIVERY.c.due_at, DELIVERY.c.id).limit(1)).first()
        if head is None:
            return None
        batch = head.batch or str(uuid.uuid4())
        same_batch = DELIVERY.c.batch.is_(None) if head.batch is None else DELIVERY.c.batch == head.batch
        taken = session.connection().execute(DELIVERY.update().where(
            DELIVERY.c.state == PENDING, DELIVERY.c.due_at <= now, untried,
            DELIVERY.c.subscription_id == head.subscription_id,
            DELIVERY.c.group_key == head.group_key, same_batch).values(
            state=SENDING, batch=batch, claimed_at=at, attempts=DELIVERY.c.attempts + 1)
            .returning(DELIVERY.c.id, DELIVERY.c.attempts)).all()
        if taken:
            return Claim(batch, head.subscription_id, sorted(row.id for row in taken),
                         max(row.attempts for row in taken))


def _compose(session: Session, claimed: Claim) -> tuple[Subscription, Message]:
    """The batch's message, read in the session's transaction; the caller ends it before sending."""
    subscription = session.get(Subscription, claimed.subscription_id)
    rows = session.connection().execute(select(DELIVERY.c.id, DELIVERY.c.alert_id, DELIVERY.c.event_id)
                                        .where(DELIVERY.c.id.in_(claimed.delivery_ids))
                                        .order_by(DELIVERY.c.id)).all()
    alerts = {a.id: a for a in session.exec(sm_select(Alert).where(Alert.id.in_({r.alert_id for r in rows})))}
    events = {e.id: e for e in session.exec(sm_select(AlertEvent).where(AlertEvent.id.in_({r.event_id for r in rows})))}
    changes = [Change(r.id, alerts[r.alert_id], events[r.event_id]) for r in rows]
    locale = subscriptions.locale_of(session, subscription)
    with force_locale(locale):
        message = compose(subscription=subscription, locale=locale, batch=claimed.batch, changes=changes,
                          names=names_for(session=session, alerts=list(alerts.values())))
    return subscription, message


def _record(session: Session, claimed: Claim, outcome: channels.Outcome, now: datetime) -> str:
    held = [DELIVERY.c.id.in_(claimed.delivery_ids), DELIVERY.c.state == SENDING, DELIVERY.c.batch == claimed.batch]
    if outcome.ok:
        _update(session, held, state=DeliveryState.delivered.value, delivered_at=now, last_status=outcome.status,
                last_error="")
        return "sent"
    failed = dict(last_status=outcome.status, last_error=outcome.error[:500])
    if outcome.permanent or claimed.attempts >= settings.delivery_max_attempts():
        _update(session, held, state=DeliveryState.dead.value, **failed)
        return "dead"
    _update(session, held, state=PENDING, due_at=now + backoff(claimed.attempts), **failed)
    return "retrying"


def deliver_due(*, now: datetime | None = None, limit: int = 1000) -> DeliveryReport:
    """Send every batch due now (at most ``limit``): what the Celery task and ``flask deliver`` run."""
    started = utcnow()
    now = now or started
    with session_scope() as session:
        report = settle(session, now)
        session.commit()
    for _ in range(limit):
        with session_scope() as session:
            # due as of the run's start, claimed as of now: a long run's claims are not stale at once
            claimed = claim(session, now, utcnow(), started)
            session.commit()
            if claimed is None:
                break
            subscription, message = _compose(session, claimed)
            session.expunge(subscription)
            session.commit()  # no transaction stays open while a receiver answers
            outcome = channels.send(subscription, message)
            result = _record(session, claimed, outcome, utcnow())
            session.commit()
        setattr(report, result, getattr(report, result) + len(claimed.delivery_ids))
        report.batches.append(claimed.batch)
    with session_scope() as session:
        report.next_due = session.connection().execute(
            select(func.min(DELIVERY.c.due_at)).where(DELIVERY.c.state == PENDING)).scalar()
    return report
