"""System health facts kept in the database (the source of truth, not the broker)."""
from __future__ import annotations

from sqlmodel import Session, select

from inventory.models.system import Heartbeat
from inventory.timeutil import utcnow


def record_heartbeat(*, session: Session, name: str) -> Heartbeat:
    row = session.get(Heartbeat, name) or Heartbeat(name=name, at=utcnow())
    row.at = utcnow()
    session.add(row)
    return row


def heartbeats(*, session: Session) -> list[Heartbeat]:
    return list(session.exec(select(Heartbeat).order_by(Heartbeat.name)))
