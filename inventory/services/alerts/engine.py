"""Turning a scan into alerts, set-based (docs/domain-rules.md, alerts).

One run of a kind, in the caller's transaction: (1) history rows for existing alerts whose severity changes
or whose resolved condition returned, (2) ``INSERT … SELECT … ON CONFLICT (dedup_key) DO UPDATE``: new alerts
open, existing ones are refreshed (last seen, payload, severity) and resolved ones reopen, (3) history rows
for the alerts this run opened (their ``first_seen`` is the run's timestamp), (4) alerts of the kind not seen
by this run resolve, with their history rows. Every step is one statement over all conditions, never a loop.

Runs of one kind are serialised (a transaction-scoped advisory lock on PostgreSQL; SQLite has one writer),
so two workers running the same scan at once neither duplicate an alert (the unique key would refuse it
anyway) nor write its history twice.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, case, insert, literal, null, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from inventory.core import settings
from inventory.core.clock import utcnow
from inventory.core.vocab import AlertEventKind, AlertSeverity, AlertState
from inventory.models import Alert, AlertEvent
from inventory.services.alerts.registry import CONDITION_COLUMNS, Scan

ALERT, EVENT = Alert.__table__, AlertEvent.__table__
EVENT_COLUMNS = ("alert_id", "at", "from_state", "to_state", "from_severity", "to_severity", "kind", "note")


@dataclass(frozen=True)
class Outcome:
    kind: str
    opened: int
    #: alerts that were open or acknowledged and still hold (``escalated`` of them changed severity)
    refreshed: int
    escalated: int
    reopened: int
    resolved: int
    #: rows the scan's preparation changed (lots marked expired)
    prepared: int = 0
    #: the same by what changed, when the preparation says (excursions opened or extended, lots held)
    prepared_parts: tuple[tuple[str, int], ...] = ()



def _absent(name: str):
    """What a kind without the scoping column stores: no category is the empty one, other scopes NULL."""
    return literal("") if name == "category" else null()

def _lock(session: Session, kind: str) -> None:
    """Serialise runs of one kind until the transaction ends, before the scan reads anything: on PostgreSQL a
    transaction-scoped advisory lock; on SQLite a write that changes nothing takes the one writer's lock."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": zlib.crc32(f"alerts:{kind}".encode())})
    else:
        session.execute(ALERT.update().where(ALERT.c.id.is_(None)).values(state=ALERT.c.state))


def _upsert(dialect: str):
    return (postgresql if dialect == "postgresql" else sqlite).insert(ALERT)


def run(session: Session, *, scan: Scan, as_of: date, now: datetime | None = None) -> Outcome:
    """Open, refresh, escalate, reopen and resolve the alerts of ``scan.kind`` as of ``as_of``; the caller commits."""
    now = now or utcnow()
    _lock(session, scan.kind)
    done = scan.prepare(session, as_of) if scan.prepare else 0
    parts = tuple(done.items()) if isinstance(done, dict) else ()
    prepared = sum(count for _, count in parts) if parts else done
    connection = session.connection()
    query = scan.conditions(session, as_of)
    opened = refreshed = escalated = reopened = 0
    at = literal(now, ALERT.c.last_seen.type)
    critical = AlertSeverity.critical.value
    # an alert that becomes critical starts its escalation and reminder clocks (docs/domain-rules.md, alerts)
    escalate_due = literal(now + settings.alert_escalate_after(), ALERT.c.escalate_at.type)
    remind_due = literal(now + settings.alert_remind_every(), ALERT.c.remind_at.type)
    if query is not None:
        held = query.subquery("held")
        was_resolved = ALERT.c.state == AlertState.resolved
        changes = connection.execute(insert(EVENT).from_select(EVENT_COLUMNS, select(
            ALERT.c.id, at, ALERT.c.state, case((was_resolved, AlertState.open.value), else_=ALERT.c.state),
            ALERT.c.severity, held.c.severity,
            case((was_resolved, literal(AlertEventKind.reopened.value)), else_=literal(AlertEventKind.severity.value)),
            case((was_resolved, literal("condition returned")), else_=literal("severity changed")),
        ).select_from(ALERT.join(held, ALERT.c.dedup_key == held.c.dedup_key))
            .where(or_(was_resolved, ALERT.c.severity != held.c.severity))).returning(EVENT.c.from_state)).scalars().all()
        reopened = changes.count(AlertState.resolved)
        escalated = len(changes) - reopened
        is_critical = held.c.severity == critical
        upsert = _upsert(session.get_bind().dialect.name).from_select(
            ("kind", "state", "first_seen", "last_seen", "escalate_at", "remind_at", *CONDITION_COLUMNS),
            # the WHERE keeps SQLite from reading ON CONFLICT as a join constraint of the SELECT
            select(literal(scan.kind), literal(AlertState.open.value), at, at,
                   case((is_critical, escalate_due), else_=null()), case((is_critical, remind_due), else_=null()),
                   *(held.c[name] if name in held.c else _absent(name) for name in CONDITION_COLUMNS))
            .where(held.c.dedup_key.is_not(None)))
        stays_critical = and_(upsert.excluded.severity == critical, ALERT.c.severity == critical, ~was_resolved)
        seen = connection.execute(upsert.on_conflict_do_update(index_elements=[ALERT.c.dedup_key], set_={
            "last_seen": upsert.excluded.last_seen, "severity": upsert.excluded.severity,
            "payload": upsert.excluded.payload, "enterprise_id": upsert.excluded.enterprise_id,
            "material_id": upsert.excluded.material_id, "bureau_id": upsert.excluded.bureau_id,
            "district_id": upsert.excluded.district_id, "facility_id": upsert.excluded.facility_id,
            "category": upsert.excluded.category,
            "escalate_at": case((stays_critical, ALERT.c.escalate_at), else_=upsert.excluded.escalate_at),
            "remind_at": case((stays_critical, ALERT.c.remind_at), else_=upsert.excluded.remind_at),
            "escalation_level": case((was_resolved, 0), else_=ALERT.c.escalation_level),
            "state": case((was_resolved, AlertState.open.value), else_=ALERT.c.state),
            "resolved_at": case((was_resolved, null()), else_=ALERT.c.resolved_at),
            "acknowledged_at": case((was_resolved, null()), else_=ALERT.c.acknowledged_at),
            "acknowledged_by": case((was_resolved, null()), else_=ALERT.c.acknowledged_by),
        }).execution_options(preserve_rowcount=True)).rowcount
        opened = connection.execute(insert(EVENT).from_select(EVENT_COLUMNS, select(
            ALERT.c.id, at, null(), literal(AlertState.open.value), null(), ALERT.c.severity,
            literal(AlertEventKind.opened.value), literal("opened"),
        ).where(ALERT.c.kind == scan.kind, ALERT.c.first_seen == at)).execution_options(preserve_rowcount=True)).rowcount
        # the upsert counts every condition; those that were open or acknowledged already were refreshed
        refreshed = seen - opened - reopened
    gone = and_(ALERT.c.kind == scan.kind, ALERT.c.state != AlertState.resolved, ALERT.c.last_seen != at)
    connection.execute(insert(EVENT).from_select(EVENT_COLUMNS, select(
        ALERT.c.id, at, ALERT.c.state, literal(AlertState.resolved.value), ALERT.c.severity, ALERT.c.severity,
        literal(AlertEventKind.resolved.value), literal("condition ended")).where(gone)))
    resolved = connection.execute(ALERT.update().where(gone).values(
        state=AlertState.resolved, resolved_at=now, escalate_at=None, remind_at=None)
        .execution_options(preserve_rowcount=True)).rowcount
    return Outcome(scan.kind, opened, refreshed, escalated, reopened, resolved, prepared, parts)
