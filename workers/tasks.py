"""Tasks take ids or plain values and call one service function each."""
from __future__ import annotations

from datetime import date, timedelta

from celery import shared_task
from flask import current_app
from flask_babel import force_locale

from inventory.core import settings
from inventory.core.clock import utcnow
from inventory.db import session_scope
from inventory.services.alerts import delivery, runs
from inventory.services.coldchain import storage as coldchain_storage
from inventory.services.plans import contracts as plan_contracts
from inventory.services.stock import imports
from inventory.services.system import checks


#: a delivery task that sent something comes back for what falls due within this (else beat's sweep sends it)
RESCHEDULE_WITHIN = timedelta(minutes=10)


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
        done = runs.run_scans(session=session, name=name, as_of=date.fromisoformat(as_of) if as_of else None)
        session.commit()
    if done.queued:
        deliver_alerts.apply_async(countdown=settings.delivery_group_wait().total_seconds())
    return {outcome.kind: outcome.opened for outcome in done.outcomes}


@shared_task(name="workers.tasks.escalate_alerts")
def escalate_alerts() -> dict[str, int]:
    """Beat's minute step: escalations and reminders due now, then their deliveries after the group wait."""
    with session_scope() as session:
        steps, queued = runs.run_escalation(session=session)
        session.commit()
    if queued:
        deliver_alerts.apply_async(countdown=settings.delivery_group_wait().total_seconds())
    return {"escalated": steps.escalated, "reminded": steps.reminded, "queued": queued}


@shared_task(name="workers.tasks.deliver_alerts")
def deliver_alerts() -> dict[str, int]:
    """Sends every due delivery (the state is in the rows: a redelivered message finds them sent or claimed).
    When it sent something and more falls due soon (a retry's back-off, a group wait), it comes back then;
    beat's minute sweep catches everything else."""
    report = delivery.deliver_due()
    if report.batches and report.next_due is not None:
        wait = (report.next_due - utcnow()).total_seconds()
        if wait < RESCHEDULE_WITHIN.total_seconds():
            deliver_alerts.apply_async(countdown=max(wait, 0) + 0.05)
    return {"sent": report.sent, "retrying": report.retrying, "dead": report.dead}


@shared_task(name="workers.tasks.coldchain_storage")
def coldchain_storage_task() -> dict[str, int]:
    """Beat's daily cold-chain housekeeping (docs/coldchain.md, storage): the coming months' partitions, the
    last two days' hourly roll-ups, and retention (whole months dropped, roll-ups kept)."""
    with session_scope() as session:
        done = coldchain_storage.housekeeping(session)
        session.commit()
    return {"partitions_made": len(done.partitions_made), "hours_rolled_up": done.hours_rolled_up,
            "partitions_dropped": len(done.retention.dropped), "rows_deleted": done.retention.deleted}


@shared_task(name="workers.tasks.contracts_daily")
def contracts_daily(as_of: str | None = None) -> dict[str, int]:
    """Beat's daily step for storage contracts (docs/plans.md): ended ones expire, signed ones whose period has begun
    start; one that cannot start (an overlap, a sanction) stays signed and is tried again the next day."""
    with session_scope() as session:
        done = plan_contracts.run_daily(session, date.fromisoformat(as_of) if as_of else None)
        session.commit()
    return {"activated": len(done.activated), "expired": len(done.expired), "refused": len(done.refused)}
