"""Running scans by name for a day: what ``flask scan``, the beat tasks and the tests call."""
from __future__ import annotations

from datetime import date

from sqlmodel import Session

from inventory.core.clock import business_today
from inventory.services.alerts import engine, scans  # noqa: F401  (scans registers the kinds)
from inventory.services.alerts.registry import scans_named


def run_scans(*, session: Session, name: str, as_of: date | None = None) -> list[engine.Outcome]:
    """Every scan ``name`` names (a kind, a group or ``all``), in one transaction the caller commits."""
    chosen = scans_named(name)
    day = as_of or business_today()
    return [engine.run(session, scan=scan, as_of=day) for scan in chosen]
