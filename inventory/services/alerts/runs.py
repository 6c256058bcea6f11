"""Running scans and escalation steps for a moment: what ``flask scan``, ``flask deliver``, the beat tasks and
the tests call. Each writes the alert changes and their outbox rows in one transaction the caller commits."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from inventory.core.clock import business_today, utcnow
from inventory.services.alerts import engine, escalation, outbox, scans  # noqa: F401  (scans registers the kinds)
from inventory.services.alerts.registry import scans_named


@dataclass(frozen=True)
class ScanRun:
    outcomes: list[engine.Outcome]
    #: outbox rows the changes wrote
    queued: int


def run_scans(*, session: Session, name: str, as_of: date | None = None, now: datetime | None = None) -> ScanRun:
    """Every scan ``name`` names (a kind, a group or ``all``) and the deliveries their changes owe."""
    chosen = scans_named(name)
    day, now = as_of or business_today(), now or utcnow()
    mark = outbox.last_event_id(session)
    outcomes = [engine.run(session, scan=scan, as_of=day, now=now) for scan in chosen]
    return ScanRun(outcomes, outbox.fan_out(session, after=mark, now=now))


def run_escalation(*, session: Session, now: datetime | None = None) -> tuple[escalation.Steps, int]:
    """The escalation and reminder steps due now, and the deliveries they owe."""
    now = now or utcnow()
    mark = outbox.last_event_id(session)
    steps = escalation.step(session, now=now)
    return steps, outbox.fan_out(session, after=mark, now=now)
