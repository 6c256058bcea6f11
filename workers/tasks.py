"""Tasks take ids or plain values and call one service function each."""
from __future__ import annotations

from celery import shared_task

from inventory.db import session_scope
from inventory.services import system


@shared_task(name="workers.tasks.heartbeat")
def heartbeat(source: str = "worker") -> str:
    """Proves a worker can reach the database; beat sends it every minute."""
    with session_scope() as session:
        system.record_heartbeat(session=session, name=source)
        session.commit()
    return "ok"
