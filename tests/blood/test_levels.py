"""Automatic levels (blood-supply emergency plan §一(五)): Level IV when the total or one ABO group is low (≤ 3
days of supply) on 5 consecutive working days, or collections are below issues on 5 consecutive days; Level III
for 7. Non-working days neither break nor extend a working-day streak; adjusted working weekends (调休) count.

The expected days are worked out by hand from the State Council's 2025 calendar: National Day and Mid-Autumn
1–8 October off, Sunday 28 September and Saturday 11 October working; Labour Day 1–5 May off, Sunday 27 April
working."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from inventory.core.vocab import BloodGroup
from inventory.services.blood import calendar
from tests.blood.helpers import NORMAL, day_lines, days, first_day_at, status_of, write_series
from tests.helpers import user_named

pytestmark = pytest.mark.usefixtures("ctx")

HISTORY_FROM = date(2025, 8, 1)
D = date.fromisoformat


def _single_group_low(low_from: date, group: str = "A", skip: frozenset[date] = frozenset()):
    def lines(day: date):
        if day in skip:
            return None
        return day_lines({group: Decimal(30)} if day >= low_from else {})  # 30 U at 10 U a day: 3.00 days, low
    return lines


def _total_low(low_from: date, skip: frozenset[date] = frozenset()):
    """From ``low_from`` the total is at 2.98 days while the low group changes every day: no group stays low."""
    def lines(day: date):
        if day in skip:
            return None
        if day < low_from:
            return day_lines()
        lowest = BloodGroup.values()[day.toordinal() % 4]
        return day_lines({g: Decimal(20) if g == lowest else Decimal(33) for g in BloodGroup.values()})
    return lines


def _deficit(from_day: date, skip: frozenset[date] = frozenset()):
    """From ``from_day`` 9 U of red cells are collected per group while 10 are issued; stock stays at 5 days."""
    def lines(day: date):
        if day in skip:
            return None
        return day_lines(collected=Decimal(9) if day >= from_day else Decimal(10))
    return lines


CASES = [
    # id, series, low from, expected first day of IV, of III
    ("group A across National Day and its working Sunday", _single_group_low(D("2025-09-24")),
     D("2025-09-24"), D("2025-09-29"), D("2025-10-09")),
    ("group AB across the working Saturday after National Day", _single_group_low(D("2025-10-09"), "AB"),
     D("2025-10-09"), D("2025-10-14"), D("2025-10-16")),
    ("group O across Labour Day and its working Sunday", _single_group_low(D("2025-04-25"), "O"),
     D("2025-04-25"), D("2025-04-30"), D("2025-05-07")),
    ("group B across an ordinary weekend", _single_group_low(D("2025-11-05"), "B"),
     D("2025-11-05"), D("2025-11-11"), D("2025-11-13")),
    ("the total, no group low twice running, across National Day", _total_low(D("2025-09-24")),
     D("2025-09-24"), D("2025-09-29"), D("2025-10-09")),
    ("a holiday without a report neither breaks nor extends", _single_group_low(
        D("2025-09-24"), skip=frozenset({D("2025-10-03"), D("2025-10-04")})),
     D("2025-09-24"), D("2025-09-29"), D("2025-10-09")),
    ("a working day without a report breaks the streak", _single_group_low(
        D("2025-09-24"), skip=frozenset({D("2025-09-26")})),
     D("2025-09-24"), D("2025-10-10"), D("2025-10-13")),
    ("collections below issues counts calendar days, through the holiday", _deficit(D("2025-09-27")),
     D("2025-09-27"), D("2025-10-01"), D("2025-10-03")),
    ("a day without a report breaks the collection streak", _deficit(D("2025-09-27"),
                                                                   skip=frozenset({D("2025-09-30")})),
     D("2025-09-27"), D("2025-10-05"), D("2025-10-07")),
]


@pytest.mark.parametrize("series, low_from, level_iv, level_iii", [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_the_exact_days_levels_iv_and_iii_start(db, series, low_from, level_iv, level_iii):
    write_series(db, low_from - timedelta(days=45), D("2025-11-30"), series)
    span = days(low_from, D("2025-11-30"))
    assert first_day_at(db, span, "IV") == level_iv
    assert first_day_at(db, span, "III") == level_iii
    assert status_of(db, level_iv).computed_level == "IV"
    assert status_of(db, level_iii).computed_level == "III"


def test_the_streak_counters_across_national_day(db):
    write_series(db, HISTORY_FROM, D("2025-10-20"), _single_group_low(D("2025-09-24")))
    streaks = {day: next(g for g in status_of(db, day).groups if g.group == "A").low_streak_working_days
               for day in days(D("2025-09-23"), D("2025-10-10"))}
    assert [streaks[D(d)] for d in ("2025-09-23", "2025-09-24", "2025-09-26", "2025-09-27", "2025-09-28",
                                    "2025-09-29", "2025-09-30", "2025-10-01", "2025-10-08", "2025-10-09",
                                    "2025-10-10")] == [0, 1, 3, 3, 4, 5, 6, 6, 6, 7, 8]
    on_holiday = status_of(db, D("2025-10-05"))
    assert (on_holiday.computed_level, on_holiday.computed_rule) == ("IV", "low_stock")
    assert on_holiday.total.low_streak_working_days == 0, "A at 3 days and the rest at 5 is not a low total"


def test_the_total_rule_starts_a_level_when_no_group_does(db):
    write_series(db, HISTORY_FROM, D("2025-10-20"), _total_low(D("2025-09-24")))
    found = status_of(db, D("2025-10-09"))
    assert found.total.low_streak_working_days == 7 and found.total.supply.days_of_supply == Decimal("2.98")
    assert max(g.low_streak_working_days for g in found.groups) < 5
    assert found.computed_level == "III"


def test_collection_deficit_reports_its_calendar_streak_and_rule(db):
    write_series(db, HISTORY_FROM, D("2025-10-20"), _deficit(D("2025-09-27")))
    found = status_of(db, D("2025-10-01"))
    assert (found.collection_deficit_streak_days, found.computed_level, found.computed_rule) == (
        5, "IV", "collection_deficit")
    assert all(not g.supply.low for g in (*found.groups, found.total))
    assert status_of(db, D("2025-09-30")).computed_level is None


def test_rh_negative_stock_alone_never_starts_a_level(db):
    def lines(day: date):
        rows = day_lines(neg_on_hand=Decimal(0))
        for row in rows:
            if row["rh"] == "neg":
                row["issued"] = row["collected"] = Decimal(1)  # issued as collected, none kept: zero days
        return rows
    write_series(db, HISTORY_FROM, D("2025-10-20"), lines)
    found = status_of(db, D("2025-10-20"))
    assert all(g.rh_negative.low and g.rh_negative.days_of_supply == Decimal("0.00") for g in found.groups)
    assert found.total.rh_negative.low
    assert found.computed_level is None and found.level is None
    assert all(g.low_streak_working_days == 0 for g in found.groups)


def test_an_administrators_ruling_moves_the_day_a_level_starts(db):
    admin = user_named(db, "admin")
    calendar.set_day(session=db, actor=admin, day=D("2025-10-08"), working=True, note="test: a working day")
    db.commit()
    write_series(db, HISTORY_FROM, D("2025-10-20"), _single_group_low(D("2025-09-24")))
    assert first_day_at(db, days(D("2025-09-24"), D("2025-10-20")), "III") == D("2025-10-08")
    calendar.set_day(session=db, actor=admin, day=D("2025-09-29"), working=False, note="test: a day off")
    db.commit()
    assert first_day_at(db, days(D("2025-09-24"), D("2025-10-20")), "IV") == D("2025-09-30")


def test_the_status_of_a_day_without_a_report_is_that_of_the_latest_report(db):
    write_series(db, HISTORY_FROM, D("2025-09-29"), _single_group_low(D("2025-09-24")))
    later = status_of(db, D("2025-10-02"))
    assert (later.based_on, later.computed_level) == (D("2025-09-29"), "IV")
    before = status_of(db, D("2025-07-01"))
    assert (before.based_on, before.computed_level, before.level, before.history_days) == (None, None, None, 0)
    assert all(g.supply.days_of_supply is None for g in before.groups)
    assert NORMAL == Decimal(50)
