"""The working-day calendar the blood levels count on, over ``/api/v1/calendar`` (docs/blood.md, "Working days"):
anyone reads a year; administrators rule on single days and load a year the installed library does not know."""
from __future__ import annotations

import datetime as dt

from flask import request
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, Field, StrictBool, StrictInt

from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.schemas import BODY, Out, StrictBody, errors
from inventory.api.spec import spec
from inventory.core.errors import Invalid, NotFound
from inventory.db import get_session
from inventory.services.blood import calendar

TAGS = ["calendar"]


class CalendarRulingIn(StrictBody):
    day: dt.date
    working: StrictBool
    note: str = Field(default="", max_length=255)


class CalendarRulingOut(Out):
    day: dt.date
    working: bool
    note: str


class CalendarYearIn(StrictBody):
    year: StrictInt = Field(ge=2000, le=2099)
    holidays: list[dt.date] = Field(default=[], max_length=366, description="days off that would be working")
    workdays: list[dt.date] = Field(default=[], max_length=366, description="adjusted working weekends (调休)")
    source: str = Field(default="", max_length=255, description="the State Council notice")


class CalendarYearOut(BaseModel):
    year: int
    source: str = Field(description="library, loaded (by an administrator) or weekdays (Monday–Friday, a guess)")
    known: bool
    loaded_source: str
    rulings: list[CalendarRulingOut]


def _year_out(year: int) -> CalendarYearOut:
    view = calendar.year_view(get_session(), year)
    return CalendarYearOut(year=view.year, source=view.source, known=view.known, loaded_source=view.loaded_source,
                           rulings=[CalendarRulingOut.model_validate(r) for r in view.rulings])


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Invalid.field("day", _l("a day as YYYY-MM-DD")) from None


@bp.get("/calendar/<int:year>")
@spec.validate(resp=errors(404, 422, HTTP_200=CalendarYearOut), tags=TAGS)
def calendar_year(year: int):
    """Whether the year's working days are known (the library's, or loaded) and the administrator's rulings;
    a year that is not a whole number names no calendar (404)."""
    return _year_out(year)


@bp.post("/calendar/days")
@spec.validate(json=CalendarRulingIn, resp=errors(*BODY, 403, HTTP_200=CalendarRulingOut), tags=TAGS)
def rule_calendar_day():
    """Rule on one day, working or not, over the library (administrators); replaces an earlier ruling."""
    body, session = request.context.json, get_session()
    row = calendar.set_day(session=session, actor=current_user(), day=body.day, working=body.working, note=body.note)
    session.commit()
    return CalendarRulingOut.model_validate(row)


@bp.delete("/calendar/days/<day>")
@spec.validate(resp=errors(403, 404, 422, HTTP_204=None), tags=TAGS)
def clear_calendar_day(day: str):
    """Remove the ruling on a day (administrators): the library's answer applies again; 404 when there is none."""
    session = get_session()
    if not calendar.clear_day(session=session, actor=current_user(), day=_day(day)):
        raise NotFound(_l("no ruling on this day"))
    session.commit()
    return "", 204


@bp.post("/calendar/years")
@spec.validate(json=CalendarYearIn, resp=errors(*BODY, 403, HTTP_201=CalendarYearOut), tags=TAGS)
def load_calendar_year():
    """Load a year the installed library does not know (administrators): its holidays and adjusted working
    weekends; every other day follows Monday to Friday. A year already loaded is a 422: change single days."""
    body, session = request.context.json, get_session()
    calendar.load_year(session=session, actor=current_user(), year=body.year, holidays=body.holidays,
                       workdays=body.workdays, source=body.source)
    session.commit()
    return _year_out(body.year), 201
