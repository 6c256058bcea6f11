"""Taking readings in (docs/coldchain.md, ingest): up to 10,000 per request, each checked on its own, the valid
ones bulk-inserted whatever the others hold (partial acceptance), a repeat of (sensor, time) ignored.

PostgreSQL: the valid rows are ``COPY``-ed straight into ``reading`` inside a savepoint, then one statement
advances each sensor's latest reading and the point the next detection pass must look from; when a row is a
repeat the savepoint is rolled back and the rows go through a temporary table and one ``INSERT … SELECT … ON
CONFLICT DO NOTHING`` whose inserted rows update the sensors in the same statement. SQLite: one ``INSERT OR IGNORE`` executed for all rows, then one
update per sensor. No ORM object is made per reading.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

import psycopg
from flask_babel import lazy_gettext as _l
from sqlalchemy import text
from sqlmodel import Session, select

from inventory import scope
from inventory.core import settings
from inventory.core.clock import utcnow
from inventory.core.errors import Invalid
from inventory.models import Sensor, User
from inventory.services.coldchain import storage

MAX_READINGS = 10_000
#: a gateway's clock may run this far ahead of ours before its readings count as "in the future"
CLOCK_SKEW = timedelta(seconds=60)
CELSIUS_RANGE = (-100.0, 100.0)
FIELDS = frozenset({"at", "celsius", "humidity", "sensor", "lat", "lon"})


@dataclass(frozen=True)
class Rejected:
    index: int
    field: str
    error: str


@dataclass
class IngestResult:
    accepted: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: list[Rejected] = field(default_factory=list)


class _Bad(Exception):
    def __init__(self, name: str, message: Any):
        super().__init__(name)
        self.name, self.message = name, message


def _number(item: dict, name: str, low: float, high: float, places: int, *, required: bool) -> float | None:
    """A JSON number or a decimal string within [low, high], rounded to ``places`` (floats, as the columns'
    scale keeps them exact: NUMERIC on PostgreSQL; SQLite stores REAL anyway)."""
    value = item.get(name)
    kind = type(value)
    if kind is float and math.isfinite(value) and low <= value <= high:  # the common case, first
        return round(value, places)
    if value is None:
        if required:
            raise _Bad(name, _l("required"))
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _Bad(name, _l("must be a number"))
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise _Bad(name, _l("must be a number")) from None
        if not number.is_finite():
            raise _Bad(name, _l("must be a finite number"))
        value = float(number)
    elif isinstance(value, float) and not math.isfinite(value):
        raise _Bad(name, _l("must be a finite number"))
    if not low <= value <= high:
        raise _Bad(name, _l("must be between %(low)s and %(high)s", low=format(low, "g"), high=format(high, "g")))
    return round(float(value), places)


def _time(value: Any, now: datetime, oldest: datetime) -> datetime:
    if not isinstance(value, str) or not value.strip():
        raise _Bad("at", _l("required: an ISO 8601 time with its offset"))
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise _Bad("at", _l("not an ISO 8601 time")) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise _Bad("at", _l("the time needs its offset (+08:00 or Z)"))
    moment = moment.astimezone(timezone.utc)
    if moment > now + CLOCK_SKEW:
        raise _Bad("at", _l("in the future"))
    if moment < oldest:
        raise _Bad("at", _l("older than the retention period"))
    return moment


class _Times:
    """The batch's time checks: a gateway sends one time for all its sensors, so each distinct text is parsed
    and checked once per request."""

    def __init__(self, now: datetime, oldest: datetime):
        self.now, self.oldest = now, oldest
        self.seen: dict[str, datetime | tuple[str, Any]] = {}

    def check(self, value: Any) -> datetime:
        if not isinstance(value, str):
            return _time(value, self.now, self.oldest)
        known = self.seen.get(value)
        if known is None:
            try:
                known = _time(value, self.now, self.oldest)
            except _Bad as bad:
                known = (bad.name, bad.message)
            self.seen[value] = known
        if isinstance(known, tuple):
            raise _Bad(*known)
        return known


def _parse(item: Any, sensors: dict[str, Sensor], only: Sensor | None, times: _Times) -> tuple:
    if not isinstance(item, dict):
        raise _Bad("reading", _l("must be an object"))
    if not item.keys() <= FIELDS:
        raise _Bad(sorted(set(item) - FIELDS)[0], _l("unknown field"))
    code = item.get("sensor")
    if code is None:
        if only is None:
            raise _Bad("sensor", _l("required: the facility has several sensors") if sensors
                       else _l("the facility has no sensor registered"))
        sensor = only
    elif not isinstance(code, str):
        raise _Bad("sensor", _l("must be a sensor code"))
    else:
        sensor = sensors.get(code) or sensors.get(code.strip())
        if sensor is None:
            raise _Bad("sensor", _l("unknown sensor %(code)s in this facility", code=code[:64]))
        if not sensor.active:
            raise _Bad("sensor", _l("sensor %(code)s is switched off", code=code[:64]))
    at = times.check(item.get("at"))
    celsius = _number(item, "celsius", *CELSIUS_RANGE, 2, required=True)
    humidity = _number(item, "humidity", 0.0, 100.0, 2, required=False) if "humidity" in item else None
    lat = _number(item, "lat", -90.0, 90.0, 6, required=False) if "lat" in item else None
    lon = _number(item, "lon", -180.0, 180.0, 6, required=False) if "lon" in item else None
    if (lat is None) != (lon is None):
        raise _Bad("lat" if lat is None else "lon", _l("latitude and longitude go together"))
    return (sensor.id, at, celsius, humidity, lat, lon)


def ingest(*, session: Session, actor: User, facility_code: str, readings: list[Any],
           now: datetime | None = None) -> IngestResult:
    """Check each reading, store the valid ones; the caller commits. 404 for a facility the actor cannot see,
    403 for one it may not feed, 422 for more than 10,000 readings (nothing is stored then)."""
    facility = scope.coldchain.require_facility_writer(session, actor, "ingest", "reading", facility_code)
    if not readings:
        raise Invalid.field("readings", _l("at least one reading"))
    if len(readings) > MAX_READINGS:
        raise Invalid.field("readings", _l("at most %(n)s readings per request", n=format(MAX_READINGS, ",")))
    now = now or utcnow()
    oldest = now - timedelta(days=settings.reading_retention_days())
    sensors = {s.code: s for s in session.exec(select(Sensor).where(Sensor.facility_id == facility.id))}
    active = [s for s in sensors.values() if s.active]
    only = active[0] if len(active) == 1 else None
    result, rows, times = IngestResult(), [], _Times(now, oldest)
    for index, item in enumerate(readings):
        try:
            rows.append(_parse(item, sensors, only, times))
        except _Bad as bad:
            result.rejected.append(Rejected(index, bad.name, str(bad.message)))
    result.accepted = len(rows)
    if rows:
        result.stored = store(session, rows)
    result.duplicates = result.accepted - result.stored
    return result


def store(session: Session, rows: list[tuple]) -> int:
    """Bulk-insert checked rows ``(sensor_id, at, celsius, humidity, lat, lon)``, ignoring repeats; returns how
    many were new. Also what the benchmark and the simulator call."""
    if session.get_bind().dialect.name == "postgresql":
        return _store_postgres(session, rows)
    return _store_sqlite(session, rows)


def _spans(rows: list[tuple]) -> dict[int, tuple[datetime, datetime]]:
    spans: dict[int, tuple[datetime, datetime]] = {}
    for sensor_id, at, *_ in rows:
        low, high = spans.get(sensor_id, (at, at))
        spans[sensor_id] = (min(low, at), max(high, at))
    return spans


def _store_postgres(session: Session, rows: list[tuple]) -> int:
    """``COPY`` straight into ``reading`` inside a savepoint (the common case: nothing repeated); when a row is
    already there, back to the savepoint and go through a temporary table with ``ON CONFLICT DO NOTHING``."""
    storage.ensure_partitions(session, {storage.month_start(row[1]) for row in rows})
    driver = session.connection().connection.driver_connection
    driver.execute("SAVEPOINT reading_copy")
    try:
        with driver.cursor() as cursor, cursor.copy(
                "COPY reading (sensor_id, at, celsius, humidity, lat, lon) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    except psycopg.errors.UniqueViolation:
        driver.execute("ROLLBACK TO SAVEPOINT reading_copy")
        return _store_postgres_repeats(session, driver, rows)
    driver.execute("RELEASE SAVEPOINT reading_copy")
    spans = _spans(rows)
    session.execute(text(
        "UPDATE sensor SET last_reading_at = GREATEST(sensor.last_reading_at, x.hi), "
        "pending_from = LEAST(sensor.pending_from, x.lo) "
        "FROM unnest(CAST(:ids AS integer[]), CAST(:lo AS timestamptz[]), CAST(:hi AS timestamptz[])) "
        "AS x(id, lo, hi) WHERE sensor.id = x.id"),
        {"ids": list(spans), "lo": [low for low, _ in spans.values()], "hi": [high for _, high in spans.values()]})
    return len(rows)


def _store_postgres_repeats(session: Session, driver, rows: list[tuple]) -> int:
    session.execute(text(
        "CREATE TEMPORARY TABLE IF NOT EXISTS reading_incoming (sensor_id integer, at timestamptz, "
        "celsius numeric(5,2), humidity numeric(5,2), lat numeric(9,6), lon numeric(9,6)) ON COMMIT DELETE ROWS"))
    session.execute(text("TRUNCATE reading_incoming"))
    with driver.cursor() as cursor, cursor.copy(
            "COPY reading_incoming (sensor_id, at, celsius, humidity, lat, lon) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    return int(session.execute(text("""
        WITH ins AS (
            INSERT INTO reading (sensor_id, at, celsius, humidity, lat, lon)
            SELECT sensor_id, at, celsius, humidity, lat, lon FROM reading_incoming
            ON CONFLICT DO NOTHING RETURNING sensor_id, at),
        agg AS (SELECT sensor_id, min(at) AS lo, max(at) AS hi, count(*) AS n FROM ins GROUP BY sensor_id),
        upd AS (
            UPDATE sensor SET last_reading_at = GREATEST(sensor.last_reading_at, agg.hi),
                              pending_from = LEAST(sensor.pending_from, agg.lo)
            FROM agg WHERE sensor.id = agg.sensor_id RETURNING agg.n)
        SELECT COALESCE(SUM(n), 0) FROM upd""")).scalar_one())


def _float(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)


def _store_sqlite(session: Session, rows: list[tuple]) -> int:
    connection = session.connection()
    inserted = connection.exec_driver_sql(
        "INSERT OR IGNORE INTO reading (sensor_id, at, celsius, humidity, lat, lon) VALUES (?, ?, ?, ?, ?, ?)",
        [(sensor_id, storage._sqlite_time(at), float(celsius), _float(humidity), _float(lat), _float(lon))
         for sensor_id, at, celsius, humidity, lat, lon in rows]).rowcount
    spans = _spans(rows)
    connection.exec_driver_sql(
        "UPDATE sensor SET last_reading_at = max(COALESCE(last_reading_at, ?), ?), "
        "pending_from = min(COALESCE(pending_from, ?), ?) WHERE id = ?",
        [(storage._sqlite_time(high), storage._sqlite_time(high), storage._sqlite_time(low),
          storage._sqlite_time(low), sensor_id) for sensor_id, (low, high) in spans.items()])
    return inserted



