"""Days of supply, low stock, streaks and the computed level of any day (docs/blood.md).

- **Days of supply** of a group (or the total) and component on day D: stock on hand at the end of D ÷ the mean
  daily issue over the trailing window (``BLOOD_SUPPLY_WINDOW_DAYS``, 30 by default) ending on D. The mean is over
  the days of the window that have a report, so a shorter history (a new station, a gap) uses what there is, and
  the status says on how many days (``history_days``). With no issue at all in the window it has no value (stock
  lasts indefinitely) and is not low. It is rounded half-up to two places, and **low** is that figure ≤ 3.00
  (blood-supply plan §一(五)), so what the board shows and what the rule reads are the same number.
- **Which stock starts a level**: red cells (the plan counts blood stock; platelets keep five days and are always
  "short" by this measure). A group's figure covers both Rh types; Rh-negative stock is shown separately and
  never starts a level by itself. Platelets and plasma are shown per group but start nothing.
- **Streaks**: the total or one ABO group low on consecutive *working* days: a non-working day (weekend, holiday)
  neither breaks nor extends it, an adjusted working weekend (调休) counts. Collections below issues (red cells, all
  groups) on consecutive *calendar* days. A day without a report breaks a streak (a missing working day for the
  low-stock streak; any missing day for the collection streak): it is not known to be low, and ``report_missing``
  raises the gap. Streaks are counted back at most ``LOOKBACK_DAYS``.
- **Level**: IV when a low streak or the collection streak reaches 5, III at 7. The status of a day with no report
  of its own is that of the latest reported day before it (``based_on``).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import or_
from sqlmodel import Session, select

from inventory.core import settings
from inventory.core.clock import BUSINESS_TZ
from inventory.core.vocab import BloodComponent, BloodGroup, EmergencyLevel, EmergencyStatus, Rh
from inventory.models import BloodEmergency, BloodReport, BloodReportLine
from inventory.services.blood import calendar

LOW_DAYS = Decimal("3.00")
#: consecutive days for Level IV and Level III (§一(五))
LEVEL_DAYS = ((EmergencyLevel.III, 7), (EmergencyLevel.IV, 5))
LEVEL_COMPONENT = BloodComponent.red_cells
LOOKBACK_DAYS = 60
TOTAL = "total"
CENT = Decimal("0.01")

#: (group, rh, component) -> (on hand, collected, issued) of one day
Day = dict[tuple[str, str, str], tuple[Decimal, Decimal, Decimal]]


@dataclass(frozen=True)
class Supply:
    on_hand: Decimal
    #: mean units issued per reported day of the window; None when nothing was issued in it
    daily_use: Decimal | None
    days_of_supply: Decimal | None
    low: bool


@dataclass(frozen=True)
class GroupStatus:
    group: str
    #: the component that starts levels (red cells), both Rh types
    supply: Supply
    low_streak_working_days: int
    #: every component, both Rh types
    components: dict[str, Supply]
    #: the level component, Rh-negative only: shown, starts nothing
    rh_negative: Supply


@dataclass(frozen=True)
class Status:
    as_of: date
    station_id: int
    #: the reported day the figures are of (the latest on or before ``as_of``), None without any report
    based_on: date | None
    window_days: int
    #: reported days in the window ending at ``based_on``
    history_days: int
    groups: list[GroupStatus]
    total: GroupStatus
    collection_deficit_streak_days: int
    computed_level: EmergencyLevel | None
    #: ``low_stock`` or ``collection_deficit``: which rule gives the computed level
    computed_rule: str
    #: the first day of the streak that gives the computed level (an earlier proposal of it is another episode's)
    computed_since: date | None
    #: the level in force: the computed one or a confirmed level not yet terminated, whichever is higher
    level: EmergencyLevel | None
    emergencies: list[BloodEmergency] = field(default_factory=list)
    #: False when the calendar of ``as_of``'s year is a Monday-to-Friday guess (docs/blood.md)
    calendar_known: bool = True
    #: of ``as_of``'s year and the next, those whose calendar is a guess: the board warns of them
    calendar_unknown_years: tuple[int, ...] = ()


def _groups_of(target: str) -> tuple[str, ...]:
    return BloodGroup.values() if target == TOTAL else (target,)


def _sum(day: Day, groups: tuple[str, ...], rhs: tuple[str, ...], component: str) -> tuple[Decimal, Decimal, Decimal]:
    on_hand = collected = issued = Decimal(0)
    for group in groups:
        for rh in rhs:
            figures = day.get((group, rh, component))
            if figures:
                on_hand, collected, issued = on_hand + figures[0], collected + figures[1], issued + figures[2]
    return on_hand, collected, issued


class History:
    """The reports of one station over a span, read once, answering per day."""

    def __init__(self, session: Session, station_id: int, start: date, end: date, window: int):
        self.window = window
        self.days: dict[date, Day] = defaultdict(dict)
        rows = session.exec(
            select(BloodReport.report_date, BloodReportLine.abo_group, BloodReportLine.rh, BloodReportLine.component,
                   BloodReportLine.on_hand, BloodReportLine.collected, BloodReportLine.issued)
            .join(BloodReportLine, BloodReportLine.report_id == BloodReport.id)
            .where(BloodReport.station_id == station_id, BloodReport.report_date >= start,
                   BloodReport.report_date <= end)).all()
        for day, group, rh, component, on_hand, collected, issued in rows:
            self.days[day][(group, rh, component)] = (on_hand, collected, issued)
        # every reported day, lines or not
        self.reported = sorted(session.exec(select(BloodReport.report_date).where(
            BloodReport.station_id == station_id, BloodReport.report_date >= start,
            BloodReport.report_date <= end)).all())
        for day in self.reported:
            self.days.setdefault(day, {})

    def window_days(self, day: date) -> list[date]:
        first = day - timedelta(days=self.window - 1)
        return [d for d in self.reported if first <= d <= day]

    def supply(self, day: date, groups: tuple[str, ...], rhs: tuple[str, ...], component: str) -> Supply:
        on_hand = _sum(self.days[day], groups, rhs, component)[0]
        days = self.window_days(day)
        issued = sum((_sum(self.days[d], groups, rhs, component)[2] for d in days), Decimal(0))
        if not days or issued == 0:
            return Supply(on_hand, None, None, False)
        daily_use = issued / len(days)
        dos = (on_hand / daily_use).quantize(CENT, rounding=ROUND_HALF_UP)
        return Supply(on_hand, daily_use.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP), dos, dos <= LOW_DAYS)

    def low(self, day: date, target: str) -> bool:
        return self.supply(day, _groups_of(target), Rh.values(), LEVEL_COMPONENT).low

    def deficit(self, day: date) -> bool:
        _, collected, issued = _sum(self.days[day], BloodGroup.values(), Rh.values(), LEVEL_COMPONENT)
        return collected < issued


def _low_streak(history: History, is_working: calendar.WorkingDays, end: date, target: str) -> int:
    streak, day = 0, end
    while day > end - timedelta(days=LOOKBACK_DAYS):
        if is_working(day):
            if day not in history.days or not history.low(day, target):
                break
            streak += 1
        day -= timedelta(days=1)
    return streak


def _deficit_streak(history: History, end: date) -> int:
    streak, day = 0, end
    while day > end - timedelta(days=LOOKBACK_DAYS) and day in history.days and history.deficit(day):
        streak += 1
        day -= timedelta(days=1)
    return streak


def _working_streak_start(is_working: calendar.WorkingDays, end: date, streak: int) -> date:
    """The earliest of the ``streak`` working days counted back from ``end``."""
    day, found = end, 0
    while True:
        if is_working(day):
            found += 1
            if found == streak:
                return day
        day -= timedelta(days=1)


def level_for(streak: int) -> EmergencyLevel | None:
    for level, days in LEVEL_DAYS:
        if streak >= days:
            return level
    return None


def _higher(*levels: EmergencyLevel | None) -> EmergencyLevel | None:
    present = [level for level in levels if level is not None]
    return max(present, key=lambda level: level.rank) if present else None


def end_of_day(day: date) -> datetime:
    """The first instant after ``day`` in Asia/Shanghai, in UTC (SQLite compares stored UTC text)."""
    return datetime.combine(day + timedelta(days=1), time(), BUSINESS_TZ).astimezone(timezone.utc)


def in_force(session: Session, station_id: int, as_of: date) -> list[BloodEmergency]:
    """Confirmed levels of the station on ``as_of``: confirmed by the end of that day and not terminated then."""
    end = end_of_day(as_of)
    return list(session.exec(select(BloodEmergency).where(
        BloodEmergency.station_id == station_id, BloodEmergency.status == EmergencyStatus.confirmed,
        BloodEmergency.basis_date <= as_of, BloodEmergency.confirmed_at < end,
        or_(BloodEmergency.ended_at.is_(None), BloodEmergency.ended_at >= end)).order_by(BloodEmergency.id)))


def status(*, session: Session, station_id: int, as_of: date) -> Status:
    """The status of the station on ``as_of`` (any day; a day before its first report has no figures)."""
    window = settings.blood_supply_window_days()
    start = as_of - timedelta(days=LOOKBACK_DAYS + window)
    based_on = session.exec(select(BloodReport.report_date).where(
        BloodReport.station_id == station_id, BloodReport.report_date <= as_of, BloodReport.report_date >= start)
        .order_by(BloodReport.report_date.desc())).first()
    history = History(session, station_id, start, as_of, window)
    is_working = calendar.working_days(session, start, as_of)
    emergencies = in_force(session, station_id, as_of)

    def group_status(target: str) -> GroupStatus:
        groups = _groups_of(target)
        if based_on is None:
            empty = Supply(Decimal(0), None, None, False)
            return GroupStatus(target, empty, 0, {c: empty for c in BloodComponent.values()}, empty)
        return GroupStatus(
            target, history.supply(based_on, groups, Rh.values(), LEVEL_COMPONENT),
            _low_streak(history, is_working, based_on, target),
            {c: history.supply(based_on, groups, Rh.values(), c) for c in BloodComponent.values()},
            history.supply(based_on, groups, (Rh.neg.value,), LEVEL_COMPONENT))

    groups = [group_status(group) for group in BloodGroup.values()]
    total = group_status(TOTAL)
    deficit = _deficit_streak(history, based_on) if based_on else 0
    longest = max(g.low_streak_working_days for g in (*groups, total))
    low_level, deficit_level = level_for(longest), level_for(deficit)
    computed = _higher(low_level, deficit_level)
    rule = "" if computed is None else "low_stock" if low_level == computed else "collection_deficit"
    starts = []
    if computed is not None and low_level == computed:
        starts.append(_working_streak_start(is_working, based_on, longest))
    if computed is not None and deficit_level == computed:
        starts.append(based_on - timedelta(days=deficit - 1))
    level = _higher(computed, *(EmergencyLevel(e.level) for e in emergencies))
    return Status(as_of=as_of, station_id=station_id, based_on=based_on, window_days=window,
                  history_days=len(history.window_days(based_on)) if based_on else 0, groups=groups, total=total,
                  collection_deficit_streak_days=deficit, computed_level=computed, computed_rule=rule,
                  computed_since=min(starts) if starts else None, level=level,
                  emergencies=emergencies, calendar_known=calendar.year_known(session, as_of.year),
                  calendar_unknown_years=tuple(year for year in (as_of.year, as_of.year + 1)
                                               if not calendar.year_known(session, year)))
