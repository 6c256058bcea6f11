"""Each donor-team rule of the blood-supply emergency plan on its own (§六(一) head counts, 0.4 ‰ floors with the
shipped 2020 census populations, five days of demand, group donors, group mix, yearly confirmation and filing;
§六(二) collection points; §六(七)2 drills), and ``evaluate`` over a register: which floor binds each echelon."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import select

from inventory.core.clock import business_today
from inventory.models import District, DonationDrill, DonorFiling
from inventory.services.blood import donor_compliance as rules
from tests.blood.donor_helpers import add_donors, add_point, clear_register, district
from tests.blood.helpers import day_lines, write_series
from tests.helpers import user_named

D = date.fromisoformat
AS_OF = D("2026-06-30")
#: the eleven districts as migration 0005 ships them (2020 census, rounded to hundreds): code -> 0.4 ‰ floor
SHIPPED_FLOORS = {"guangyang": 216, "anci": 192, "devzone": 52, "sanhe": 387, "bazhou": 298, "guan": 231,
                  "wenan": 218, "dacheng": 193, "xianghe": 180, "yongqing": 154, "dachang": 69}


def by(compliance: rules.Compliance, key: str, area: str) -> rules.Rule:
    return next(rule for rule in compliance.rules if (rule.key, rule.area) == (key, area))


def test_echelon_minimums_are_500_and_1500():
    """§六(一): 第一梯队…总数不少于500人 … 第二梯队…总数不少于1500人."""
    assert rules.echelon_minimum(1, 499).passed is False
    assert rules.echelon_minimum(1, 500).passed is True
    assert rules.echelon_minimum(2, 1499).passed is False
    assert rules.echelon_minimum(2, 1500).passed is True
    assert rules.echelon_minimum(2, 1500).required == "≥ 1500"


def test_the_floor_is_0_4_per_mille_of_the_shipped_census_population_rounded_up(db):
    """§六(一): 各县市区应急队伍人数不少于辖区内常住人口的0.4‰ — 538,800 × 0.4 ‰ = 215.52, so 216 people."""
    shipped = {d.code: d for d in db.exec(select(District))}
    assert {code: rules.floor_of(shipped[code].population) for code in SHIPPED_FLOORS} == SHIPPED_FLOORS
    assert all(shipped[code].population_year == 2020 for code in SHIPPED_FLOORS)
    guangyang = shipped["guangyang"]
    assert rules.district_floor(guangyang, 215).passed is False
    assert rules.district_floor(guangyang, 216).passed is True
    # the county floors add up to more than echelon 2's 1,500; the main city's to less than echelon 1's 500
    assert sum(SHIPPED_FLOORS[c] for c in ("sanhe", "bazhou", "guan", "wenan", "dacheng", "xianghe", "yongqing",
                                           "dachang")) == 1730
    assert sum(SHIPPED_FLOORS[c] for c in ("guangyang", "anci", "devzone")) == 460


def test_five_days_of_demand_in_donors_one_unit_each():
    """§六(一): 每个梯队不少于5日临床供血需求人数 — 5 × 40 U a day ÷ 1 U per donor = 200; 2 U per donor halves it."""
    assert rules.demand_headcount(Decimal("40"), Decimal(1)) == 200
    assert rules.demand_headcount(Decimal("40.1"), Decimal(1)) == 201
    assert rules.demand_headcount(Decimal("40"), Decimal(2)) == 100
    assert rules.demand_days(1, 199, Decimal("40"), Decimal(1)).passed is False
    assert rules.demand_days(1, 200, Decimal("40"), Decimal(1)).passed is True
    assert rules.demand_days(1, 0, None, Decimal(1)).passed is None  # no issue recorded yet: not judged


def test_group_donors_at_least_75_per_cent():
    """§六(一): 团体献血人员不少于75%."""
    assert rules.group_donor_share(1, 74, 100).passed is False
    assert rules.group_donor_share(1, 75, 100).passed is True
    assert rules.group_donor_share(1, 0, 0).passed is False


def test_group_mix_within_the_tolerance():
    """§六(一): 血型比例根据A型24%、B型28%、O型32%、AB型16%比例组建 (five points either way by default)."""
    exact = {"A": 24, "B": 28, "O": 32, "AB": 16}
    assert rules.group_mix(1, exact, Decimal("0.05")).passed is True
    assert rules.group_mix(1, {"A": 29, "B": 28, "O": 27, "AB": 16}, Decimal("0.05")).passed is True
    assert rules.group_mix(1, {"A": 30, "B": 28, "O": 26, "AB": 16}, Decimal("0.05")).passed is False
    assert rules.group_mix(1, {"A": 30, "B": 28, "O": 26, "AB": 16}, Decimal("0.06")).passed is True
    assert rules.group_mix(1, {}, Decimal("0.05")).passed is False


def test_every_record_confirmed_within_the_last_year():
    """§六(一): 每年确认1次 — a record confirmed a year and a day ago is stale; 29 February falls back to the 28th."""
    assert rules.year_before(D("2026-06-30")) == D("2025-06-30")
    assert rules.year_before(D("2028-02-29")) == D("2027-02-28")
    assert rules.confirmations(1, 0, D("2025-06-30")).passed is True
    assert rules.confirmations(1, 1, D("2025-06-30")).passed is False


def test_yearly_filing_drill_and_points(db):
    """§六(一) 报…指挥部办公室备案 each year; §六(七)2 每年至少开展1次应急献血演练; §六(二) 市主城区至少3个，县级至少1个."""
    filing = DonorFiling(year=2026, filed_on=D("2026-01-10"), reference="R", recorded_by=1)
    assert rules.yearly_filing(2026, None).passed is False
    assert rules.yearly_filing(2026, filing).passed is True
    assert rules.drill_held(2026, 0).passed is False
    assert rules.drill_held(2026, 1).passed is True
    assert (rules.main_city_points(2).passed, rules.main_city_points(3).passed) == (False, True)
    sanhe = district(db, "sanhe")
    assert (rules.county_points(sanhe, 0).passed, rules.county_points(sanhe, 1).passed) == (False, True)


@pytest.mark.usefixtures("ctx")
def test_evaluate_counts_the_register_and_names_the_binding_floor(db):
    """§六(一): with no issue figures, echelon 1 is bound by its 500 and echelon 2 by the counties' 0.4 ‰ floors
    (1,730 > 1,500); a district meets its own floor independently of its echelon."""
    clear_register(db)
    add_donors(db, "guangyang", 216, confirmed=D("2026-01-01"))
    add_donors(db, "anci", 191, confirmed=D("2026-01-01"))
    add_donors(db, "sanhe", 387, confirmed=D("2025-06-29"), group_donor_every=2)
    found = rules.evaluate(session=db, as_of=AS_OF)
    one, two = found.echelons
    assert (one.donors, one.minimum, one.floors, one.demand, one.required, one.binding) == (
        407, 500, 460, None, 500, "echelon_minimum")
    assert (two.donors, two.required, two.binding) == (387, 1730, "district_floor")
    assert by(found, "echelon_minimum", "echelon-1").binds and not by(found, "echelon_minimum", "echelon-2").binds
    assert by(found, "district_floor", "sanhe").binds and not by(found, "district_floor", "guangyang").binds
    assert by(found, "district_floor", "guangyang").passed is True
    assert by(found, "district_floor", "anci").passed is False
    assert by(found, "district_floor", "sanhe").passed is True
    assert by(found, "district_floor", "dachang").actual == "0"
    assert by(found, "group_donor_share", "echelon-1").passed is True
    assert by(found, "group_donor_share", "echelon-2").passed is False  # half are group donors
    assert by(found, "confirmed_within_year", "echelon-1").passed is True
    assert by(found, "confirmed_within_year", "echelon-2").actual == "387"  # confirmed a year and a day ago
    assert by(found, "demand_days", "echelon-1").passed is None
    assert {(r.key, r.area) for r in found.failed} >= {("yearly_filing", "city"), ("drill", "city"),
                                                       ("points_main_city", "main_city"), ("points_county", "sanhe")}


@pytest.mark.usefixtures("ctx")
def test_five_days_of_demand_binds_when_the_city_uses_more(db):
    """§六(一): 5 × the mean daily red-cell issue (here 4 groups × 30 U = 120 U a day → 600 donors) binds echelon 1
    over its 500 and its 460 of floors."""
    clear_register(db)
    lines = day_lines(issued=Decimal(30))
    write_series(db, D("2026-06-01"), AS_OF, lambda day: lines)
    add_donors(db, "guangyang", 600, confirmed=D("2026-06-01"))
    found = rules.evaluate(session=db, as_of=AS_OF)
    assert (found.echelons[0].demand, found.echelons[0].binding) == (600, "demand_days")
    assert by(found, "demand_days", "echelon-1").passed is True
    assert by(found, "demand_days", "echelon-2").passed is False
    assert by(found, "demand_days", "echelon-1").binds


@pytest.mark.usefixtures("ctx")
def test_evaluate_counts_filings_drills_and_active_points_of_the_year(db):
    """§六(一) filing, §六(七)2 drill, §六(二) points: last year's filing and drill do not count this year; an
    inactive point does not count."""
    clear_register(db)
    officer = user_named(db, "blood")
    db.add(DonorFiling(year=2025, filed_on=D("2025-03-01"), reference="old", recorded_by=officer.id))
    db.add(DonationDrill(held_on=D("2025-12-31"), participants=10, recorded_by=officer.id))
    for code in ("guangyang", "guangyang"):
        add_point(db, code)
    add_point(db, "anci", active=False)
    db.commit()
    found = rules.evaluate(session=db, as_of=AS_OF)
    assert by(found, "yearly_filing", "city").passed is False
    assert by(found, "drill", "city").passed is False
    assert by(found, "points_main_city", "main_city").actual == "2"
    db.add(DonorFiling(year=2026, filed_on=D("2026-02-01"), reference="new", recorded_by=officer.id))
    db.add(DonationDrill(held_on=D("2026-01-01"), participants=10, recorded_by=officer.id))
    add_point(db, "devzone")
    found = rules.evaluate(session=db, as_of=AS_OF)
    assert by(found, "yearly_filing", "city").passed is True
    assert by(found, "drill", "city").passed is True
    assert by(found, "points_main_city", "main_city").passed is True


@pytest.mark.usefixtures("ctx")
def test_the_demo_shows_rules_met_and_missed(db):
    """The demo register (docs/blood.md, "Demo"): the mix and the group donors are met; head counts are not."""
    found = rules.evaluate(session=db, as_of=business_today())
    assert by(found, "group_mix", "echelon-1").passed and by(found, "group_donor_share", "echelon-2").passed
    assert by(found, "echelon_minimum", "echelon-1").passed is False
    assert by(found, "points_county", "wenan").passed is False
    assert by(found, "district_floor", "yongqing").passed is True
