"""Reads of the outbox and what people do to it: an alert's deliveries, the administrators' list and retry,
and the in-app inbox (the ``inbox`` channel's delivered rows) with its unread count."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, or_
from sqlmodel import Session, select

from inventory import scope
from inventory.core.clock import utcnow
from inventory.core.errors import Conflict, Invalid, NotFound
from inventory.core.vocab import Channel, DeliveryState, Role
from inventory.models import Alert, AlertEvent, Delivery, Subscription, User
from inventory.services.alerts import subscriptions
from inventory.services.audit import trail

#: rows one request may retry or mark read
BATCH = 500
#: the task that sends due deliveries, enqueued after a retry commits
DELIVER_TASK = "workers.tasks.deliver_alerts"


@dataclass(frozen=True)
class DeliveryRow:
    delivery: Delivery
    subscription_name: str
    channel: str


def for_alert(*, session: Session, actor: User, alert_id: int) -> list[DeliveryRow]:
    """The deliveries of an alert the actor sees, to the subscriptions the actor may see (all for admins)."""
    alert = scope.visible_alert(session, actor, alert_id)
    mine = subscriptions.visible(session=session, actor=actor).with_only_columns(Subscription.id)
    if actor.role == Role.admin:
        mine = select(Subscription.id)
    rows = session.exec(select(Delivery, Subscription.name, Subscription.channel)
                        .join(Subscription, Subscription.id == Delivery.subscription_id)
                        .where(Delivery.event_id.in_(select(AlertEvent.id).where(AlertEvent.alert_id == alert.id)),
                               Delivery.subscription_id.in_(mine))
                        .order_by(Delivery.id)).all()
    return [DeliveryRow(delivery, name, channel) for delivery, name, channel in rows]


def listing(*, session: Session, actor: User, state: str | None = None) -> Select:
    """Administrators: deliveries with their subscription and alert, newest first; the caller pages it."""
    scope.require(actor, "view", "delivery")
    if state and state not in DeliveryState.values():
        raise Invalid.field("state", _l("one of %(values)s", values=", ".join(DeliveryState.values())))
    query = select(Delivery, Subscription, Alert).join(Subscription, Subscription.id == Delivery.subscription_id) \
        .join(Alert, Alert.id == Delivery.alert_id)
    if state:
        query = query.where(Delivery.state == state)
    return query.order_by(Delivery.id.desc())


def retry(*, session: Session, actor: User, delivery_ids: list[int]) -> int:
    """Dead deliveries go out again now, with a fresh count of attempts and the same batch id, all or none;
    the other dead rows of their batches go with them, so a batch id always names the same message. Audited."""
    scope.require(actor, "retry", "delivery")
    ids = sorted(set(delivery_ids))
    if not ids:
        raise Invalid.field("deliveries", _l("choose at least one delivery"))
    if len(ids) > BATCH:
        raise Invalid.field("deliveries", _l("at most %(count)s at once", count=BATCH))
    table = Delivery.__table__
    found = session.connection().execute(select(func.count()).select_from(table).where(table.c.id.in_(ids))).scalar()
    if found != len(ids):
        raise NotFound(_l("delivery not found"))
    dead = table.c.state == DeliveryState.dead.value
    if session.connection().execute(select(func.count()).select_from(table)
                                    .where(table.c.id.in_(ids), dead)).scalar() != len(ids):
        raise Conflict(_l("only dead deliveries can be retried"), code="illegal_transition")
    batches = select(table.c.batch).where(table.c.id.in_(ids), table.c.batch.is_not(None))
    changed = session.connection().execute(
        table.update().where(dead, or_(table.c.id.in_(ids), table.c.batch.in_(batches)))
        .values(state=DeliveryState.pending.value, due_at=utcnow(), attempts=0).returning(table.c.id)).all()
    if len(changed) < len(ids):
        raise Conflict(_l("only dead deliveries can be retried"), code="illegal_transition")
    trail.record(session, actor=actor, action="delivery.retry", entity="delivery", entity_id=ids[0],
                 org_id=actor.org_id, after={"deliveries": sorted(row_id for (row_id,) in changed)})
    session.expire_all()
    return len(changed)


def _mine(actor: User):
    """Inbox rows addressed to the actor: their own subscriptions and their organisation's."""
    return and_(Subscription.channel == Channel.inbox.value, Subscription.deleted_at.is_(None),
                or_(Subscription.user_id == actor.id, Subscription.org_id == actor.org_id),
                Delivery.state == DeliveryState.delivered.value)


def _inbox_rows(session: Session, actor: User):
    """Ids of the actor's inbox rows while the actor may still see their alerts: one alert change reaching the
    actor through a personal and an organisation's subscription is two rows, one notification."""
    return select(Delivery.id).join(Subscription, Subscription.id == Delivery.subscription_id) \
        .join(Alert, Alert.id == Delivery.alert_id).where(_mine(actor), scope.alert_filter(session, actor))


def _one_per_change(session: Session, actor: User):
    return _inbox_rows(session, actor).with_only_columns(func.min(Delivery.id)).group_by(Delivery.event_id)


def inbox(*, session: Session, actor: User) -> Select:
    """(Delivery, Alert, AlertEvent) of the actor's in-app notifications, one per alert change, newest first;
    the caller pages it."""
    return select(Delivery, Alert, AlertEvent).join(Alert, Alert.id == Delivery.alert_id) \
        .join(AlertEvent, AlertEvent.id == Delivery.event_id) \
        .where(Delivery.id.in_(_one_per_change(session, actor))).order_by(Delivery.id.desc())


def unread_count(*, session: Session, actor: User) -> int:
    return session.exec(select(func.count(func.distinct(Delivery.event_id)))
                        .where(Delivery.id.in_(_inbox_rows(session, actor)), Delivery.read_at.is_(None))).one()


def mark_read(*, session: Session, actor: User, delivery_ids: list[int] | None) -> int:
    """Marks the given notifications (None: all) read, with every row of the same change; ids not in the
    actor's inbox are a 404. Answers the notifications marked."""
    mine = _inbox_rows(session, actor)
    if delivery_ids is not None:
        ids = sorted(set(delivery_ids))
        if len(ids) > BATCH:
            raise Invalid.field("ids", _l("at most %(count)s at once", count=BATCH))
        if set(session.exec(mine.where(Delivery.id.in_(ids)))) != set(ids):
            raise NotFound(_l("notification not found"))
        changes = select(Delivery.event_id).where(Delivery.id.in_(ids))
        mine = mine.where(Delivery.event_id.in_(changes))
    table = Delivery.__table__
    marked = session.connection().execute(
        table.update().where(table.c.id.in_(mine), table.c.read_at.is_(None)).values(read_at=utcnow())
        .returning(table.c.event_id)).all()
    session.expire_all()  # rows loaded earlier in this session must not show their old read state
    return len({event_id for (event_id,) in marked})
