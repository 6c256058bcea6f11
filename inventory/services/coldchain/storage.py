"""Where readings live (docs/coldchain.md, storage).

PostgreSQL: ``reading`` is partitioned by month (``reading_pYYYYMM``); ``ensure_partitions`` creates the months
a batch needs and, from beat, the coming months; retention rolls a month up into ``reading_hourly`` and drops
the whole partition once all of it is older than the retention period. SQLite: one table; retention rolls up
and deletes the rows older than the period. Roll-ups are recomputed from the raw rows (an upsert), so running
them twice, or after late readings, gives the same figures.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import text
from sqlmodel import Session

from inventory.core import settings
from inventory.core.clock import utcnow
from inventory.models.coldchain import READING_PARTITION


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def month_start(moment: datetime | date) -> date:
    return date(moment.year, moment.month, 1)


def next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def partition_name(first: date) -> str:
    return f"reading_p{first:%Y%m}"


def ensure_partitions(session: Session, months: set[date]) -> list[str]:
    """Create the monthly partitions of ``months`` that do not exist yet (PostgreSQL; nothing on SQLite)."""
    if not _is_postgres(session) or not months:
        return []
    created = []
    for first in sorted(months):
        name = partition_name(first)
        if session.execute(text("SELECT to_regclass(:name)"), {"name": name}).scalar() is not None:
            continue
        session.execute(text(
            f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF reading FOR VALUES "
            f"FROM ('{first.isoformat()} 00:00:00+00') TO ('{next_month(first).isoformat()} 00:00:00+00')"))
        created.append(name)
    return created


def ensure_ahead(session: Session, *, months_ahead: int = 2, now: datetime | None = None) -> list[str]:
    """The beat task's part: this month and the next ``months_ahead`` exist before readings need them."""
    first, months = month_start(now or utcnow()), set()
    for _ in range(months_ahead + 1):
        months.add(first)
        first = next_month(first)
    return ensure_partitions(session, months)


def partitions(session: Session) -> list[str]:
    if not _is_postgres(session):
        return []
    names = session.execute(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'reading' ORDER BY c.relname")).scalars()
    return [name for name in names if READING_PARTITION.match(name)]


def rollup(session: Session, *, start: datetime, end: datetime) -> int:
    """Recompute the hourly roll-ups of the hours in [start, end) from the raw readings; returns hours written."""
    if _is_postgres(session):
        sql = """
            INSERT INTO reading_hourly (sensor_id, hour, readings, celsius_min, celsius_max, celsius_mean,
                                        humidity_mean)
            SELECT sensor_id, date_trunc('hour', at), count(*), min(celsius), max(celsius), round(avg(celsius), 3),
                   round(avg(humidity), 3)
            FROM reading WHERE at >= :start AND at < :end GROUP BY sensor_id, date_trunc('hour', at)
            ON CONFLICT (sensor_id, hour) DO UPDATE SET readings = excluded.readings,
                celsius_min = excluded.celsius_min, celsius_max = excluded.celsius_max,
                celsius_mean = excluded.celsius_mean, humidity_mean = excluded.humidity_mean"""
        params = {"start": start, "end": end}
    else:
        sql = """
            INSERT INTO reading_hourly (sensor_id, hour, readings, celsius_min, celsius_max, celsius_mean,
                                        humidity_mean)
            SELECT sensor_id, strftime('%Y-%m-%d %H:00:00.000000', at), count(*), min(celsius), max(celsius),
                   round(avg(celsius), 3), round(avg(humidity), 3)
            FROM reading WHERE at >= :start AND at < :end GROUP BY sensor_id, strftime('%Y-%m-%d %H', at)
            ON CONFLICT (sensor_id, hour) DO UPDATE SET readings = excluded.readings,
                celsius_min = excluded.celsius_min, celsius_max = excluded.celsius_max,
                celsius_mean = excluded.celsius_mean, humidity_mean = excluded.humidity_mean"""
        params = {"start": _sqlite_time(start), "end": _sqlite_time(end)}
    return session.execute(text(sql), params).rowcount


def _sqlite_time(moment: datetime) -> str:
    """A UTC instant as SQLAlchemy stores it in SQLite (text that sorts by time)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


@dataclass(frozen=True)
class Retention:
    cutoff: datetime
    dropped: list[str]
    deleted: int
    hours_rolled_up: int


def apply_retention(session: Session, *, now: datetime | None = None, days: int | None = None) -> Retention:
    """Keep raw readings for the retention period: roll up and drop every month wholly older than it
    (PostgreSQL), or roll up and delete the older rows (SQLite). The roll-ups are never touched."""
    now = now or utcnow()
    cutoff = now - timedelta(days=days if days is not None else settings.reading_retention_days())
    if not _is_postgres(session):
        oldest = session.execute(text("SELECT min(at) FROM reading")).scalar()
        hours = 0
        if oldest is not None:
            start = datetime.fromisoformat(str(oldest)).replace(tzinfo=timezone.utc, minute=0, second=0,
                                                                microsecond=0)
            hours = rollup(session, start=start, end=cutoff.replace(minute=0, second=0, microsecond=0))
        deleted = session.execute(text("DELETE FROM reading WHERE at < :cutoff"),
                                  {"cutoff": _sqlite_time(cutoff.replace(minute=0, second=0, microsecond=0))}).rowcount
        return Retention(cutoff, [], deleted, hours)
    dropped, hours = [], 0
    for name in partitions(session):
        first = date(int(name[-6:-2]), int(name[-2:]), 1)
        end = datetime.combine(next_month(first), datetime.min.time(), timezone.utc)
        if end > cutoff:
            continue
        hours += rollup(session, start=datetime.combine(first, datetime.min.time(), timezone.utc), end=end)
        session.execute(text(f"DROP TABLE {name}"))
        dropped.append(name)
    return Retention(cutoff, dropped, 0, hours)


@dataclass(frozen=True)
class Housekeeping:
    partitions_made: list[str]
    hours_rolled_up: int
    retention: Retention


def housekeeping(session: Session, *, now: datetime | None = None) -> Housekeeping:
    """Beat's daily step (and ``flask readings housekeeping``): the coming months' partitions, the last two days'
    roll-ups (late readings included), then retention."""
    now = now or utcnow()
    made = ensure_ahead(session, now=now)
    hours = rollup(session, start=(now - timedelta(days=2)).replace(minute=0, second=0, microsecond=0), end=now)
    return Housekeeping(made, hours, apply_retention(session, now=now))
