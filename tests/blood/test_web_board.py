"""The blood board (docs/blood.md "Board", issue 11 deliverable 10): days of supply per group and in total
against the 3.00-day line (blood-supply plan §一(五)), the level and its colour, the streaks and when they reach
Level IV, sixty days of on hand and days of supply, the open reporting clocks and the calendar warning; who sees
it; the home page's "what to do"."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlmodel import select

from inventory.core.clock import business_today
from inventory.models import BloodReport
from inventory.services.accounts import directory
from inventory.services.blood import calendar
from tests.blood.helpers import station, status_of
from tests.blood.web import cell, emergency, text
from tests.helpers import user_named

READERS = ["blood", "health", "admin", "coordinator", "gov", "viewer"]
OTHERS = ["clerk", "manager", "officer", "approver", "inspector"]


@pytest.mark.parametrize("username", READERS)
def test_the_board_shows_each_reader_the_demo_figures(app, db, login_as, username):
    """§一(五): low is 3.00 days or less; the demo's group AB is low on its last four working days."""
    with app.app_context():
        found = status_of(db, business_today())
    page = text(login_as(username).get("/blood/"))
    for group in (*found.groups, found.total):
        shown = cell(page, f'<tr data-target="{group.group}"', "days-of-supply")
        assert shown == f"{group.supply.days_of_supply:.2f}", group.group
    ab = next(g for g in found.groups if g.group == "AB")
    assert ab.supply.low and ab.low_streak_working_days == 4
    assert 'data-target="AB" data-days="%.2f" data-low="true"' % ab.supply.days_of_supply in page
    assert 'data-streak="AB" data-days="4"' in page
    assert page.count('class="low-line"') == 5  # three components, Rh-negative and the 60-day chart
    assert int(re.search(r'data-points="(\d+)"', page).group(1)) == len(
        [d for d in db.exec(select(BloodReport.report_date)) if d > business_today() - timedelta(days=60)])
    assert 'id="level-in-force"' in page and 'data-level="none"' in page


def test_the_streak_says_when_level_iv_starts(app, db, login_as):
    """§一(五): Level IV on the fifth consecutive low working day; the board names that day."""
    client = login_as("health")
    client.get("/lang/en")
    page = text(client.get("/blood/"))
    with app.app_context():
        based_on = status_of(db, business_today()).based_on
        is_working = calendar.working_days(db, based_on, based_on + timedelta(days=10))
    next_working = next(based_on + timedelta(days=n) for n in range(1, 10) if is_working(based_on + timedelta(days=n)))
    assert (f"low for 4 working days: Level IV (general) on the next working day ({next_working.isoformat()}) "
            "if it stays low") in page


def test_the_level_in_force_and_open_clocks_are_shown(db, login_as):
    """§三(二): a confirmed level is in force; §三(三)2: a Level III clock runs until the report is recorded."""
    emergency(db, "III", status="confirmed", basis=business_today())
    page = text(login_as("blood").get("/blood/"))
    assert 'data-level="III"' in page[page.index('id="level-in-force"'):][:600]
    clocks = page[page.index('id="board-clocks"'):]
    assert clocks.count('data-overdue="false"') == 2  # to the city and to the province


@pytest.mark.parametrize("username", OTHERS)
def test_other_roles_are_refused(login_as, username):
    client = login_as(username)
    for path in ("/blood/", "/blood/reports/", "/blood/emergencies/"):
        assert client.get(path).status_code == 403, path


def test_a_day_outside_the_calendar_is_a_404(login_as):
    client = login_as("health")
    for day in ("0001-01-01", "2100-01-01", "yesterday"):
        assert client.get(f"/blood/?as_of={day}").status_code == 404


def test_another_stations_board_is_a_404_to_the_station(db, login_as):
    other = directory.create_org(session=db, code="BLOOD-2", kind="blood_station", name="另一血站",
                                    district_code="sanhe", domain=None)
    db.commit()
    assert login_as("blood").get("/blood/?station=BLOOD-2").status_code == 404
    assert login_as("health").get(f"/blood/?station={other.code}").status_code == 200


def test_the_calendar_warning_follows_the_years_the_library_knows(app, db, login_as):
    """The board warns when the current or next year's working days are a Monday-to-Friday guess (issue 11 §3)."""
    client = login_as("admin")
    client.get("/lang/en")
    assert 'id="calendar-warning"' not in text(client.get("/blood/?as_of=2025-06-01"))
    unknown = next(year for year in range(2026, 2100) if not calendar.library_knows(year))
    page = text(client.get(f"/blood/?as_of={unknown - 1}-12-31"))
    assert 'id="calendar-warning"' in page and str(unknown) in page
    with app.app_context():
        calendar.load_year(session=db, actor=user_named(db, "admin"), year=unknown,
                           holidays=[date(unknown, 1, 1)], workdays=[], source="国务院办公厅通知")
        db.commit()
    assert 'id="calendar-warning"' not in text(client.get(f"/blood/?as_of={unknown - 1}-12-31"))


def test_the_station_is_told_which_report_is_due(db, login_as):
    """§六(九): no late or missing report; the home page and the inbox say which day to file next."""
    client = login_as("blood")
    today = business_today()
    filed = {d for d in db.exec(select(BloodReport.report_date).where(BloodReport.station_id == station(db).id))}
    due = today - timedelta(days=1) if today - timedelta(days=1) not in filed else today
    for path in ("/", "/inbox/"):
        page = text(client.get(path))
        assert f'id="blood-report-due" data-day="{due.isoformat()}"' in page, path
    assert 'id="blood-todo"' not in text(login_as("clerk").get("/"))


def test_the_health_officer_is_told_of_proposals(db, login_as):
    emergency(db, "IV")
    page = text(login_as("health").get("/"))
    assert 'id="blood-proposals"' in page
