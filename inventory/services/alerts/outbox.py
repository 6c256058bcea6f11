"""Fan-out: the deliveries an alert change owes, written in the transaction that made the change.

One ``INSERT … SELECT`` over the new history rows × the active subscriptions, with every rule in the WHERE:
the owner's scope (``scope.subscriber_sees``), the filters, the minimum severity, resolutions only for those
who asked, an escalation step only to its level, reminders not into digests. The unique (event, subscription)
key makes a repeated fan-out write nothing (docs/domain-rules.md, alerts).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from inventory import scope
from inventory.core import settings
from inventory.core.vocab import AlertEventKind, AlertSeverity, DeliveryState, OrgKind
from inventory.models import Alert, AlertEvent, Delivery, Organisation, Subscription, User
from inventory.services.alerts.sql import json_has

ALERT, EVENT, DELIVERY = Alert.__table__, AlertEvent.__table__, Delivery.__table__
SUBSCRIPTION, USER, ORG = Subscription.__table__, User.__table__, Organisation.__table__
#: escalation level -> the kind of organisation it reaches (level 0, the enterprise, is where alerts start)
LEVEL_KINDS = {1: OrgKind.bureau.value, 2: OrgKind.coordinator.value}
DIGEST = "digest"


def rank(severity):
    """info 0, warning 1, critical 2, for comparing a change's severity with a subscription's minimum."""
    return case(*((severity == value, index) for index, value in enumerate(AlertSeverity.values())), else_=0)


def _listed(column, value):
    """An empty filter list passes everything; otherwise it must hold the alert's value."""
    return or_(func.json_array_length(column) == 0, and_(value.is_not(None), json_has(column, value)))


def last_event_id(session: Session) -> int:
    """Mark the history before a change; ``fan_out(after=mark)`` then delivers what the change wrote."""
    return session.connection().execute(select(func.coalesce(func.max(EVENT.c.id), 0))).scalar_one()


def fan_out(session: Session, *, after: int, now: datetime) -> int:
    """Outbox rows for every delivered kind of history row with id > ``after``; the number written."""
    owner = USER.alias("owner")
    immediate_due = literal(now + settings.delivery_group_wait(), DELIVERY.c.due_at.type)
    kind = EVENT.c.kind
    level_kind = case(*((EVENT.c.level == level, literal(org_kind)) for level, org_kind in LEVEL_KINDS.items()),
                      else_=literal(""))
    rows = select(
        EVENT.c.id, ALERT.c.id, SUBSCRIPTION.c.id,
        case((SUBSCRIPTION.c.digest_hour.is_(None), ALERT.c.kind), else_=literal(DIGEST)),
        literal(DeliveryState.pending.value),
        case((SUBSCRIPTION.c.digest_hour.is_(None), immediate_due),
             else_=func.coalesce(SUBSCRIPTION.c.next_digest_at, immediate_due)),
        literal(0), literal(""), literal(now, DELIVERY.c.created_at.type),
    ).select_from(
        EVENT.join(ALERT, ALERT.c.id == EVENT.c.alert_id)
        .join(SUBSCRIPTION, and_(SUBSCRIPTION.c.active.is_(True), SUBSCRIPTION.c.deleted_at.is_(None)))
        .outerjoin(owner, owner.c.id == SUBSCRIPTION.c.user_id)
        .join(ORG, ORG.c.id == func.coalesce(SUBSCRIPTION.c.org_id, owner.c.org_id))
    ).where(
        EVENT.c.id > after,
        kind.in_([k.value for k in AlertEventKind.delivered()]),
        or_(SUBSCRIPTION.c.user_id.is_(None), owner.c.active.is_(True)),
        scope.subscriber_sees(ALERT, ORG, owner.c.role),
        rank(EVENT.c.to_severity) >= rank(SUBSCRIPTION.c.min_severity),
        or_(kind != AlertEventKind.resolved.value, SUBSCRIPTION.c.send_resolved.is_(True)),
        or_(kind != AlertEventKind.escalated.value, ORG.c.kind == level_kind),
        or_(kind != AlertEventKind.reminder.value, SUBSCRIPTION.c.digest_hour.is_(None)),
        _listed(SUBSCRIPTION.c.kinds, ALERT.c.kind),
        _listed(SUBSCRIPTION.c.enterprises, ALERT.c.enterprise_id),
        _listed(SUBSCRIPTION.c.categories, ALERT.c.category),
        _listed(SUBSCRIPTION.c.districts, ALERT.c.district_id),
    )
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(DELIVERY).from_select(
        ("event_id", "alert_id", "subscription_id", "group_key", "state", "due_at", "attempts", "last_error",
         "created_at"), rows).on_conflict_do_nothing(index_elements=["event_id", "subscription_id"])
    return session.connection().execute(statement.execution_options(preserve_rowcount=True)).rowcount
