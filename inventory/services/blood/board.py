"""What the blood board and the home page show (docs/blood.md, "Board"): the status of the day, how far each
streak is from the next level, sixty days of on hand and days of supply, the reporting clocks still open, the
levels awaiting confirmation and what the signed-in user has to do."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlmodel import Session, select

from inventory import scope
from inventory.core import settings
from inventory.core.clock import BUSINESS_TZ
from inventory.core.vocab import BloodGroup, EmergencyLevel, EmergencyStatus, Rh
from inventory.models import BloodEmergency, BloodReport, Organisation, User
from inventory.services.blood import calendar, clocks, supply
from inventory.services.blood.scans import missing_days

CHART_DAYS = 60


@dataclass(frozen=True)
class Outlook:
    """A streak and the level it reaches if it goes on: ``to_go`` more days, the level starting on ``starts_on``."""

    target: str
    streak: int
    next_level: EmergencyLevel | None
    to_go: int
    starts_on: date | None


@dataclass(frozen=True)
class Point:
    day: date
    on_hand: Decimal
    days_of_supply: Decimal | None


@dataclass(frozen=True)
class OpenClock:
    emergency: BloodEmergency
    clock: clocks.Clock
    overdue: bool


@dataclass(frozen=True)
class Board:
    station: Organisation
    status: supply.Status
    outlooks: list[Outlook]
    deficit: Outlook
    series: list[Point]
    clocks: list[OpenClock]
    proposals: list[BloodEmergency]


def _next_level(streak: int) -> tuple[EmergencyLevel | None, int]:
    for level, days in reversed(supply.LEVEL_DAYS):
        if streak < days:
            return level, days - streak
    return None, 0


def _nth_day_after(day: date, n: int, counts) -> date:
    found = 0
    while found < n:
        day += timedelta(days=1)
        found += counts(day)
    return day


def outlooks(session: Session, found: supply.Status) -> tuple[list[Outlook], Outlook]:
    """Per ABO group and the total (working days), and the collection deficit (calendar days)."""
    based_on = found.based_on
    is_working = calendar.working_days(session, based_on, based_on + timedelta(days=30)) if based_on else None

    def outlook(target: str, streak: int, counts) -> Outlook:
        level, to_go = _next_level(streak)
        starts = _nth_day_after(based_on, to_go, counts) if streak and level and based_on else None
        return Outlook(target, streak, level, to_go, starts)

    per_target = [outlook(g.group, g.low_streak_working_days, is_working) for g in (*found.groups, found.total)]
    return per_target, outlook("deficit", found.collection_deficit_streak_days, lambda day: True)


def series(session: Session, station_id: int, end: date, days: int = CHART_DAYS) -> list[Point]:
    """Red cells of all groups on each reported day of the ``days`` ending on ``end``: on hand and days of supply."""
    window = settings.blood_supply_window_days()
    history = supply.History(session, station_id, end - timedelta(days=days + window), end, window)
    first = end - timedelta(days=days - 1)
    points = []
    for day in history.reported:
        if day >= first:
            figures = history.supply(day, BloodGroup.values(), Rh.values(), supply.LEVEL_COMPONENT)
            points.append(Point(day, figures.on_hand, figures.days_of_supply))
    return points


def open_clocks(session: Session, station_id: int, now: datetime) -> list[OpenClock]:
    """The reporting clocks (§三(三)2) of the station's levels not terminated that no report has met yet."""
    found = []
    for emergency in session.exec(select(BloodEmergency).where(
            BloodEmergency.station_id == station_id, BloodEmergency.ended_at.is_(None),
            BloodEmergency.level.in_([str(level) for level in clocks.LIMITS])).order_by(BloodEmergency.id)):
        found += [OpenClock(emergency, clock, clock.overdue(now)) for clock in clocks.clocks(session, emergency)
                  if clock.notice is None]
    return found


def proposals(session: Session, user: User, station_id: int | None = None) -> list[BloodEmergency]:
    """Computed levels awaiting the health commission's confirmation, that the user may see."""
    query = scope.blood.emergencies_query(session, user).where(
        BloodEmergency.status == EmergencyStatus.proposed, BloodEmergency.ended_at.is_(None))
    if station_id is not None:
        query = query.where(BloodEmergency.station_id == station_id)
    return list(session.exec(query.order_by(BloodEmergency.id)))


def board(*, session: Session, user: User, as_of: date, now: datetime, station_code: str | None = None) -> Board:
    scope.require(user, "view", "blood")
    station = scope.blood.visible_station(session, user, station_code)
    found = supply.status(session=session, station_id=station.id, as_of=as_of)
    per_target, deficit = outlooks(session, found)
    return Board(station, found, per_target, deficit, series(session, station.id, as_of),
                 open_clocks(session, station.id, now), proposals(session, user, station.id))


@dataclass(frozen=True)
class Todo:
    """What the home page asks of a blood-station officer or a health officer."""

    #: the station's report the officer files next: yesterday's until it is filed, then today's
    report_day: date | None = None
    report_due_at: datetime | None = None
    report_overdue: bool = False
    missing: tuple[date, ...] = ()
    proposals: int = 0
    open_clocks: int = 0
    overdue_clocks: int = 0

    @property
    def anything(self) -> bool:
        return bool(self.report_day or self.missing or self.proposals or self.open_clocks)


def due_at(day: date) -> datetime:
    """When the report of ``day`` is due: ``BLOOD_REPORT_DUE_HOUR`` of the next day, Asia/Shanghai (§六(九))."""
    return datetime.combine(day + timedelta(days=1), time(settings.blood_report_due_hour()), BUSINESS_TZ)


def todo(*, session: Session, user: User, today: date, now: datetime) -> Todo | None:
    """None for a user with no blood tasks."""
    if scope.can(user, "file", "blood_report") and scope.blood.blood_reach(session, user) == "station":
        station_id = user.org_id
        filed = set(session.exec(select(BloodReport.report_date).where(
            BloodReport.station_id == station_id, BloodReport.report_date >= today - timedelta(days=1))))
        day = next((d for d in (today - timedelta(days=1), today) if d not in filed), None)
        missing = tuple(d for d in missing_days(session, station_id, today, now) if d != day)
        return Todo(report_day=day, report_due_at=due_at(day) if day else None,
                    report_overdue=bool(day and due_at(day) <= now), missing=missing)
    if scope.can(user, "confirm", "blood_level"):
        waiting = proposals(session, user)
        unmet = [c for station in session.exec(scope.blood.stations_query(session, user))
                 for c in open_clocks(session, station.id, now)]
        return Todo(proposals=len(waiting), open_clocks=len(unmet), overdue_clocks=sum(c.overdue for c in unmet))
    return None
