"""Escalation and repeat reminders of critical alerts (docs/domain-rules.md, alerts), as on-call systems do.

A critical alert nobody acknowledged within ``ALERT_ESCALATE_AFTER_MINUTES`` reaches the next level —
enterprise, then the bureau, then the coordinators — once per step; acknowledging stops the chain. An
unresolved critical alert is delivered again every ``ALERT_REMIND_EVERY_MINUTES``. Each step is one
conditional UPDATE on the alert's due time, so two workers at once take it once; its history row is what the
outbox delivers.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, insert, literal, null
from sqlmodel import Session

from inventory.core import settings
from inventory.core.vocab import AlertEventKind, AlertSeverity, AlertState
from inventory.models import Alert, AlertEvent
from inventory.services.alerts.outbox import LEVEL_KINDS

ALERT, EVENT = Alert.__table__, AlertEvent.__table__
TOP_LEVEL = max(LEVEL_KINDS)


@dataclass(frozen=True)
class Steps:
    escalated: int
    reminded: int


def _history(session: Session, rows, now: datetime, kind: AlertEventKind, note: str) -> None:
    if rows:
        session.connection().execute(insert(EVENT), [dict(
            alert_id=alert_id, at=now, from_state=state, to_state=state, from_severity=severity,
            to_severity=severity, kind=kind.value, level=level, note=note) for alert_id, state, severity, level in rows])


def step(session: Session, *, now: datetime) -> Steps:
    """Take every escalation and reminder due at ``now``; the caller fans out and commits."""
    critical = AlertSeverity.critical.value
    escalated = session.connection().execute(
        ALERT.update().where(ALERT.c.state == AlertState.open.value, ALERT.c.severity == critical,
                             ALERT.c.escalate_at <= now, ALERT.c.escalation_level < TOP_LEVEL)
        .values(escalation_level=ALERT.c.escalation_level + 1,
                # the top level has no next step: nothing stays due
                escalate_at=case((ALERT.c.escalation_level + 1 >= TOP_LEVEL, null()),
                                 else_=literal(now + settings.alert_escalate_after(), ALERT.c.escalate_at.type)))
        .returning(ALERT.c.id, ALERT.c.state, ALERT.c.severity, ALERT.c.escalation_level)).all()
    _history(session, escalated, now, AlertEventKind.escalated, "not acknowledged in time")
    reminded = session.connection().execute(
        ALERT.update().where(ALERT.c.state != AlertState.resolved.value, ALERT.c.severity == critical,
                             ALERT.c.remind_at <= now)
        .values(remind_at=literal(now + settings.alert_remind_every(), ALERT.c.remind_at.type))
        .returning(ALERT.c.id, ALERT.c.state, ALERT.c.severity)).all()
    _history(session, [(*row, None) for row in reminded], now, AlertEventKind.reminder, "still unresolved")
    return Steps(len(escalated), len(reminded))
