"""The working-day calendar page for administrators (docs/blood.md, "Working days"): what the calendar knows of a
year, the rulings on single days (working or not, with a note), and loading a year the calendar library does not
know (its holidays and adjusted working weekends, 调休). Rules: services/blood/calendar.py."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from inventory import scope
from inventory.core import clock
from inventory.core.errors import DomainError
from inventory.db import get_session
from inventory.services.blood import calendar
from inventory.web.blood.forms import CalendarClearForm, CalendarDayForm, CalendarYearForm, parse_days
from inventory.web.service_errors import show_refusal

bp = Blueprint("blood_calendar", __name__, url_prefix="/admin/calendar")


def _require_admin() -> None:
    if not scope.can(current_user, "manage", "calendar"):
        abort(403)


def _year() -> int:
    text = request.args.get("year", "")
    if not text:
        return clock.business_today().year
    if not text.isdigit() or int(text) not in calendar.YEARS:
        abort(404)
    return int(text)


def _render(year: int, *, day_form=None, year_form=None, status: int = 200):
    session = get_session()
    today = clock.business_today()
    unknown = [y for y in (today.year, today.year + 1) if not calendar.year_known(session, y)]
    if year_form is None:
        year_form = CalendarYearForm(formdata=None, year=unknown[0] if unknown else year)
    return render_template("blood/calendar.html", view=calendar.year_view(session, year), year=year,
                           unknown=unknown, day_form=day_form or CalendarDayForm(formdata=None),
                           year_form=year_form, clear_form=CalendarClearForm(formdata=None)), status


@bp.get("/")
@login_required
def index():
    _require_admin()
    return _render(_year())


@bp.post("/days")
@login_required
def rule_day():
    _require_admin()
    form = CalendarDayForm()
    if form.validate_on_submit():
        session = get_session()
        try:
            calendar.set_day(session=session, actor=current_user, day=form.day.data, working=form.working.data == "1",
                             note=form.note.data or "")
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("The ruling on %(day)s is saved.", day=form.day.data.isoformat()), "success")
            return redirect(url_for(".index", year=form.day.data.year))
    return _render(form.day.data.year if form.day.data else _year(), day_form=form, status=422)


@bp.post("/days/clear")
@login_required
def clear_day():
    _require_admin()
    form = CalendarClearForm()
    if form.validate_on_submit():
        session = get_session()
        try:
            day = date.fromisoformat(form.day.data)
        except ValueError:
            abort(404)
        if calendar.clear_day(session=session, actor=current_user, day=day):
            session.commit()
            flash(_("The ruling on %(day)s is removed: the library's answer applies again.", day=day.isoformat()),
                  "success")
        return redirect(url_for(".index", year=day.year))
    abort(400)


@bp.post("/years")
@login_required
def load_year():
    _require_admin()
    form = CalendarYearForm()
    if form.validate_on_submit():
        session = get_session()
        try:
            calendar.load_year(session=session, actor=current_user, year=form.year.data,
                               holidays=parse_days(form.holidays.data or ""),
                               workdays=parse_days(form.workdays.data or ""), source=form.source.data or "")
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("%(year)s is loaded.", year=form.year.data), "success")
            return redirect(url_for(".index", year=form.year.data))
    return _render(form.year.data if form.year.data in calendar.YEARS else _year(), year_form=form, status=422)
