"""Series of daily reports for the blood tests, written straight into the tables (the level rules read only
the stored reports), and the status of a day."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import insert
from sqlmodel import Session, select

from inventory.core.clock import utcnow
from inventory.core.vocab import BloodGroup
from inventory.models import BloodReport, BloodReportLine, Organisation, User
from inventory.services.blood import supply

#: red cells issued per group per day: with on hand 50 a group has 5.00 days of supply
USE = Decimal(10)
NORMAL = Decimal(50)


def station(db: Session) -> Organisation:
    return db.exec(select(Organisation).where(Organisation.code == "BLOOD")).one()


def day_lines(on_hand: dict[str, Decimal] | None = None, collected: Decimal = USE, issued: Decimal = USE,
              neg_on_hand: Decimal = Decimal(0)) -> list[dict]:
    """Red cells of every group (Rh-positive) with ``on_hand`` (default 50 each), plus small Rh-negative and
    platelet lines that never decide anything."""
    on_hand = on_hand or {}
    lines = []
    for group in BloodGroup.values():
        lines.append({"abo_group": group, "rh": "pos", "component": "red_cells",
                      "on_hand": on_hand.get(group, NORMAL), "collected": collected, "issued": issued})
        lines.append({"abo_group": group, "rh": "neg", "component": "red_cells",
                      "on_hand": neg_on_hand, "collected": Decimal(0), "issued": Decimal(0)})
        lines.append({"abo_group": group, "rh": "pos", "component": "platelets",
                      "on_hand": Decimal(2), "collected": Decimal(3), "issued": Decimal(3)})
    return lines


def write_series(db: Session, start: date, end: date, lines_for: Callable[[date], list[dict] | None]) -> None:
    """A report for every day from ``start`` to ``end`` whose ``lines_for`` is not None (None: not filed)."""
    org = station(db)
    officer = db.exec(select(User).where(User.username == "blood")).one()
    day, reports, lines = start, [], {}
    while day <= end:
        found = lines_for(day)
        if found is not None:
            reports.append({"station_id": org.id, "report_date": day, "filed_by": officer.id, "revision": 1,
                            "note": "", "filed_at": utcnow()})
            lines[day] = found
        day += timedelta(days=1)
    db.execute(insert(BloodReport), reports)
    ids = dict(db.exec(select(BloodReport.report_date, BloodReport.id).where(
        BloodReport.station_id == org.id, BloodReport.report_date >= start, BloodReport.report_date <= end)).all())
    db.execute(insert(BloodReportLine), [{"report_id": ids[day], **line} for day, rows in lines.items()
                                         for line in rows])
    db.commit()


def status_of(db: Session, day: date) -> supply.Status:
    return supply.status(session=db, station_id=station(db).id, as_of=day)


def first_day_at(db: Session, days: Iterable[date], level: str) -> date | None:
    """The first of ``days`` whose computed level is ``level`` or higher."""
    rank = {"IV": 1, "III": 2, "II": 3, "I": 4}[level]
    for day in days:
        found = status_of(db, day).computed_level
        if found is not None and found.rank >= rank:
            return day
    return None


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]
