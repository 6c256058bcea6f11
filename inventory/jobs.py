"""Handing work to a Celery worker once the transaction that created it has committed.

Views and services name a task; they never import a task module (docs/architecture.md). A request never
fails because the broker is down: when it cannot be reached within the health timeout, the work runs here,
in the calling process, or stays pending for the beat sweep that looks for it in the database.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app
from kombu.exceptions import OperationalError
from sqlmodel import Session

from inventory.core import settings


def commit_then_enqueue(session: Session, task_name: str, *args: Any,
                        run_here: Callable[[], Any] | None = None) -> bool:
    """Commit, then send ``task_name``; True when a worker will run it.

    Broker unreachable: ``run_here`` runs now (the job is done when this returns) or, without one, the
    work is left to the sweep. Either way False.
    """
    session.commit()
    celery_app = current_app.extensions["celery"]
    timeout = settings.broker_health_timeout()
    try:
        with celery_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
            celery_app.send_task(task_name, args=args, connection=connection, retry=False)
    except OperationalError:
        current_app.logger.warning("broker unreachable; %s %s %s", task_name, args,
                                   "runs in process" if run_here else "is left for the sweep")
        if run_here is not None:
            run_here()
        return False
    return True
