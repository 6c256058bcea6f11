"""What the facility's temperature page draws (docs/coldchain.md, facility page): per sensor min/max/mean
per bucket, downsampled in SQL — raw readings for 24 h and 7 d, hourly roll-ups for 30 d (raw readings for the
hours not rolled up yet) — the storage class's allowed band and the excursions in the window, as SVG geometry;
a vehicle's latest positions; the lots inside and the capacity they use."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import text
from sqlmodel import Session, select

from inventory import scope
from inventory.core.clock import utcnow
from inventory.models import Excursion, Facility, Lot, Material, Reading, Sensor, User
from inventory.services.coldchain import rules
from inventory.services.coldchain.storage import _sqlite_time
from inventory.services.stock import catalogue

#: range -> (length, bucket seconds, roll-ups)
RANGES = {"24h": (timedelta(hours=24), 300, False), "7d": (timedelta(days=7), 3600, False),
          "30d": (timedelta(days=30), 4 * 3600, True)}
#: how the range tabs read
RANGE_LABELS = {"24h": _l("24 hours"), "7d": _l("7 days"), "30d": _l("30 days")}
WIDTH, HEIGHT, PAD = 900, 300, 40
COLOURS = ("#0d6efd", "#198754", "#6f42c1", "#fd7e14", "#20c997", "#d63384", "#6c757d", "#0dcaf0")


@dataclass
class Line:
    sensor: str
    colour: str
    points: str
    low_points: str
    count: int


@dataclass
class Chart:
    range_key: str
    start: datetime
    end: datetime
    storage_class: str
    band: tuple[Decimal | None, Decimal | None]
    y_low: float
    y_high: float
    lines: list[Line] = field(default_factory=list)
    band_box: tuple[float, float] | None = None
    shaded: list[tuple[float, float, bool]] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)
    excursions: list[Excursion] = field(default_factory=list)
    sensors: list[Sensor] = field(default_factory=list)


def _bucket_sql(session: Session, column: str) -> str:
    if session.get_bind().dialect.name == "postgresql":
        return f"CAST(floor(date_part('epoch', {column}) / :size) * :size AS BIGINT)"
    return f"(CAST(strftime('%s', {column}) AS INTEGER) / :size) * :size"


def _time(session: Session, moment: datetime):
    return moment if session.get_bind().dialect.name == "postgresql" else _sqlite_time(moment)


def _raw(session: Session, ids: list[int], start: datetime, end: datetime, size: int) -> list[tuple]:
    bucket = _bucket_sql(session, "at")
    return session.execute(text(
        f"SELECT sensor_id, {bucket} AS b, MIN(celsius), MAX(celsius), SUM(celsius), COUNT(*) FROM reading "
        f"WHERE sensor_id IN ({','.join(str(i) for i in ids)}) AND at >= :start AND at < :end "
        f"GROUP BY sensor_id, {bucket}"), {"size": size, "start": _time(session, start),
                                            "end": _time(session, end)}).all()


def _rolled(session: Session, ids: list[int], start: datetime, end: datetime, size: int) -> list[tuple]:
    bucket = _bucket_sql(session, "hour")
    return session.execute(text(
        f"SELECT sensor_id, {bucket} AS b, MIN(celsius_min), MAX(celsius_max), SUM(celsius_mean * readings), "
        f"SUM(readings) FROM reading_hourly WHERE sensor_id IN ({','.join(str(i) for i in ids)}) "
        f"AND hour >= :start AND hour < :end GROUP BY sensor_id, {bucket}"),
        {"size": size, "start": _time(session, start), "end": _time(session, end)}).all()


def chart(session: Session, facility: Facility, range_key: str = "24h", now: datetime | None = None) -> Chart:
    length, size, rolled = RANGES.get(range_key, RANGES["24h"])
    end = now or utcnow()
    start = end - length
    storage_class = rules.storage_class_of(session, facility)
    band = catalogue.storage_range(storage_class)
    sensors = list(session.exec(select(Sensor).where(Sensor.facility_id == facility.id).order_by(Sensor.code)))
    buckets: dict[tuple[int, int], list[float]] = {}
    ids = [s.id for s in sensors]
    if ids:
        rows = []
        raw_from = start
        if rolled:
            last = session.execute(text(
                f"SELECT MAX(hour) FROM reading_hourly WHERE sensor_id IN ({','.join(map(str, ids))})")).scalar()
            if last is not None:
                last = datetime.fromisoformat(str(last)) if isinstance(last, str) else last
                last = (last if last.tzinfo else last.replace(tzinfo=timezone.utc)) + timedelta(hours=1)
                if last > start:
                    rows += _rolled(session, ids, start, min(last, end), size)
                    raw_from = min(last, end)
        rows += _raw(session, ids, raw_from, end, size)
        for sensor_id, b, low, high, total, count in rows:
            key = (sensor_id, int(b))
            if key in buckets:
                old = buckets[key]
                buckets[key] = [min(old[0], float(low)), max(old[1], float(high)), old[2] + float(total),
                                old[3] + int(count)]
            else:
                buckets[key] = [float(low), float(high), float(total), int(count)]
    values = [v for item in buckets.values() for v in item[:2]]
    values += [float(x) for x in band if x is not None]
    y_low, y_high = (min(values) - 1, max(values) + 1) if values else (-1.0, 1.0)
    span = (end - start).total_seconds()

    def x(moment: float) -> float:
        return round(PAD + (moment - start.timestamp()) / span * (WIDTH - 2 * PAD), 1)

    def y(value: float) -> float:
        return round(HEIGHT - PAD - (value - y_low) / (y_high - y_low) * (HEIGHT - 2 * PAD), 1)

    found = Chart(range_key if range_key in RANGES else "24h", start, end, storage_class, band, y_low, y_high,
                  sensors=sensors)
    for index, sensor in enumerate(sensors):
        mine = sorted((b, item) for (sid, b), item in buckets.items() if sid == sensor.id)
        found.lines.append(Line(sensor.code, COLOURS[index % len(COLOURS)],
                                " ".join(f"{x(b + size / 2)},{y(item[2] / item[3])}" for b, item in mine),
                                " ".join(f"{x(b + size / 2)},{y(item[0])}" for b, item in mine), len(mine)))
    low, high = band
    top = y(float(high)) if high is not None else PAD
    bottom = y(float(low)) if low is not None else HEIGHT - PAD
    found.band_box = (top, round(max(bottom - top, 0), 1))
    found.excursions = list(session.exec(select(Excursion).where(
        Excursion.facility_id == facility.id, Excursion.ended_at >= start).order_by(Excursion.started_at)))
    for row in found.excursions:
        begin = max(row.started_at.timestamp(), start.timestamp())
        finish = end.timestamp() if row.ongoing else row.ended_at.timestamp()
        found.shaded.append((x(begin), max(x(finish) - x(begin), 2), row.ongoing))
    step = (y_high - y_low) / 5
    found.ticks = [(y(y_low + i * step), f"{y_low + i * step:.1f}") for i in range(6)]
    return found


@dataclass(frozen=True)
class Position:
    sensor: str
    at: datetime
    lat: Decimal
    lon: Decimal
    celsius: Decimal


def positions(session: Session, facility: Facility, limit: int = 50) -> list[Position]:
    """A vehicle's latest positions (readings with latitude and longitude), newest first."""
    rows = session.execute(select(Sensor.code, Reading.at, Reading.lat, Reading.lon, Reading.celsius)
                           .join(Sensor, Sensor.id == Reading.sensor_id)
                           .where(Sensor.facility_id == facility.id, Reading.lat.is_not(None))
                           .order_by(Reading.at.desc()).limit(limit)).all()
    return [Position(*row) for row in rows]


@dataclass(frozen=True)
class Stock:
    lots: list[tuple[Lot, Material]]
    on_hand_in_capacity_unit: Decimal
    capacity: Decimal | None
    capacity_unit: str


def stock(session: Session, actor: User, facility: Facility) -> Stock:
    """The lots with stock in the facility the actor may see, and the capacity used (lots in its unit)."""
    rows = session.execute(scope.lots_query(session, actor).add_columns(Material)
                           .join(Material, Material.id == Lot.material_id)
                           .where(Lot.facility_id == facility.id, Lot.on_hand > 0)
                           .order_by(Lot.expiry_date, Lot.id)).all()
    used = sum((lot.on_hand for lot, material in rows if material.unit == facility.capacity_unit), Decimal(0))
    return Stock([(lot, material) for lot, material in rows], used, facility.capacity, facility.capacity_unit)
