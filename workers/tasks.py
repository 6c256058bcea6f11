"""Tasks take ids or plain values and call one service function each."""
from __future__ import annotations

from datetime import date

from celery import shared_task
from flask import current_app
from flask_babel import force_locale

from inventory.db import session_scope
from inventory.services.alerts import runs
from inventory.services.stock import imports
from inventory.services.system import checks


@shared_task(name="workers.tasks.heartbeat")
def heartbeat(source: str = "worker") -> str:
    """Proves a worker can reach the database; beat sends it every minute."""
    with session_scope() as session:
        checks.record_heartbeat(session=session, name=source)
        session.commit()
    return "ok"


@shared_task(name="workers.tasks.run_import")
def run_import(job_id: int, locale: str | None = None) -> str:
    """Checks and (unless a dry run) writes one receipt import; a redelivered message finds it claimed."""
    return imports.run_job_here(job_id, locale).status


@shared_task(name="workers.tasks.sweep_imports")
def sweep_imports() -> int:
    """Beat's safety net for import jobs whose task message or worker was lost; its notes use the default language."""
    with session_scope() as session, force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        stale = imports.sweep(session=session)
        session.commit()
    for job_id in stale:
        run_import.delay(job_id)
    return len(stale)


@shared_task(name="workers.tasks.scan_alerts")
def scan_alerts(name: str = "all", as_of: str | None = None) -> dict[str, int]:
    """Runs alert scans (a kind, a group or ``all``) for ``as_of`` (ISO date; default today); idempotent, so a
    redelivered message or two workers at once change nothing more. Returns the alerts opened per kind."""
    with session_scope() as session:
        outcomes = runs.run_scans(session=session, name=name, as_of=date.fromisoformat(as_of) if as_of else None)
        session.commit()
    return {outcome.kind: outcome.opened for outcome in outcomes}
