"""Silences: a time-bounded mute with a reason (a cold store under maintenance). A silenced alert stays on its
page and in the lists; only its deliveries wait, and go out when the silence ends if the alert still holds.

Every matcher a silence gives must match the alert (kind, enterprise, facility, material). Who may silence
what follows the scope: an enterprise's manager its own stock only, a bureau's approver its remit only; and
a silence mutes only its own organisation's subscriptions unless a city-wide role set it, so an enterprise's
maintenance never hides its alerts from the bureau supervising it.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, false, or_
from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

from inventory import scope
from inventory.core.clock import utcnow
from inventory.core.errors import Conflict, Forbidden, Invalid, NotFound
from inventory.core.vocab import DeliveryState, OrgKind
from inventory.models import Alert, Delivery, Facility, Material, Organisation, Silence, User
from inventory.services.alerts.queries import kinds as registered_kinds
from inventory.services.audit import trail

REASON_LENGTH = 500
#: the longest a silence may last: a mute nobody remembers must not hide alerts for ever
LONGEST = timedelta(days=90)


def _by_code(session: Session, model, code: str | None, field: str, errors: dict, **where):
    if not code:
        return None
    query = select(model).where(model.code == code.strip())
    for column, value in where.items():
        query = query.where(getattr(model, column) == value)
    row = session.exec(query).first()
    if row is None:
        errors[field] = [_l("unknown: %(codes)s", codes=code)]
    return row


def create(*, session: Session, actor: User, reason: str, ends_at: datetime, starts_at: datetime | None = None,
           kind: str | None = None, enterprise: str | None = None, facility: str | None = None,
           material: str | None = None) -> Silence:
    scope.require(actor, "create", "silence")
    now = utcnow()
    starts_at = starts_at or now
    errors: dict[str, list] = {}
    reason = (reason or "").strip()
    if not 1 <= len(reason) <= REASON_LENGTH:
        errors["reason"] = [_l("between 1 and %(count)s characters", count=REASON_LENGTH)]
    if kind and kind not in registered_kinds():
        errors["kind"] = [_l("unknown: %(codes)s", codes=kind)]
    if ends_at <= max(starts_at, now):
        errors["ends_at"] = [_l("must be later than the start and than now")]
    elif ends_at - starts_at > LONGEST:
        errors["ends_at"] = [_l("a silence lasts at most %(days)s days", days=LONGEST.days)]
    org = _by_code(session, Organisation, enterprise, "enterprise", errors, kind=OrgKind.enterprise.value)
    place = _by_code(session, Facility, facility, "facility", errors)
    goods = _by_code(session, Material, material, "material", errors)
    if not (enterprise or facility or material):
        errors["enterprise"] = [_l("name an enterprise, a facility or a material")]
    if errors:
        raise Invalid(_l("the silence has errors"), fields=errors)
    reach = scope.stock_reach(session, actor)
    enterprise_id = org.id if org else None
    if reach == "enterprise":
        if org and org.id != actor.org_id:
            raise NotFound(_l("enterprise %(code)s not found", code=enterprise))
        if place and place.enterprise_id != actor.org_id:
            raise NotFound(_l("facility %(code)s not found", code=facility))
        enterprise_id = actor.org_id
    elif reach == "bureau" and (goods is None or goods.bureau_id != actor.org_id):
        raise Forbidden(_l("a bureau silences materials in its remit: name one"))
    elif reach == "none":
        raise Forbidden(_l("%(role)s may not %(action)s %(resource)s", role=actor.role, action="create",
                           resource="silence"))
    silence = Silence(reason=reason, kind=kind or None, enterprise_id=enterprise_id,
                      facility_id=place.id if place else None, material_id=goods.id if goods else None,
                      starts_at=starts_at, ends_at=ends_at, created_by=actor.id, org_id=actor.org_id,
                      everyone=reach == "all")
    session.add(silence)
    session.flush()
    trail.record(session, actor=actor, action="silence.create", entity="silence", entity_id=silence.id,
                 org_id=enterprise_id or actor.org_id, after={
                     "reason": reason, "kind": kind, "enterprise": enterprise, "facility": facility,
                     "material": material, "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()})
    return silence


def _visible_clause(session: Session, actor: User) -> ColumnElement[bool]:
    reach = scope.stock_reach(session, actor)
    if reach == "all":
        return Silence.id.is_not(None)
    if reach == "bureau":
        # its own, and the enterprises' and facilities' silences, which may concern its remit
        return or_(Silence.material_id.in_(scope.remit_materials(actor)), Silence.material_id.is_(None))
    if reach == "enterprise":
        return or_(Silence.enterprise_id == actor.org_id,
                   Silence.facility_id.in_(select(Facility.id).where(Facility.enterprise_id == actor.org_id)))
    return false()


def visible(*, session: Session, actor: User) -> SelectOfScalar[Silence]:
    """Newest first: the silences muting alerts this actor sees."""
    scope.require(actor, "view", "silence")
    return select(Silence).where(_visible_clause(session, actor)).order_by(Silence.id.desc())


def end(*, session: Session, actor: User, silence_id: int) -> Silence:
    """Ends it now, decided by a conditional update: ending one that has ended is a 409."""
    scope.require(actor, "create", "silence")
    silence = session.exec(visible(session=session, actor=actor).where(Silence.id == silence_id)).first()
    if silence is None:
        raise NotFound(_l("silence not found"))
    now = utcnow()
    table = Silence.__table__
    changed = session.connection().execute(table.update().where(table.c.id == silence_id, table.c.ends_at > now)
                                           .values(ends_at=now)).rowcount
    if not changed:
        raise Conflict(_l("the silence has ended already"), code="illegal_transition")
    deliveries = Delivery.__table__
    session.connection().execute(deliveries.update().where(
        deliveries.c.held_by == silence_id, deliveries.c.state == DeliveryState.pending.value)
        .values(due_at=now, held_by=None))
    trail.record(session, actor=actor, action="silence.end", entity="silence", entity_id=silence_id,
                 org_id=silence.enterprise_id or actor.org_id, before={"ends_at": silence.ends_at.isoformat()},
                 after={"ends_at": now.isoformat()})
    session.expire(silence)
    return silence


def matching(silence, alert, now: datetime) -> ColumnElement[bool]:
    """Over a silence table and an alert table: the silence is on at ``now`` and every matcher it gives matches."""
    return and_(silence.c.starts_at <= now, silence.c.ends_at > now,
                or_(silence.c.kind.is_(None), silence.c.kind == alert.c.kind),
                or_(silence.c.enterprise_id.is_(None), silence.c.enterprise_id == alert.c.enterprise_id),
                or_(silence.c.facility_id.is_(None), silence.c.facility_id == alert.c.facility_id),
                or_(silence.c.material_id.is_(None), silence.c.material_id == alert.c.material_id))


def active_on(*, session: Session, alert: Alert, now: datetime | None = None) -> list[Silence]:
    """The silences muting ``alert`` now, for its page."""
    now = now or utcnow()
    alerts = Alert.__table__
    return list(session.exec(select(Silence).join(alerts, alerts.c.id == alert.id)
                             .where(matching(Silence.__table__, alerts, now)).order_by(Silence.ends_at)))


