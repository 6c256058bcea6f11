"""Tasks take ids or plain values and call one service function each."""
from __future__ import annotations

from celery import Celery, shared_task
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
def run_import(job_id: int) -> str:
    """Checks and (unless a dry run) writes one receipt import; a redelivered message finds it claimed."""
    with session_scope() as session:
        return imports.run_job(session=session, job_id=job_id).status


@shared_task(name="workers.tasks.sweep_imports")
def sweep_imports() -> int:
    """Beat's safety net for import jobs whose task message or worker was lost."""
    with session_scope() as session:
        stale = imports.sweep(session=session)
        session.commit()
    for job_id in stale:
        run_import.delay(job_id)
    return len(stale)


def enqueue_import(celery_app: Celery, job_id: int, *, timeout: float) -> bool:
    """Hand a committed import job to a worker; True when one will run it.

    Call it only after the commit that created the job, so the worker finds the row. DESIGN §3: a request
    never fails because the broker is down — when the broker cannot be reached within ``timeout`` the job
    runs here, in the calling process, before this returns (False).
    """
    try:
        with celery_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
            celery_app.send_task(run_import.name, args=(job_id,), connection=connection, retry=False)
    except OperationalError:
        run_import.run(job_id)
        return False
    return True
