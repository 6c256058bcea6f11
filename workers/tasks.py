"""Tasks take ids or plain values and call one service function each."""
from __future__ import annotations

from celery import Celery, shared_task
from flask import current_app
from flask_babel import force_locale
from kombu.exceptions import OperationalError

from inventory.db import session_scope
from inventory.services import imports, system


@shared_task(name="workers.tasks.heartbeat")
def heartbeat(source: str = "worker") -> str:
    """Proves a worker can reach the database; beat sends it every minute."""
    with session_scope() as session:
        system.record_heartbeat(session=session, name=source)
        session.commit()
    return "ok"


@shared_task(name="workers.tasks.run_import")
def run_import(job_id: int, locale: str | None = None) -> str:
    """Checks and (unless a dry run) writes one receipt import; a redelivered message finds it claimed.

    The job stores its row errors as text, rendered in ``locale``: the uploader's language, or the default
    one when the sweep re-sends a job and nobody's language is known.
    """
    with session_scope() as session, force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        return imports.run_job(session=session, job_id=job_id).status


@shared_task(name="workers.tasks.sweep_imports")
def sweep_imports() -> int:
    """Beat's safety net for import jobs whose task message or worker was lost; its notes use the default language."""
    with session_scope() as session, force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        stale = imports.sweep(session=session)
        session.commit()
    for job_id in stale:
        run_import.delay(job_id)
    return len(stale)


def enqueue_import(celery_app: Celery, job_id: int, *, locale: str, timeout: float) -> bool:
    """Hand a committed import job to a worker; True when one will run it.

    Call it only after the commit that created the job, so the worker finds the row. DESIGN §3: a request
    never fails because the broker is down — when the broker cannot be reached within ``timeout`` the job
    runs here, in the calling process, before this returns (False).
    """
    try:
        with celery_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
            celery_app.send_task(run_import.name, args=(job_id, locale), connection=connection, retry=False)
    except OperationalError:
        run_import.run(job_id, locale)
        return False
    return True
