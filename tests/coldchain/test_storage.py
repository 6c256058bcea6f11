"""Readings at city scale (docs/coldchain.md, storage): monthly partitions on PostgreSQL, hourly roll-ups, and
retention that drops whole months (deletes rows on SQLite) without touching the roll-ups."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from inventory.core.clock import utcnow
from inventory.models import Reading, ReadingHourly
from inventory.services.coldchain import ingest, storage
from tests.coldchain.helpers import sensor
from tests.helpers import IS_POSTGRES


def _months_back(count: int) -> datetime:
    first = storage.month_start(utcnow())
    for _ in range(count):
        first = storage.month_start(datetime(first.year, first.month, 1) - timedelta(days=1))
    return datetime(first.year, first.month, 1, tzinfo=timezone.utc)


def _count(db, model) -> int:
    return db.execute(select(func.count()).select_from(model)).scalar_one()


def test_three_months_land_in_three_partitions_and_retention_drops_the_oldest(ctx, db):
    probe = sensor(db)
    starts = [_months_back(n) + timedelta(days=2) for n in (2, 1, 0)]
    rows = [(probe.id, start + timedelta(minutes=10 * i), Decimal(str(2 + i % 3)), Decimal("60"), None, None)
            for start in starts for i in range(12)]                      # two hours of readings in each month
    assert ingest.store(db, rows) == 36
    db.commit()
    if IS_POSTGRES:
        names = [storage.partition_name(storage.month_start(start)) for start in starts]
        assert set(names) <= set(storage.partitions(db))
        assert [db.execute(text(f"SELECT count(*) FROM {name}")).scalar_one() for name in names] == [12, 12, 12]
    assert storage.rollup(db, start=starts[0] - timedelta(days=1), end=utcnow()) == 6
    db.commit()
    hourly = db.execute(select(ReadingHourly).order_by(ReadingHourly.hour)).scalars().all()
    assert [h.readings for h in hourly] == [6] * 6
    assert (hourly[0].celsius_min, hourly[0].celsius_max, hourly[0].celsius_mean) == (2, 4, Decimal("3.000"))
    # keep everything younger than the start of last month: the month before goes, whole
    days = (utcnow() - _months_back(1)).days
    result = storage.apply_retention(db, days=days)
    db.commit()
    assert _count(db, Reading) == 24
    assert _count(db, ReadingHourly) == 6                               # the roll-ups stay
    if IS_POSTGRES:
        assert result.dropped == [names[0]] and names[0] not in storage.partitions(db)
    else:
        assert result.deleted == 12
    assert db.execute(select(func.min(Reading.at))).scalar_one() >= _months_back(1)


@pytest.mark.skipif(not IS_POSTGRES, reason="partitions are PostgreSQL's")
def test_partitions_are_made_ahead(ctx, db):
    made = storage.ensure_ahead(db, months_ahead=4)
    db.commit()
    first = storage.month_start(utcnow())
    wanted = []
    for _ in range(5):
        wanted.append(storage.partition_name(first))
        first = storage.next_month(first)
    assert set(wanted) <= set(storage.partitions(db))
    assert storage.ensure_ahead(db, months_ahead=4) == []
    for name in made:                                                    # leave the schema as the migration made it
        db.execute(text(f"DROP TABLE {name}"))
    db.commit()
