"""Days of supply (blood-supply emergency plan §一(五): low is 3 days or less of clinical use): on hand ÷ the mean
daily issue of the reported days of a trailing window; and the working-day calendar the levels count on."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from inventory.core.errors import Forbidden, Invalid
from inventory.models import CalendarDay, CalendarYear
from inventory.services.blood import calendar
from tests.blood.helpers import day_lines, status_of, write_series
from tests.helpers import count_rows, user_named

pytestmark = pytest.mark.usefixtures("ctx")

D = date.fromisoformat
DAY = D("2025-06-30")


def _group(found, name: str):
    return found.total if name == "total" else next(g for g in found.groups if g.group == name)


def test_the_mean_is_over_the_reported_days_of_the_thirty_day_window(db):
    # A issues 10 a day for the 30 days up to DAY, and 100 a day before: only the window counts
    write_series(db, DAY - timedelta(days=59), DAY, lambda day: day_lines(
        {"A": Decimal(45)}, issued=Decimal(10) if day > DAY - timedelta(days=30) else Decimal(100),
        collected=Decimal(100)))
    found = status_of(db, DAY)
    a = _group(found, "A")
    assert (found.window_days, found.history_days) == (30, 30)
    assert (a.supply.on_hand, a.supply.daily_use, a.supply.days_of_supply, a.supply.low) == (
        Decimal(45), Decimal("10.000"), Decimal("4.50"), False)
    total = _group(found, "total")
    assert (total.supply.on_hand, total.supply.daily_use, total.supply.days_of_supply) == (
        Decimal(195), Decimal("40.000"), Decimal("4.88"))


def test_a_shorter_history_uses_the_days_there_are(db):
    issued = {DAY - timedelta(days=2): Decimal(6), DAY - timedelta(days=1): Decimal(9), DAY: Decimal(12)}
    write_series(db, DAY - timedelta(days=2), DAY, lambda day: day_lines({"A": Decimal(27)}, issued=issued[day],
                                                                          collected=Decimal(20)))
    found = status_of(db, DAY)
    a = _group(found, "A")
    assert found.history_days == 3
    assert (a.supply.daily_use, a.supply.days_of_supply, a.supply.low) == (Decimal("9.000"), Decimal("3.00"), True)


def test_the_window_is_configurable(app, db):
    write_series(db, DAY - timedelta(days=29), DAY, lambda day: day_lines(
        {"A": Decimal(40)}, issued=Decimal(20) if day > DAY - timedelta(days=7) else Decimal(5),
        collected=Decimal(30)))
    assert _group(status_of(db, DAY), "A").supply.days_of_supply == Decimal("4.71")  # 40 ÷ (7×20 + 23×5) / 30
    app.config["BLOOD_SUPPLY_WINDOW_DAYS"] = 7
    found = status_of(db, DAY)
    assert (found.window_days, found.history_days) == (7, 7)
    assert (_group(found, "A").supply.days_of_supply, _group(found, "A").supply.low) == (Decimal("2.00"), True)


@pytest.mark.parametrize("on_hand, shown, low", [
    ("30.000", "3.00", True), ("30.049", "3.00", True), ("30.050", "3.01", False), ("29.950", "3.00", True),
    ("0", "0.00", True), ("31", "3.10", False),
])
def test_low_is_the_shown_figure_at_three_days_or_less(db, on_hand, shown, low):
    write_series(db, DAY - timedelta(days=9), DAY, lambda day: day_lines({"B": Decimal(on_hand)}))
    b = _group(status_of(db, DAY), "B")
    assert (b.supply.days_of_supply, b.supply.low) == (Decimal(shown), low)


def test_nothing_issued_means_no_figure_and_not_low(db):
    write_series(db, DAY - timedelta(days=9), DAY, lambda day: day_lines({"AB": Decimal(0)}, issued=Decimal(0)))
    ab = _group(status_of(db, DAY), "AB")
    assert (ab.supply.daily_use, ab.supply.days_of_supply, ab.supply.low) == (None, None, False)


def test_every_component_and_the_rh_negative_share_are_shown(db):
    def lines(day):
        rows = day_lines({"O": Decimal(80)}, neg_on_hand=Decimal(4))
        for row in rows:
            if row["rh"] == "neg":
                row["issued"] = row["collected"] = Decimal(2)
        return rows
    write_series(db, DAY - timedelta(days=9), DAY, lines)
    o = _group(status_of(db, DAY), "O")
    assert o.supply.on_hand == Decimal(84) and o.supply.daily_use == Decimal("12.000")  # both Rh types
    assert (o.rh_negative.on_hand, o.rh_negative.days_of_supply, o.rh_negative.low) == (
        Decimal(4), Decimal("2.00"), True)
    assert set(o.components) == {"red_cells", "platelets", "plasma"}
    platelets = o.components["platelets"]
    assert (platelets.on_hand, platelets.days_of_supply, platelets.low) == (Decimal(2), Decimal("0.67"), True)
    assert o.components["plasma"].days_of_supply is None
    assert o.low_streak_working_days == 0, "short platelets start nothing"


def test_which_years_the_calendar_knows_and_loading_one(db):
    admin = user_named(db, "admin")
    assert calendar.year_known(db, 2025) and calendar.year_known(db, 2026)
    assert not calendar.year_known(db, 2099)
    # a year the library does not know is Monday to Friday until loaded
    assert calendar.is_working_day(db, D("2099-01-01")) is True  # a Thursday
    calendar.load_year(session=db, actor=admin, year=2099, holidays=[D("2099-01-01"), D("2099-01-02")],
                       workdays=[D("2099-01-04")], source="国务院办公厅通知（测试）")
    db.commit()
    assert calendar.year_known(db, 2099)
    assert [calendar.is_working_day(db, D(d)) for d in ("2099-01-01", "2099-01-02", "2099-01-03", "2099-01-04")] \
        == [False, False, False, True]
    found = status_of(db, D("2098-12-31"))
    assert (found.calendar_known, found.calendar_unknown_years) == (False, (2098,))
    assert status_of(db, D("2099-03-01")).calendar_unknown_years == (2100,)


def test_bad_calendar_input_is_refused_and_writes_nothing(db):
    admin = user_named(db, "admin")
    with pytest.raises(Invalid) as refused:
        calendar.load_year(session=db, actor=admin, year=2099, holidays=[D("2098-12-31"), D("2099-05-01")],
                           workdays=[D("2099-05-01")])
    assert set(refused.value.fields) == {"holidays", "workdays"}
    db.rollback()
    assert (count_rows(db, CalendarYear), count_rows(db, CalendarDay)) == (0, 0)
    for username in ("health", "blood", "clerk"):
        with pytest.raises(Forbidden):
            calendar.set_day(session=db, actor=user_named(db, username), day=D("2099-05-01"), working=False)
    with pytest.raises(Invalid):
        calendar.set_day(session=db, actor=admin, day=D("1999-12-31"), working=False)
    db.rollback()
    assert count_rows(db, CalendarDay) == 0


def test_a_ruling_can_be_changed_and_cleared(db):
    admin = user_named(db, "admin")
    day = D("2025-10-08")
    assert calendar.is_working_day(db, day) is False
    calendar.set_day(session=db, actor=admin, day=day, working=True, note="补班")
    db.commit()
    assert calendar.is_working_day(db, day) is True
    calendar.set_day(session=db, actor=admin, day=day, working=False)
    db.commit()
    assert calendar.is_working_day(db, day) is False and count_rows(db, CalendarDay) == 1
    assert calendar.clear_day(session=db, actor=admin, day=day) is True
    db.commit()
    assert count_rows(db, CalendarDay) == 0 and calendar.clear_day(session=db, actor=admin, day=day) is False
