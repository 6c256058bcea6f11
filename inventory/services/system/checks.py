"""System health facts kept in the database (the source of truth, not the broker)."""
from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session, select

from inventory.models.system import Heartbeat
from inventory.core.clock import utcnow
from inventory.core import settings
from inventory.services.system.broker import broker_is_up


def record_heartbeat(*, session: Session, name: str) -> Heartbeat:
    row = session.get(Heartbeat, name) or Heartbeat(name=name, at=utcnow())
    row.at = utcnow()
    session.add(row)
    return row


def heartbeats(*, session: Session) -> list[Heartbeat]:
    return list(session.exec(select(Heartbeat).order_by(Heartbeat.name)))


def status(*, session: Session) -> dict[str, str]:
    """What a request depends on: the database must answer; the broker being down is reported, never fatal."""
    try:
        session.exec(text("SELECT 1"))
        database = "ok"
    except Exception:  # any driver failure means the database is not usable
        database = "down"
    broker = "ok" if broker_is_up(settings.celery_settings(), settings.broker_health_timeout()) else "down"
    return {"status": "ok" if database == "ok" else "degraded", "database": database, "broker": broker}
