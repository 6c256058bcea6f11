"""What the alert tests share: running scans, rows by kind, putting a lot past its expiry."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from inventory.core.clock import business_today
from inventory.models import Alert, AlertEvent, Lot
from inventory.services.alerts import runs


def scan(db: Session, name: str, as_of: date | None = None):
    outcomes = runs.run_scans(session=db, name=name, as_of=as_of).outcomes
    db.commit()
    db.expire_all()
    return outcomes[0] if len(outcomes) == 1 else outcomes


def alerts_of(db: Session, kind: str) -> list[Alert]:
    db.expire_all()
    return list(db.exec(select(Alert).where(Alert.kind == kind).order_by(Alert.id)))


def alert_for(db: Session, kind: str, subject_id: int) -> Alert:
    db.expire_all()
    return db.exec(select(Alert).where(Alert.kind == kind, Alert.subject_id == subject_id)).one()


def events_of(db: Session, alert_id: int) -> list[AlertEvent]:
    return list(db.exec(select(AlertEvent).where(AlertEvent.alert_id == alert_id).order_by(AlertEvent.id)))


def lot_coded(db: Session, code: str) -> Lot:
    return db.exec(select(Lot).where(Lot.lot_code == code)).one()


def expire(db: Session, lot_id: int, days_ago: int = 3) -> None:
    """Receipts refuse expired lots, so time passes by moving the expiry date back."""
    db.execute(update(Lot).where(Lot.id == lot_id).values(expiry_date=business_today() - timedelta(days=days_ago)))
    db.commit()
