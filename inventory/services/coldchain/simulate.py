"""Realistic readings for the demo (``flask readings simulate``; docs/coldchain.md, simulator): per sensor a
daily cycle around the set point of the facility's storage class, door openings (brief rises), and, unless told
otherwise, a compressor failure on the first sensor (a slow rise past the class's limits, still going) and a
silent last sensor (nothing for its last two hours); a refrigerated vehicle's readings carry its position on a loop
through the city, so its track is drawn. Deterministic for a seed; stored through the bulk path."""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlmodel import Session, select

from inventory.core.clock import utcnow
from inventory.core.vocab import FacilityKind, StorageClass
from inventory.models import Facility, Sensor
from inventory.services.audit import trail
from inventory.services.coldchain import ingest, rules

#: storage class -> the temperature a working room holds (°C): inside the class's range, off its limits
SET_POINT = {StorageClass.ambient: 18.0, StorageClass.cool: 15.0, StorageClass.chilled: 2.0,
             StorageClass.medical: 5.0, StorageClass.red_cells: 4.0, StorageClass.platelets: 22.0,
             StorageClass.frozen: -21.0, StorageClass.plasma: -25.0, StorageClass.ultra_low: -75.0}
COLD_KINDS = tuple(kind for kind in FacilityKind if kind != FacilityKind.warehouse)
#: a refrigerated vehicle's round in Langfang (the demo city): its centre (latitude, longitude), the half-axes of
#: its loop in degrees (about 5 km × 4 km) and the hours one lap takes; only vehicles send positions
ROUTE_CENTRE, ROUTE_HALF_AXES, ROUTE_LAP_HOURS = (39.5238, 116.7035), (0.035, 0.045), 3.0


def vehicle_position(moment: datetime) -> tuple[Decimal, Decimal]:
    """Where the simulated vehicle is at ``moment``: on its loop round the city centre, a little wobble from the
    streets, six decimals as the readings store them."""
    turn = 2 * math.pi * (moment.timestamp() / 3600 % ROUTE_LAP_HOURS) / ROUTE_LAP_HOURS
    lat = ROUTE_CENTRE[0] + ROUTE_HALF_AXES[0] * math.sin(turn) + 0.002 * math.sin(7 * turn)
    lon = ROUTE_CENTRE[1] + ROUTE_HALF_AXES[1] * math.cos(turn)
    return Decimal(f"{lat:.6f}"), Decimal(f"{lon:.6f}")


@dataclass(frozen=True)
class Simulated:
    facility: str
    sensors: int
    readings: int
    stored: int


def _sensors(session: Session, facility: Facility, count: int) -> list[Sensor]:
    found = list(session.exec(select(Sensor).where(Sensor.facility_id == facility.id, Sensor.active.is_(True))
                              .order_by(Sensor.code)))
    for number in range(len(found) + 1, count + 1):
        sensor = Sensor(facility_id=facility.id, code=f"SIM-{number}", position=f"模拟探头 {number}",
                        interval_seconds=60)
        session.add(sensor)
        session.flush()
        trail.record(session, actor=None, action="sensor.register", entity="facility", entity_id=facility.id,
                     org_id=facility.enterprise_id, after={"sensor": sensor.code, "simulated": True})
        found.append(sensor)
    return found[:max(count, 1)]


def simulate(*, session: Session, facility_codes: list[str] | None = None, hours: int = 24, sensors: int = 3,
             seed: int = 1, failure: bool = True, now: datetime | None = None) -> list[Simulated]:
    """Readings for the last ``hours`` of every cold facility (or those named); the caller commits."""
    now = (now or utcnow()).replace(second=0, microsecond=0)
    query = select(Facility).where(Facility.active.is_(True)).order_by(Facility.code)
    query = query.where(Facility.code.in_(facility_codes)) if facility_codes else \
        query.where(Facility.kind.in_([str(k) for k in COLD_KINDS]))
    chance, done = random.Random(seed), []
    for facility in session.exec(query):
        storage_class = rules.storage_class_of(session, facility)
        base = SET_POINT[StorageClass(storage_class)]
        probes = _sensors(session, facility, sensors)
        start = now - timedelta(hours=hours)
        doors = sorted(start + timedelta(minutes=chance.randrange(hours * 60)) for _ in range(max(1, hours // 6)))
        rows, moving = [], facility.kind == FacilityKind.reefer_vehicle
        for index, probe in enumerate(probes):
            step = timedelta(seconds=probe.interval_seconds)
            silent_from = now - timedelta(hours=2) if failure and index == len(probes) - 1 and index else None
            failing_from = now - timedelta(hours=min(12, hours)) if failure and index == 0 else None
            moment = start
            while moment <= now:
                if silent_from and moment >= silent_from:
                    break
                minute = (moment - start).total_seconds() / 60
                value = base + 0.8 * math.sin(2 * math.pi * (moment.hour * 60 + moment.minute) / 1440) \
                    + chance.gauss(0, 0.15) + index * 0.2
                if any(timedelta(0) <= moment - door <= timedelta(minutes=4) for door in doors):
                    value += 2.5
                if failing_from and moment >= failing_from:
                    value += min(15.0, (moment - failing_from).total_seconds() / 60 * 0.05)
                lat, lon = vehicle_position(moment) if moving else (None, None)
                rows.append((probe.id, moment, round(value, 2), round(60 + 5 * math.sin(minute / 90), 2), lat, lon))
                moment += step
        stored = ingest.store(session, rows) if rows else 0
        done.append(Simulated(facility.code, len(probes), len(rows), stored))
    return done
