"""Reading the audit trail: one filter for every face (the audit page today, ``GET /api/v1/audit`` later).

The filter narrows what ``scope.audit_query`` lets the reader see; it never widens it. Dates are business
days in Asia/Shanghai (docs/architecture.md, "Time"), turned into UTC bounds on the stored timestamps.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_
from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

from inventory import scope
from inventory.core.clock import BUSINESS_TZ
from inventory.core.errors import Invalid
from inventory.models import Adjustment, AuditEvent, Facility, Transfer, User

#: the oldest and latest day a filter may name: the system holds nothing before, and a typo like 20255 is refused
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2099, 12, 31)
#: ids are 32-bit on every supported database
MAX_ID = 2_147_483_647


@dataclass(frozen=True)
class AuditFilter:
    """What a reader asks for. ``action`` matches the code itself or a family (``lot`` matches ``lot.hold``)."""

    entity: str | None = None
    entity_id: str | None = None
    action: str | None = None
    actor_id: int | None = None
    since: date | None = None
    until: date | None = None
    before_id: int | None = None

    def check(self) -> None:
        problems: dict[str, list[Any]] = {}
        for name in ("since", "until"):
            day = getattr(self, name)
            if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
                problems[name] = [_l("a day between %(first)s and %(last)s", first=EARLIEST_DAY, last=LATEST_DAY)]
        if self.since and self.until and self.since > self.until and not problems:
            problems["until"] = [_l("the last day comes before the first")]
        for name in ("actor", "before"):
            value = getattr(self, f"{name}_id")
            if value is not None and not 0 < value <= MAX_ID:
                problems[name] = [_l("not a known id")]
        if problems:
            raise Invalid(_l("the audit filter is not valid"), fields=problems)


def _day_start(day: date) -> datetime:
    """Midnight of a business day, in UTC like the stored timestamps (SQLite compares them as text)."""
    return datetime.combine(day, time.min, BUSINESS_TZ).astimezone(timezone.utc)


def events_query(*, session: Session, user: User, wanted: AuditFilter) -> SelectOfScalar[AuditEvent]:
    """The reader's visible events narrowed by the filter, unordered (callers page by id)."""
    wanted.check()
    query = scope.audit_query(session, user)
    if wanted.entity:
        query = query.where(AuditEvent.entity == wanted.entity.strip())
    if wanted.entity_id:
        query = query.where(AuditEvent.entity_id == wanted.entity_id.strip())
    if wanted.action:
        code = wanted.action.strip().rstrip(".")
        query = query.where(or_(AuditEvent.action == code, AuditEvent.action.startswith(code + ".", autoescape=True)))
    if wanted.actor_id is not None:
        query = query.where(AuditEvent.actor_id == wanted.actor_id)
    if wanted.since:
        query = query.where(AuditEvent.at >= _day_start(wanted.since))
    if wanted.until:
        query = query.where(AuditEvent.at < _day_start(wanted.until + timedelta(days=1)))
    if wanted.before_id is not None:
        query = query.where(AuditEvent.id < wanted.before_id)
    return query


@dataclass(frozen=True)
class EventPage:
    events: list[AuditEvent]
    #: the id to pass as ``before_id`` for the next (older) page, or None on the last page
    older: int | None
    actor_names: dict[int, str]
    #: (entity, entity_id) -> what a link to the entity needs besides its id (a facility's code, a request's lot)
    related: dict[tuple[str, str], dict[str, Any]]


def newest_events(*, session: Session, user: User, wanted: AuditFilter, limit: int = 50) -> EventPage:
    """One page of events, newest first, with the names and keys a page needs to show them."""
    query = events_query(session=session, user=user, wanted=wanted)
    rows = list(session.exec(query.order_by(AuditEvent.id.desc()).limit(limit + 1)))
    events, more = rows[:limit], len(rows) > limit
    return EventPage(events=events, older=events[-1].id if more else None,
                     actor_names=_actor_names(session, events), related=_related(session, events))


def actors(*, session: Session, user: User) -> list[User]:
    """The users a reader may pick as actor: the ones the accounts scope shows them."""
    return list(session.exec(scope.users_query(session, user).order_by(User.username)))


def _actor_names(session: Session, events: list[AuditEvent]) -> dict[int, str]:
    ids = {e.actor_id for e in events if e.actor_id}
    if not ids:
        return {}
    return {u.id: u.display_name or u.username for u in session.exec(select(User).where(User.id.in_(ids)))}


def _ids(events: list[AuditEvent], entity: str) -> set[int]:
    return {int(e.entity_id) for e in events if e.entity == entity and e.entity_id.isascii() and e.entity_id.isdigit()}


def _related(session: Session, events: list[AuditEvent]) -> dict[tuple[str, str], dict[str, Any]]:
    found: dict[tuple[str, str], dict[str, Any]] = {}
    facility_ids = _ids(events, "facility")
    if facility_ids:
        for facility in session.exec(select(Facility).where(Facility.id.in_(facility_ids))):
            found[("facility", str(facility.id))] = {"code": facility.code}
    for entity, model in (("transfer", Transfer), ("adjustment", Adjustment)):
        ids = _ids(events, entity)
        if ids:
            for row in session.exec(select(model).where(model.id.in_(ids))):
                found[(entity, str(row.id))] = {"lot_id": row.lot_id}
    return found
