"""Whether the emergency donor teams, collection points and drills meet the plan (docs/blood.md, "Donor teams").

One function per rule, each citing its section of the blood-supply plan; ``evaluate`` applies them all on a day:

- §六(一): echelon 1 (the main city) ≥ 500 donors, echelon 2 (the eight counties) ≥ 1,500; every county-level area
  (the main-city districts included: "各县市区") ≥ 0.4 ‰ of its resident population (``District.population``,
  the 2020 census), rounded up to whole people; each echelon ≥ 5 days of clinical demand, i.e. 5 × the city's mean
  daily red-cell issue (services/blood/supply.py) ÷ the units one donor gives (``BLOOD_UNITS_PER_DONOR``, 1);
  group donors ≥ 75 % per echelon; the group mix near A 24 % / B 28 % / O 32 % / AB 16 %
  (``BLOOD_DONOR_MIX_TOLERANCE``, five points either way); every record confirmed within the last year; the
  year's filing with the command's office recorded.
- §六(二): ≥ 3 active collection points in the main city and ≥ 1 in each county outside it.
- §六(七)2: at least one emergency-donation drill in the calendar year.

An echelon's head count must meet three floors at once — its minimum, the sum of its districts' 0.4 ‰ floors, and
five days of demand — and the largest of them **binds** (with the 2020 populations the county floors add up to
1,730, above the 1,500 of echelon 2). A rule that cannot be judged (no issue recorded yet) is neither passed nor
failed. The counts are of the register as it stands; ``as_of`` sets the year and the confirmation cut-off.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func
from sqlmodel import Session, select

from inventory import scope
from inventory.core import settings
from inventory.core.clock import business_today
from inventory.core.errors import Invalid
from inventory.core.vocab import BloodGroup, OrgKind
from inventory.models import BloodDonor, District, DonorFiling, Organisation, User
from inventory.services.blood import collection_points, drills, supply
from inventory.services.blood.donors import ECHELON_OF_AREA, FIRST_DAY, team_districts

TEAMS, POINTS, DRILLS = "§六(一)", "§六(二)", "§六(七)2"
ECHELON_MINIMUM = {1: 500, 2: 1500}
FLOOR_PER_MILLE = Decimal("0.4")
GROUP_DONOR_SHARE = Decimal("0.75")
DEMAND_DAYS = 5
GROUP_MIX = {"A": Decimal("0.24"), "B": Decimal("0.28"), "O": Decimal("0.32"), "AB": Decimal("0.16")}
MAIN_CITY_POINTS, COUNTY_POINTS = 3, 1
#: the three floors of an echelon's head count, in the order a tie is reported
HEADCOUNT_RULES = ("echelon_minimum", "district_floor", "demand_days")


#: what each rule checks, for the compliance page
RULE_LABELS = {
    "echelon_minimum": _l("Echelon head count (echelon 1 ≥ 500, echelon 2 ≥ 1,500)"),
    "demand_days": _l("Donors for five days of clinical demand"),
    "group_donor_share": _l("Share of group donors (≥ 75 %)"),
    "group_mix": _l("Blood-group mix"),
    "confirmed_within_year": _l("Records not confirmed within the last year"),
    "district_floor": _l("Donors ≥ 0.4 ‰ of the resident population"),
    "yearly_filing": _l("The year's filing with the command's office"),
    "drill": _l("Emergency-donation drills this year"),
    "points_main_city": _l("Active collection points in the main city"),
    "points_county": _l("Active collection points in the county"),
}


@dataclass(frozen=True)
class Rule:
    """One rule applied to one area (``echelon-1``, a district code, ``main_city``, ``city``)."""

    key: str
    area: str
    section: str
    required: str
    actual: str
    #: None when it cannot be judged (no figures yet)
    passed: bool | None
    #: this floor gives its echelon's head count (the largest of the three)
    binds: bool = False
    #: the alert kind that raises it when it fails
    kind: str = "donor_compliance"

    @property
    def label(self):
        return RULE_LABELS[self.key]


@dataclass(frozen=True)
class Headcount:
    """The donors an echelon needs: the largest of its three floors, and which one that is."""

    echelon: int
    donors: int
    minimum: int
    floors: int
    #: None when no issue figure is known yet
    demand: int | None
    required: int
    binding: str


@dataclass(frozen=True)
class Compliance:
    as_of: date
    echelons: list[Headcount]
    rules: list[Rule]

    @property
    def failed(self) -> list[Rule]:
        return [rule for rule in self.rules if rule.passed is False]


def _pct(share: Decimal) -> str:
    return f"{(share * 100).quantize(Decimal('0.1'))} %"


def floor_of(population: int) -> int:
    """0.4 ‰ of a resident population, rounded up: 不少于 means at least the figure, in whole people."""
    return int((Decimal(population) * FLOOR_PER_MILLE / 1000).to_integral_value(rounding=ROUND_CEILING))


def demand_headcount(daily_use: Decimal | None, units_per_donor: Decimal) -> int | None:
    """Donors for 5 days of clinical demand: 5 × the mean daily red-cell issue ÷ units per donor, rounded up."""
    if daily_use is None:
        return None
    return math.ceil(DEMAND_DAYS * daily_use / units_per_donor)


def echelon_minimum(echelon: int, donors: int, *, binds: bool = False) -> Rule:
    """§六(一): 第一梯队…总数不少于500人; 第二梯队…总数不少于1500人."""
    return Rule("echelon_minimum", f"echelon-{echelon}", TEAMS, f"≥ {ECHELON_MINIMUM[echelon]}", str(donors),
                donors >= ECHELON_MINIMUM[echelon], binds)


def district_floor(district: District, donors: int, *, binds: bool = False) -> Rule:
    """§六(一): 各县市区应急队伍人数不少于辖区内常住人口的0.4‰."""
    floor = floor_of(district.population)
    return Rule("district_floor", district.code, TEAMS, f"≥ {floor} (0.4 ‰ × {district.population})", str(donors),
                donors >= floor, binds)


def demand_days(echelon: int, donors: int, daily_use: Decimal | None, units_per_donor: Decimal, *,
                binds: bool = False) -> Rule:
    """§六(一): 每个梯队不少于5日临床供血需求人数."""
    needed = demand_headcount(daily_use, units_per_donor)
    if needed is None:
        return Rule("demand_days", f"echelon-{echelon}", TEAMS, "—", str(donors), None)
    return Rule("demand_days", f"echelon-{echelon}", TEAMS,
                f"≥ {needed} ({DEMAND_DAYS} × {daily_use} U ÷ {units_per_donor} U)", str(donors), donors >= needed,
                binds)


def group_donor_share(echelon: int, group_donors: int, donors: int) -> Rule:
    """§六(一): 团体献血人员不少于75%."""
    share = Decimal(group_donors) / donors if donors else Decimal(0)
    return Rule("group_donor_share", f"echelon-{echelon}", TEAMS, f"≥ {_pct(GROUP_DONOR_SHARE)}",
                f"{_pct(share)} ({group_donors}/{donors})", share >= GROUP_DONOR_SHARE)


def group_mix(echelon: int, by_group: dict[str, int], tolerance: Decimal) -> Rule:
    """§六(一): 血型比例根据A型24%、B型28%、O型32%、AB型16%比例组建 — each group within ``tolerance``."""
    donors = sum(by_group.values())
    shares = {g: Decimal(by_group.get(g, 0)) / donors if donors else Decimal(0) for g in GROUP_MIX}
    passed = donors > 0 and all(abs(shares[g] - GROUP_MIX[g]) <= tolerance for g in GROUP_MIX)
    return Rule("group_mix", f"echelon-{echelon}", TEAMS,
                " / ".join(f"{g} {_pct(GROUP_MIX[g])}" for g in GROUP_MIX) + f" ± {_pct(tolerance)}",
                " / ".join(f"{g} {_pct(shares[g])}" for g in GROUP_MIX), passed)


def confirmations(echelon: int, stale: int, cutoff: date) -> Rule:
    """§六(一): 每年确认1次 — every record confirmed on or after ``cutoff`` (a year before the day)."""
    return Rule("confirmed_within_year", f"echelon-{echelon}", TEAMS, f"0 < {cutoff.isoformat()}", str(stale),
                stale == 0)


def yearly_filing(year: int, filing: DonorFiling | None) -> Rule:
    """§六(一): 报所在地市级血液应急保障指挥部办公室备案 — the year's filing recorded."""
    actual = f"{filing.filed_on.isoformat()} {filing.reference}" if filing else "—"
    return Rule("yearly_filing", "city", TEAMS, str(year), actual, filing is not None)


def drill_held(year: int, held: int) -> Rule:
    """§六(七)2: 每年至少开展1次应急献血演练."""
    return Rule("drill", "city", DRILLS, f"≥ 1 ({year})", str(held), held >= 1)


def main_city_points(active: int) -> Rule:
    """§六(二): 市主城区至少3个 (active points)."""
    return Rule("points_main_city", "main_city", POINTS, f"≥ {MAIN_CITY_POINTS}", str(active),
                active >= MAIN_CITY_POINTS, kind="collection_points")


def county_points(district: District, active: int) -> Rule:
    """§六(二): 县级至少1个 (active points)."""
    return Rule("points_county", district.code, POINTS, f"≥ {COUNTY_POINTS}", str(active), active >= COUNTY_POINTS,
                kind="collection_points")


def year_before(day: date) -> date:
    """The same day a year earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def city_daily_use(session: Session, as_of: date) -> Decimal | None:
    """The mean daily red-cell issue of the city's active blood stations on ``as_of`` (None when none is known)."""
    uses = [supply.status(session=session, station_id=station_id, as_of=as_of).total.supply.daily_use
            for station_id in session.exec(select(Organisation.id).where(
                Organisation.kind == OrgKind.blood_station, Organisation.active.is_(True)))]
    known = [use for use in uses if use is not None]
    return sum(known, Decimal(0)) if known else None


def _headcount(echelon: int, donors: int, floors: int, demand: int | None) -> Headcount:
    candidates = {"echelon_minimum": ECHELON_MINIMUM[echelon], "district_floor": floors,
                  "demand_days": demand if demand is not None else -1}
    binding = max(HEADCOUNT_RULES, key=lambda key: (candidates[key], -HEADCOUNT_RULES.index(key)))
    return Headcount(echelon, donors, ECHELON_MINIMUM[echelon], floors, demand, candidates[binding], binding)


def evaluate(*, session: Session, as_of: date) -> Compliance:
    """Every rule on ``as_of``: echelon rules per echelon, then the districts, points, filing and drill."""
    cutoff = year_before(as_of)
    districts = list(team_districts(session).values())
    stale_case = case((BloodDonor.last_confirmed_on < cutoff, 1), else_=0)
    counts = session.exec(select(BloodDonor.district_id, BloodDonor.abo_group, BloodDonor.group_donor,
                                 func.count(), func.sum(stale_case))
                          .group_by(BloodDonor.district_id, BloodDonor.abo_group, BloodDonor.group_donor)).all()
    per_district: dict[int, int] = {}
    per_echelon: dict[int, dict[str, int]] = {e: {"donors": 0, "group": 0, "stale": 0} for e in ECHELON_MINIMUM}
    mix: dict[int, dict[str, int]] = {e: dict.fromkeys(BloodGroup.values(), 0) for e in ECHELON_MINIMUM}
    echelon_of_id = {d.id: ECHELON_OF_AREA[d.area] for d in districts}
    for district_id, group, is_group, count, stale in counts:
        echelon = echelon_of_id.get(district_id)
        if echelon is None:
            continue
        per_district[district_id] = per_district.get(district_id, 0) + count
        totals = per_echelon[echelon]
        totals["donors"] += count
        totals["group"] += count if is_group else 0
        totals["stale"] += int(stale or 0)
        mix[echelon][group] = mix[echelon].get(group, 0) + count
    units, tolerance = settings.donor_units(), settings.donor_mix_tolerance()
    daily_use = city_daily_use(session, as_of)
    demand = demand_headcount(daily_use, units)
    headcounts = {e: _headcount(e, per_echelon[e]["donors"],
                                sum(floor_of(d.population) for d in districts if echelon_of_id[d.id] == e), demand)
                  for e in ECHELON_MINIMUM}
    rules: list[Rule] = []
    for e, head in headcounts.items():
        totals = per_echelon[e]
        rules += [echelon_minimum(e, totals["donors"], binds=head.binding == "echelon_minimum"),
                  demand_days(e, totals["donors"], daily_use, units, binds=head.binding == "demand_days"),
                  group_donor_share(e, totals["group"], totals["donors"]),
                  group_mix(e, mix[e], tolerance),
                  confirmations(e, totals["stale"], cutoff)]
    rules += [district_floor(d, per_district.get(d.id, 0),
                             binds=headcounts[echelon_of_id[d.id]].binding == "district_floor") for d in districts]
    filing = session.exec(select(DonorFiling).where(DonorFiling.year == as_of.year)).first()
    rules += [yearly_filing(as_of.year, filing), drill_held(as_of.year, drills.held_in(session, as_of.year))]
    points = collection_points.active_by_district(session)
    rules.append(main_city_points(sum(points.get(d.id, 0) for d in districts if echelon_of_id[d.id] == 1)))
    rules += [county_points(d, points.get(d.id, 0)) for d in districts if echelon_of_id[d.id] == 2]
    return Compliance(as_of=as_of, echelons=list(headcounts.values()), rules=rules)


def for_reader(*, session: Session, actor: User, as_of: date | None = None) -> Compliance:
    """The rules on ``as_of`` (default today) for a reader of the blood pages (403 for anyone else: the counts hold
    no personal data, so they are read like the reports); a day before 2000 or after today is a 422."""
    scope.require(actor, "view", "blood")
    today = business_today()
    as_of = as_of or today
    if not FIRST_DAY <= as_of <= today:
        raise Invalid.field("as_of", _l("a day from %(first)s to today", first=FIRST_DAY.isoformat()))
    return evaluate(session=session, as_of=as_of)
