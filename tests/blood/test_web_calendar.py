"""The administrators' working-day calendar page (docs/blood.md "Working days", issue 11 deliverable 3): rulings on
single days with a note, loading a year the calendar library does not know (holidays and 调休 working days), the
warning while the current or next year is unknown; bad input writes nothing; only administrators."""
from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from inventory.models import CalendarDay, CalendarYear
from inventory.services.blood import calendar
from tests.blood.web import text
from tests.helpers import count_rows


def _unknown_year() -> int:
    return next(year for year in range(2026, 2100) if not calendar.library_knows(year))


def test_an_administrator_rules_on_a_day_and_removes_the_ruling(app, db, login_as):
    """调休: 2025-09-28 (a Sunday) is a working day by the library; a ruling overrides it."""
    client = login_as("admin")
    done = client.post("/admin/calendar/days", data={"day": "2025-09-28", "working": "0", "note": "停电检修"})
    assert done.status_code == 302
    ruling = db.exec(select(CalendarDay)).one()
    assert (ruling.day, ruling.working, ruling.note) == (date(2025, 9, 28), False, "停电检修")
    with app.app_context():
        assert not calendar.is_working_day(db, date(2025, 9, 28))
    page = text(client.get("/admin/calendar/?year=2025"))
    assert 'data-day="2025-09-28" data-working="false"' in page and 'data-source="library"' in page
    assert client.post("/admin/calendar/days/clear", data={"day": "2025-09-28"}).status_code == 302
    assert count_rows(db, CalendarDay) == 0
    with app.app_context():
        assert calendar.is_working_day(db, date(2025, 9, 28))


def test_an_administrator_loads_an_unknown_year(app, db, login_as):
    year = _unknown_year()
    client = login_as("admin")
    page = text(client.get(f"/admin/calendar/?year={year}"))
    assert 'data-source="weekdays"' in page
    done = client.post("/admin/calendar/years", data={
        "year": str(year), "holidays": f"{year}-01-01, {year}-10-01\n{year}-10-02",
        "workdays": f"{year}-09-26", "source": "国办发明电〔2026〕1号"})
    assert done.status_code == 302, text(done)
    assert db.exec(select(CalendarYear.year)).one() == year
    assert {(r.day, r.working) for r in db.exec(select(CalendarDay))} == {
        (date(year, 1, 1), False), (date(year, 10, 1), False), (date(year, 10, 2), False),
        (date(year, 9, 26), True)}
    assert 'data-source="loaded"' in text(client.get(f"/admin/calendar/?year={year}"))


@pytest.mark.parametrize("holidays, workdays", [
    ("2025-13-01", ""),                 # not a day
    ("{next}-01-01", ""),               # a day of another year
    ("{year}-05-01", "{year}-05-01"),   # both a holiday and a working day
])
def test_a_bad_year_writes_nothing(db, login_as, holidays, workdays):
    year = _unknown_year()
    bad = login_as("admin").post("/admin/calendar/years", data={
        "year": str(year), "holidays": holidays.format(year=year, next=year + 1),
        "workdays": workdays.format(year=year)})
    assert bad.status_code == 422
    assert (count_rows(db, CalendarYear), count_rows(db, CalendarDay)) == (0, 0)


def test_the_page_warns_while_the_next_year_is_unknown(login_as):
    assert 'id="calendar-warning"' in text(login_as("admin").get("/admin/calendar/"))


@pytest.mark.parametrize("username", ["health", "blood", "clerk", "gov"])
def test_only_administrators_manage_the_calendar(db, login_as, username):
    client = login_as(username)
    assert client.get("/admin/calendar/").status_code == 403
    assert client.post("/admin/calendar/days", data={"day": "2025-09-28", "working": "0"}).status_code == 403
    assert count_rows(db, CalendarDay) == 0
