"""Building sensors and readings for the cold-chain tests."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from sqlmodel import Session, select

from inventory.models import Excursion, Facility, Sensor
from inventory.services.coldchain import detection, ingest, rules, sensors
from tests.helpers import user_named

#: a whole minute two days ago: every reading the tests write lies after it and before now
T0 = (datetime.now(timezone.utc) - timedelta(days=2)).replace(second=0, microsecond=0)


def facility(db: Session, code: str) -> Facility:
    return db.exec(select(Facility).where(Facility.code == code)).one()


def sensor(db: Session, code: str = "S1", *, facility_code: str = "CS-02", interval: int = 60) -> Sensor:
    made = sensors.register_sensor(session=db, actor=user_named(db, "coldmanager"),
                                   facility=facility(db, facility_code), code=code, interval_seconds=interval)
    db.commit()
    return made


def watch_as(db: Session, facility_code: str, storage_class: str) -> None:
    rules.set_storage_class(session=db, actor=user_named(db, "admin"), facility=facility(db, facility_code),
                            storage_class=storage_class)
    db.commit()


def feed(db: Session, probe: Sensor, start_minute: int, values: list, *, step: int = 1) -> int:
    """Readings of ``probe`` every ``step`` minutes from T0 + ``start_minute``, one per value."""
    rows = [(probe.id, T0 + timedelta(minutes=start_minute + i * step), Decimal(str(v)), None, None, None)
            for i, v in enumerate(values)]
    stored = ingest.store(db, rows)
    db.commit()
    return stored


def detect(db: Session) -> detection.PassResult:
    result = detection.detect(db)
    db.commit()
    return result


def excursions(db: Session, rule_code: str | None = None) -> list[Excursion]:
    db.expire_all()
    query = select(Excursion).order_by(Excursion.started_at)
    if rule_code:
        query = query.where(Excursion.rule_code == rule_code)
    return list(db.exec(query))
