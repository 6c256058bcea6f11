"""Mainland-China working days (docs/blood.md, "Working days").

A day is working or not by, in this order: an administrator's ruling on that day (``CalendarDay``); the
``chinesecalendar`` library, which knows the State Council's holidays and adjusted working weekends (调休) of
the years it was released with; for a year it does not know, Monday to Friday, with the holidays and working
weekends of a year an administrator loaded as ``CalendarDay`` rows. ``year_known`` says whether a year's
calendar is real (library or loaded), so the board can warn when the current or next year is not.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import chinese_calendar
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from inventory import scope
from inventory.core.errors import Invalid
from inventory.models import CalendarDay, CalendarYear, User
from inventory.services.audit import trail

#: the years a ruling or a loaded year may be for
YEARS = range(2000, 2100)


def library_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def _library_working(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def year_known(session: Session, year: int) -> bool:
    """True when the installed library or an administrator's loaded year gives this year's holidays."""
    if library_knows(year):
        return True
    return session.exec(select(CalendarYear.id).where(CalendarYear.year == year)).first() is not None


@dataclass(frozen=True)
class WorkingDays:
    """Working-day answers for a span of days, with the rulings of that span read once."""

    rulings: dict[date, bool]

    def __call__(self, day: date) -> bool:
        if day in self.rulings:
            return self.rulings[day]
        return _library_working(day)


def working_days(session: Session, start: date, end: date) -> WorkingDays:
    """A ``day -> working`` function for days from ``start`` to ``end`` (other days fall back to the library)."""
    rows = session.exec(select(CalendarDay.day, CalendarDay.working)
                        .where(CalendarDay.day >= start, CalendarDay.day <= end)).all()
    return WorkingDays({day: working for day, working in rows})


def is_working_day(session: Session, day: date) -> bool:
    return working_days(session, day, day)(day)


def _check_year(day: date, field: str) -> None:
    if day.year not in YEARS:
        raise Invalid.field(field, _l("a day between %(first)s and %(last)s", first=YEARS[0], last=YEARS[-1]))


def set_day(*, session: Session, actor: User, day: date, working: bool, note: str = "") -> CalendarDay:
    """An administrator's ruling on one day (a holiday the library lacks, a day made working), replacing any
    earlier ruling on it."""
    scope.require(actor, "manage", "calendar")
    _check_year(day, "day")
    row = session.exec(select(CalendarDay).where(CalendarDay.day == day)).first()
    before = {"working": row.working, "note": row.note} if row else None
    if row is None:
        row = CalendarDay(day=day, working=working)
    row.working, row.note, row.set_by = working, note.strip()[:255], actor.id
    session.add(row)
    session.flush()
    trail.record(session, actor=actor, action="calendar.day", entity="calendar_day", entity_id=day.isoformat(),
                 org_id=actor.org_id, before=before, after={"working": working, "note": row.note})
    return row


def clear_day(*, session: Session, actor: User, day: date) -> bool:
    """Remove the ruling on ``day`` (the library's answer applies again); False when there was none."""
    scope.require(actor, "manage", "calendar")
    row = session.exec(select(CalendarDay).where(CalendarDay.day == day)).first()
    if row is None:
        return False
    trail.record(session, actor=actor, action="calendar.day", entity="calendar_day", entity_id=day.isoformat(),
                 org_id=actor.org_id, before={"working": row.working, "note": row.note}, after=None)
    session.delete(row)
    session.flush()
    return True


def load_year(*, session: Session, actor: User, year: int, holidays: Iterable[date], workdays: Iterable[date],
              source: str = "") -> CalendarYear:
    """Load a year the library does not know: its public holidays (days off that would be working) and its
    adjusted working weekends (调休). Every other day of the year follows Monday to Friday."""
    scope.require(actor, "manage", "calendar")
    holidays, workdays = sorted(set(holidays)), sorted(set(workdays))
    problems: dict[str, list] = {}
    if year not in YEARS:
        problems["year"] = [_l("a year between %(first)s and %(last)s", first=YEARS[0], last=YEARS[-1])]
    for name, days in (("holidays", holidays), ("workdays", workdays)):
        outside = [d.isoformat() for d in days if d.year != year]
        if outside:
            problems.setdefault(name, []).append(_l("not in %(year)s: %(days)s", year=year, days=", ".join(outside)))
    both = sorted(set(holidays) & set(workdays))
    if both:
        problems.setdefault("workdays", []).append(
            _l("both a holiday and a working day: %(days)s", days=", ".join(d.isoformat() for d in both)))
    if session.exec(select(CalendarYear.id).where(CalendarYear.year == year)).first() is not None:
        problems.setdefault("year", []).append(_l("%(year)s is already loaded; change single days instead",
                                                  year=year))
    if problems:
        raise Invalid(_l("the year was not loaded"), fields=problems)
    loaded = CalendarYear(year=year, source=source.strip()[:255], loaded_by=actor.id)
    session.add(loaded)
    for day in holidays:
        set_day(session=session, actor=actor, day=day, working=False, note=source)
    for day in workdays:
        set_day(session=session, actor=actor, day=day, working=True, note=source)
    session.flush()
    trail.record(session, actor=actor, action="calendar.load_year", entity="calendar_year", entity_id=year,
                 org_id=actor.org_id, after={"holidays": [d.isoformat() for d in holidays],
                                             "workdays": [d.isoformat() for d in workdays], "source": source})
    return loaded



@dataclass(frozen=True)
class YearView:
    year: int
    #: where the year's holidays come from: ``library``, ``loaded`` (an administrator's) or ``weekdays`` (a guess)
    source: str
    known: bool
    loaded_source: str
    rulings: list[CalendarDay]


def year_view(session: Session, year: int) -> YearView:
    """What the calendar knows of ``year`` and the administrator's rulings in it."""
    if year not in YEARS:
        raise Invalid.field("year", _l("a year between %(first)s and %(last)s", first=YEARS[0], last=YEARS[-1]))
    loaded = session.exec(select(CalendarYear).where(CalendarYear.year == year)).first()
    rulings = list(session.exec(select(CalendarDay).where(CalendarDay.day >= date(year, 1, 1),
                                                          CalendarDay.day <= date(year, 12, 31))
                                .order_by(CalendarDay.day)))
    source = "loaded" if loaded else "library" if library_knows(year) else "weekdays"
    return YearView(year, source, source != "weekdays", loaded.source if loaded else "", rulings)
