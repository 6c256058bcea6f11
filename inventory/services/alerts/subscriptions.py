"""Subscriptions: who is told about which alerts, over which channel, immediately or in a daily digest.

A subscription belongs to a user or to an organisation (kept by its manager or approver). Its filters only
narrow: the outbox asks the scope rules of the owner for every alert, so no filter can reach further than the
owner sees (docs/domain-rules.md, alerts).
"""
from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit, urlunsplit

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_
from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

from inventory import scope
from inventory.core.clock import BUSINESS_TZ, utcnow
from inventory.core.errors import Conflict, Forbidden, Invalid, NotFound
from inventory.core.vocab import AlertSeverity, Category, Channel, OrgKind, Role
from inventory.models import AuditEvent, District, Organisation, Subscription, User
from inventory.services.alerts import channels, messages, targets
from inventory.services.alerts.queries import kinds as registered_kinds
from inventory.services.audit import trail

NAME_LENGTH = 120
#: "send a test" presses one person may make a minute
TESTS_PER_MINUTE = 5
SECRET_LENGTH = (8, 200)
#: filter values one subscription may list, per filter
MAX_FILTER_VALUES = 200


@dataclass(frozen=True)
class SubscriptionInput:
    name: str
    channel: str
    target: str = ""
    kinds: list[str] = field(default_factory=list)
    min_severity: str = AlertSeverity.info.value
    #: organisation codes of enterprises and district codes; categories by value
    enterprises: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    districts: list[str] = field(default_factory=list)
    #: the webhook's HMAC key (generated when None) or DingTalk's signing secret
    secret: str | None = None
    digest_hour: int | None = None
    send_resolved: bool = False
    active: bool = True
    for_organisation: bool = False


@dataclass(frozen=True)
class SubscriptionCodes:
    """Codes of the enterprises and districts a page of subscriptions filters on, for display."""

    enterprises: dict[int, str]
    districts: dict[int, str]


def next_digest(hour: int, now: datetime | None = None) -> datetime:
    """The next ``hour`` o'clock, business time, after ``now``."""
    local = (now or utcnow()).astimezone(BUSINESS_TZ)
    due = datetime.combine(local.date(), time(hour), BUSINESS_TZ)
    return due if due > local else due + timedelta(days=1)


def _codes(session: Session, model, codes: list[str], field_name: str, errors: dict, **where) -> list[int]:
    wanted = sorted({str(code).strip() for code in codes if str(code).strip()})
    if len(wanted) > MAX_FILTER_VALUES:
        errors[field_name] = [_l("at most %(count)s values", count=MAX_FILTER_VALUES)]
        return []
    if not wanted:
        return []
    query = select(model.code, model.id).where(model.code.in_(wanted))
    for column, value in where.items():
        query = query.where(getattr(model, column) == value)
    found = dict(session.exec(query).all())
    unknown = [code for code in wanted if code not in found]
    if unknown:
        errors[field_name] = [_l("unknown: %(codes)s", codes=", ".join(unknown[:10]))]
    return sorted(found.values())


def _target(channel: str, target: str, errors: dict) -> str:
    target = (target or "").strip()
    if channel == Channel.inbox:
        return ""
    if channel == Channel.email:
        try:
            return validate_email(target, check_deliverability=False).normalized
        except EmailNotValidError:
            errors["target"] = [_l("a valid e-mail address")]
            return ""
    try:
        return targets.check_url(target)
    except Invalid as refused:
        errors.update(refused.fields)
        return ""


def _secret(channel: str, secret: str | None, stored: Subscription | None, errors: dict) -> str:
    """A secret given is checked; none given keeps the stored one of the same channel (a webhook's HMAC key
    is never reused as DingTalk's signing secret), or a new webhook gets a generated one."""
    if channel not in (Channel.webhook, Channel.dingtalk):
        return ""
    if secret is None:
        kept = stored.secret if stored is not None and stored.channel == channel else ""
        return kept or (secrets.token_urlsafe(32) if channel == Channel.webhook else "")
    secret = secret.strip()
    if channel == Channel.dingtalk and not secret:
        return ""
    low, high = SECRET_LENGTH
    if not low <= len(secret) <= high:
        errors["secret"] = [_l("between %(low)s and %(high)s characters", low=low, high=high)]
    return secret


def _checked(session: Session, actor: User, data: SubscriptionInput, stored: Subscription | None) -> dict:
    """The columns ``data`` asks for, or one 422 naming every bad field; nothing is written here."""
    errors: dict[str, list] = {}
    name = (data.name or "").strip()
    if not 1 <= len(name) <= NAME_LENGTH:
        errors["name"] = [_l("between 1 and %(count)s characters", count=NAME_LENGTH)]
    if data.channel not in Channel.values():
        errors["channel"] = [_l("one of %(values)s", values=", ".join(Channel.values()))]
    known = registered_kinds()
    unknown = [kind for kind in data.kinds if kind not in known]
    if unknown:
        errors["kinds"] = [_l("unknown: %(codes)s", codes=", ".join(map(str, unknown[:10])))]
    if data.min_severity not in AlertSeverity.values():
        errors["min_severity"] = [_l("one of %(values)s", values=", ".join(AlertSeverity.values()))]
    bad_categories = [c for c in data.categories if c not in Category.values()]
    if bad_categories:
        errors["categories"] = [_l("unknown: %(codes)s", codes=", ".join(map(str, bad_categories[:10])))]
    if data.digest_hour is not None and not (isinstance(data.digest_hour, int) and 0 <= data.digest_hour <= 23):
        errors["digest_hour"] = [_l("an hour from 0 to 23, or blank for immediately")]
    enterprises = _codes(session, Organisation, data.enterprises, "enterprises", errors, kind=OrgKind.enterprise.value)
    districts = _codes(session, District, data.districts, "districts", errors)
    channel_ok = data.channel in Channel.values()
    target = _target(data.channel, data.target, errors) if channel_ok else ""
    secret = _secret(data.channel, data.secret, stored, errors) if channel_ok else ""
    if errors:
        raise Invalid(_l("the subscription has errors"), fields=errors)
    return dict(name=name, channel=data.channel, target=target, secret=secret, kinds=sorted(set(data.kinds)),
                min_severity=data.min_severity, enterprises=enterprises, categories=sorted(set(data.categories)),
                districts=districts, digest_hour=data.digest_hour, send_resolved=bool(data.send_resolved),
                active=bool(data.active),
                next_digest_at=next_digest(data.digest_hour) if data.digest_hour is not None else None)


def masked_target(target: str) -> str:
    """A URL without its query (where robots keep their access keys); an address as it is."""
    parts = urlsplit(target)
    if parts.scheme in ("http", "https") and parts.query:
        return urlunsplit((parts.scheme, parts.netloc, parts.path, "…", ""))
    return target


def shown_target(actor: User, subscription: Subscription) -> str:
    """The target as this reader may see it: whole for those who manage the subscription, masked otherwise."""
    return subscription.target if may_manage(actor, subscription) else masked_target(subscription.target)


def _audit_view(values: dict) -> dict:
    """What the audit trail keeps of a subscription: never its secret nor a robot's key."""
    kept = {key: value for key, value in values.items() if key not in ("secret", "next_digest_at")}
    if "target" in kept:
        kept["target"] = masked_target(kept["target"])
    return kept


def create(*, session: Session, actor: User, data: SubscriptionInput) -> Subscription:
    scope.require(actor, "create", "subscription")
    if data.for_organisation:
        scope.require(actor, "manage_organisation", "subscription")
    values = _checked(session, actor, data, None)
    subscription = Subscription(**values, created_by=actor.id,
                                user_id=None if data.for_organisation else actor.id,
                                org_id=actor.org_id if data.for_organisation else None,
                                locale=current_app.config["BABEL_DEFAULT_LOCALE"])
    session.add(subscription)
    session.flush()
    trail.record(session, actor=actor, action="subscription.create", entity="subscription",
                 entity_id=subscription.id, org_id=actor.org_id, after=_audit_view(values))
    return subscription


def visible(*, session: Session, actor: User) -> SelectOfScalar[Subscription]:
    """The actor's own and their organisation's subscriptions (an administrator's: all), newest first."""
    query = select(Subscription).where(Subscription.deleted_at.is_(None))
    if actor.role != Role.admin:
        query = query.where(or_(Subscription.user_id == actor.id, Subscription.org_id == actor.org_id))
    return query.order_by(Subscription.id.desc())


def get(*, session: Session, actor: User, subscription_id: int) -> Subscription:
    found = session.exec(visible(session=session, actor=actor).where(Subscription.id == subscription_id)).first()
    if found is None:
        raise NotFound(_l("subscription not found"))
    return found


def may_manage(actor: User, subscription: Subscription) -> bool:
    if actor.role == Role.admin or subscription.user_id == actor.id:
        return True
    return subscription.org_id == actor.org_id and scope.can(actor, "manage_organisation", "subscription")


def _managed(session: Session, actor: User, subscription_id: int) -> Subscription:
    subscription = get(session=session, actor=actor, subscription_id=subscription_id)
    if not may_manage(actor, subscription):
        raise Forbidden(_l("only the organisation's manager or approver changes its subscriptions"))
    return subscription


def update(*, session: Session, actor: User, subscription_id: int, data: SubscriptionInput) -> Subscription:
    """Ownership does not move: ``for_organisation`` is ignored on update."""
    subscription = _managed(session, actor, subscription_id)
    before = _audit_view({key: getattr(subscription, key) for key in (
        "name", "channel", "target", "kinds", "min_severity", "enterprises", "categories", "districts",
        "digest_hour", "send_resolved", "active")})
    values = _checked(session, actor, replace(data, for_organisation=False), subscription)
    for key, value in values.items():
        setattr(subscription, key, value)
    session.add(subscription)
    trail.record(session, actor=actor, action="subscription.update", entity="subscription", entity_id=subscription.id,
                 org_id=actor.org_id, before=before, after=_audit_view(values))
    return subscription


def delete(*, session: Session, actor: User, subscription_id: int) -> None:
    """Kept for the deliveries that name it, but gone from every list and delivering nothing more."""
    subscription = _managed(session, actor, subscription_id)
    subscription.deleted_at, subscription.active = utcnow(), False
    session.add(subscription)
    trail.record(session, actor=actor, action="subscription.delete", entity="subscription", entity_id=subscription.id,
                 org_id=actor.org_id, before={"name": subscription.name})


def codes_of(*, session: Session, subscriptions: list[Subscription]) -> SubscriptionCodes:
    enterprises = {i for s in subscriptions for i in s.enterprises}
    districts = {i for s in subscriptions for i in s.districts}
    return SubscriptionCodes(
        enterprises=dict(session.exec(select(Organisation.id, Organisation.code)
                                      .where(Organisation.id.in_(enterprises))).all()) if enterprises else {},
        districts=dict(session.exec(select(District.id, District.code)
                                    .where(District.id.in_(districts))).all()) if districts else {})


def locale_of(session: Session, subscription: Subscription) -> str:
    """A user's messages follow the user's language; an organisation's the language stored with it."""
    if subscription.user_id is not None:
        user = session.get(User, subscription.user_id)
        if user is not None and user.locale:
            return user.locale
    return subscription.locale or current_app.config["BABEL_DEFAULT_LOCALE"]


def send_test(*, session: Session, actor: User, subscription_id: int) -> channels.Outcome:
    """One test message now, outside the outbox, so the subscriber sees at once whether the target answers.

    Audited, and at most ``TESTS_PER_MINUTE`` per person: the button must not make the server a mailer or a
    request generator. The answer keeps only the status and a short reason."""
    subscription = _managed(session, actor, subscription_id)
    if subscription.channel == Channel.inbox:
        raise Invalid.field("channel", _l("the in-app inbox needs no test: its notifications are on this site"))
    recent = session.exec(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.actor_id == actor.id, AuditEvent.action == "subscription.test",
        AuditEvent.at > utcnow() - timedelta(minutes=1))).one()
    if recent >= TESTS_PER_MINUTE:
        raise Conflict(_l("at most %(count)s tests a minute; try again shortly", count=TESTS_PER_MINUTE),
                       code="too_many_tests")
    trail.record(session, actor=actor, action="subscription.test", entity="subscription", entity_id=subscription.id,
                 org_id=actor.org_id, after={"target": masked_target(subscription.target)})
    message = messages.test_message(subscription=subscription, locale=locale_of(session, subscription),
                                    batch=str(uuid.uuid4()))
    session.commit()  # the audit row stays whatever the receiver does; no transaction waits on it
    outcome = channels.send(subscription, message)
    return replace(outcome, error=outcome.error.splitlines()[0][:120] if outcome.error else "")
