"""Coverage against the plan, against a hand-computed fixture (docs/plans.md, "Coverage").

The fixture adds two materials of units no demo material uses ("cov-t", "cov-pc"), so every group's row of those
units holds only the fixture's numbers:

COV-RICE (BUR-GRAIN, cov-t), day D:
  catalogue in force 1000; annual plan of D's year in force: ENT-GRAIN 500, ENT-BAZHOU 300, city 100 (= 900);
  an older, superseded version (5000) and a draft (7000) do not count; a temporary addition for ENT-GRAIN of 100
  covering D counts, one that ended the day before (999) does not  -> city target 1000, ENT-GRAIN 600,
  ENT-BAZHOU 300; ENT-COLD has no plan line but an active contract line of 80 -> 80.
  lots: ENT-GRAIN GR-01 available 300 | available but past expiry 100 | quality_hold 50 | quarantined 40 |
        expired 30 | depleted 0; GR-03 available 120, expiring on D (counts)         -> ENT-GRAIN 420
        ENT-BAZHOU BZ-01 available 270 | quality_hold 20                              -> ENT-BAZHOU 270
        ENT-COLD CS-01 available 80                                                  -> ENT-COLD 80
                                                                                     -> city 770
  allowed: ENT-GRAIN rotation in its window (out 60, in 20) 40 + executing dispatch released 100 (of 150)
           = 140 (an overdue rotation and a completed dispatch do not count);
           ENT-BAZHOU confirmed replenishment due after D (50, received 20) 30 (a fulfilled one and an overdue
           one do not count)                                                         -> city 170
  coverage: city 770/1000 = 0.77; ENT-GRAIN 420/600 = 0.7; ENT-BAZHOU 270/300 = 0.9; ENT-COLD 1
  contract lines: ENT-GRAIN GR-01 450 -> 300/450 = 0.6667 (allowed 140); ENT-COLD CS-01 80 -> 1
COV-TENT (BUR-EMERGENCY, cov-pc): no plan line -> catalogue 50; ENT-RELIEF available 30 -> 0.6.

reserve-materials-measures §二(二) (catalogue scale), §二(三) (annual plan), §二(四) (temporary additions),
§二(五)2 (contracts), §三 (rotation), §四(二) (replenishment), §四(一) (dispatch).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from inventory.core.clock import business_today
from inventory.core.errors import Invalid, NotFound
from inventory.models import (
    AnnualPlan, AnnualPlanLine, CatalogueLine, CatalogueVersion, ContractLine, Dispatch, Facility, Instruction, Lot,
    Material, Replenishment, Rotation, StorageContract, TemporaryAddition,
)
from inventory.services.plans import coverage
from tests.helpers import org_coded, user_named

def stamp(day: date) -> datetime:
    return datetime.combine(day, time(9), timezone.utc)


@dataclass
class City:
    day: date
    rice: Material
    tent: Material
    contract_lines: dict[str, int]


def _material(db: Session, code: str, unit: str, category: str, bureau: str) -> Material:
    material = Material(code=code, name_zh=code, name_en=code, category=category, unit=unit, shelf_life_days=365,
                        storage_class="ambient", policy="rotate", bureau_id=org_coded(db, bureau).id)
    db.add(material)
    db.flush()
    return material


def _facility(db: Session, code: str) -> Facility:
    return db.exec(select(Facility).where(Facility.code == code)).one()


def build_city(db: Session, day: date | None = None) -> City:
    """The fixture of the module docstring, rows inserted directly; D is today unless ``day`` says otherwise. Its
    plan versions are numbered 91–93, clear of the demo's plan of the same year (whose lines name no fixture
    material)."""
    day = day or business_today()
    gov, officer, coordinator = (user_named(db, name) for name in ("gov", "officer", "coordinator"))
    grain, bazhou, cold, relief = (org_coded(db, c) for c in ("ENT-GRAIN", "ENT-BAZHOU", "ENT-COLD", "ENT-RELIEF"))
    ndrc = org_coded(db, "CO-NDRC")
    rice = _material(db, "COV-RICE", "cov-t", "grain", "BUR-GRAIN")
    tent = _material(db, "COV-TENT", "cov-pc", "disaster_relief", "BUR-EMERGENCY")
    document = dict(requested_by=coordinator.id, drafting_org_id=ndrc.id, approved_by=gov.id)

    catalogue = CatalogueVersion(code="CAT-COV-1", status="in_force", approved_at=stamp(day - timedelta(days=200)),
                                 **document)
    db.add(catalogue)
    db.flush()
    bureau_grain, bureau_emergency = org_coded(db, "BUR-GRAIN").id, org_coded(db, "BUR-EMERGENCY").id
    db.add_all([CatalogueLine(version_id=catalogue.id, material_id=rice.id, target_quantity=Decimal(1000),
                              bureau_id=bureau_grain),
                CatalogueLine(version_id=catalogue.id, material_id=tent.id, target_quantity=Decimal(50),
                              bureau_id=bureau_emergency)])
    old = AnnualPlan(code="AP-COV-1", year=day.year, version=91, status="superseded",
                     approved_at=stamp(day - timedelta(days=100)), superseded_at=stamp(day - timedelta(days=50)),
                     **document)
    plan = AnnualPlan(code="AP-COV-2", year=day.year, version=92, status="in_force",
                      approved_at=stamp(day - timedelta(days=50)), **document)
    draft = AnnualPlan(code="AP-COV-3", year=day.year, version=93, status="draft", **document)
    db.add_all([old, plan, draft])
    db.flush()
    db.add_all([
        AnnualPlanLine(plan_id=old.id, material_id=rice.id, target_quantity=Decimal(5000)),
        AnnualPlanLine(plan_id=draft.id, material_id=rice.id, target_quantity=Decimal(7000)),
        AnnualPlanLine(plan_id=plan.id, material_id=rice.id, enterprise_id=grain.id, target_quantity=Decimal(500)),
        AnnualPlanLine(plan_id=plan.id, material_id=rice.id, enterprise_id=bazhou.id, target_quantity=Decimal(300)),
        AnnualPlanLine(plan_id=plan.id, material_id=rice.id, target_quantity=Decimal(100)),
    ])
    addition = dict(bureau_id=bureau_grain, material_id=rice.id, enterprise_id=grain.id, reason="flood season",
                    requested_by=officer.id, approved_by=gov.id, approved_at=stamp(day - timedelta(days=20)))
    db.add_all([
        TemporaryAddition(code="TA-COV-1", quantity=Decimal(100), starts_on=day - timedelta(days=10),
                          ends_on=day + timedelta(days=10), status="in_force", **addition),
        TemporaryAddition(code="TA-COV-2", quantity=Decimal(999), starts_on=day - timedelta(days=30),
                          ends_on=day - timedelta(days=1), status="lapsed", **addition),
    ])
    contracts = {}
    for number, enterprise, facility, quantity in (("HT-COV-1", grain, "GR-01", 450), ("HT-COV-2", cold, "CS-01", 80)):
        contract = StorageContract(number=number, bureau_id=bureau_grain, enterprise_id=enterprise.id,
                                   starts_on=day - timedelta(days=100), ends_on=day + timedelta(days=265),
                                   status="active", requested_by=officer.id)
        db.add(contract)
        db.flush()
        line = ContractLine(contract_id=contract.id, material_id=rice.id, facility_id=_facility(db, facility).id,
                            quantity=Decimal(quantity), active_key=f"{rice.id}:{facility}")
        db.add(line)
        db.flush()
        contracts[number] = line.id

    later, n = day + timedelta(days=200), iter(range(1, 100))
    for enterprise, facility, status, on_hand, expiry in (
            (grain, "GR-01", "available", 300, later), (grain, "GR-01", "available", 100, day - timedelta(days=1)),
            (grain, "GR-01", "quality_hold", 50, later), (grain, "GR-01", "quarantined", 40, later),
            (grain, "GR-01", "expired", 30, day - timedelta(days=5)), (grain, "GR-01", "depleted", 0, later),
            (grain, "GR-03", "available", 120, day),
            (bazhou, "BZ-01", "available", 270, later), (bazhou, "BZ-01", "quality_hold", 20, later),
            (cold, "CS-01", "available", 80, later)):
        db.add(Lot(lot_code=f"COV-{next(n)}", material_id=rice.id, facility_id=_facility(db, facility).id,
                   enterprise_id=enterprise.id, expiry_date=expiry, received_on=day - timedelta(days=30),
                   status=status, on_hand=Decimal(on_hand), quantity_received=Decimal(on_hand or 10)))
    db.add(Lot(lot_code="COV-TENT-1", material_id=tent.id, facility_id=_facility(db, "RL-01").id,
               enterprise_id=relief.id, expiry_date=later, received_on=day - timedelta(days=30), status="available",
               on_hand=Decimal(30), quantity_received=Decimal(30)))

    clerk = user_named(db, "clerk")
    rotation = dict(enterprise_id=grain.id, material_id=rice.id, mode="market", window_days=30,
                    requested_by=clerk.id, approved_by=officer.id, status="approved")
    db.add_all([
        Rotation(code="ROT-COV-1", quantity=Decimal(100), quantity_out=Decimal(60), quantity_in=Decimal(20),
                 approved_at=stamp(day - timedelta(days=5)), window_ends_on=day + timedelta(days=10), **rotation),
        Rotation(code="ROT-COV-2", quantity=Decimal(50), quantity_out=Decimal(50),
                 approved_at=stamp(day - timedelta(days=40)), window_ends_on=day - timedelta(days=1), **rotation),
    ])
    refill = dict(source="dispatch", material_id=rice.id, enterprise_id=bazhou.id)
    db.add_all([
        Replenishment(code="RP-COV-1", quantity=Decimal(50), received=Decimal(20), due_on=day + timedelta(days=20),
                      status="confirmed", created_at=stamp(day - timedelta(days=3)), **refill),
        Replenishment(code="RP-COV-2", quantity=Decimal(40), received=Decimal(40), due_on=day + timedelta(days=20),
                      status="fulfilled", created_at=stamp(day - timedelta(days=3)), **refill),
        Replenishment(code="RP-COV-3", quantity=Decimal(60), due_on=day - timedelta(days=1), status="proposed",
                      created_at=stamp(day - timedelta(days=30)), **refill),
    ])
    bureau_user = user_named(db, "approver")
    for code, status, executed in (("DSP-COV-1", "executing", 100), ("DSP-COV-2", "completed", 90)):
        dispatch = Dispatch(code=code, status=status, drafted_by=bureau_user.id, drafting_org_id=bureau_grain,
                            bureau_id=bureau_grain, executed_at=stamp(day - timedelta(days=2)))
        db.add(dispatch)
        db.flush()
        db.add(Instruction(code=f"INS-{code}", kind="release", status="acknowledged", enterprise_id=grain.id,
                           material_id=rice.id, quantity=Decimal(150), executed=Decimal(executed),
                           deadline=day + timedelta(days=3), dispatch_id=dispatch.id, issued_by=bureau_user.id,
                           issuing_org_id=bureau_grain))
    db.commit()
    return City(day, rice, tent, contracts)


@pytest.fixture
def city(db: Session) -> City:
    return build_city(db)


def of_unit(rows: list[coverage.CoverageRow], *units: str) -> dict[str, coverage.CoverageRow]:
    return {row.key: row for row in rows if row.unit in units}


def numbers(row: coverage.CoverageRow) -> tuple:
    return row.plan_quantity, row.available, row.allowed_shortfall, row.coverage


def test_per_material_the_plan_in_force_plus_additions_against_available_stock(db, city):
    """§二(三), §二(四): plan 900 + addition 100; only available, unexpired lots count (770 of 1010 on hand)."""
    rows = of_unit(coverage.coverage_rows(db, group="material", as_of=city.day), "cov-t", "cov-pc")
    assert numbers(rows["COV-RICE"]) == (Decimal(1000), Decimal(770), Decimal(170), Decimal("0.7700"))
    assert rows["COV-RICE"].allowed_reasons == ("dispatch:DSP-COV-1", "replenishment:RP-COV-1", "rotation:ROT-COV-1")
    assert rows["COV-RICE"].unit == "cov-t" and rows["COV-RICE"].name == "COV-RICE"
    # §二(二): no plan line for the tent, so the catalogue's scale
    assert numbers(rows["COV-TENT"]) == (Decimal(50), Decimal(30), Decimal(0), Decimal("0.6000"))
    assert rows["COV-TENT"].allowed_reasons == ()


def test_per_enterprise_plan_lines_else_contract_lines(db, city):
    """§二(三) split by enterprise; §二(五)2: an enterprise without plan lines is held to its contract."""
    rows = of_unit(coverage.coverage_rows(db, group="enterprise", as_of=city.day), "cov-t", "cov-pc")
    assert numbers(rows["ENT-GRAIN"]) == (Decimal(600), Decimal(420), Decimal(140), Decimal("0.7000"))
    assert rows["ENT-GRAIN"].allowed_reasons == ("dispatch:DSP-COV-1", "rotation:ROT-COV-1")
    assert numbers(rows["ENT-BAZHOU"]) == (Decimal(300), Decimal(270), Decimal(30), Decimal("0.9000"))
    assert rows["ENT-BAZHOU"].allowed_reasons == ("replenishment:RP-COV-1",)
    assert numbers(rows["ENT-COLD"]) == (Decimal(80), Decimal(80), Decimal(0), Decimal("1.0000"))
    assert numbers(rows["ENT-RELIEF"]) == (None, Decimal(30), Decimal(0), None)


def test_per_contract_line_per_district_and_for_the_city(db, city):
    lines = of_unit(coverage.coverage_rows(db, group="contract_line", as_of=city.day), "cov-t")
    grain_line = lines[str(city.contract_lines["HT-COV-1"])]
    assert numbers(grain_line) == (Decimal(450), Decimal(300), Decimal(140), Decimal("0.6667"))
    assert grain_line.name.startswith("HT-COV-1 · COV-RICE · GR-01")
    assert numbers(lines[str(city.contract_lines["HT-COV-2"])]) == (Decimal(80), Decimal(80), Decimal(0),
                                                                   Decimal("1.0000"))
    # districts by the keeping enterprise's district: ENT-GRAIN's GR-03 stock counts for anci
    districts = of_unit(coverage.coverage_rows(db, group="district", as_of=city.day), "cov-t")
    assert numbers(districts["anci"]) == (Decimal(600), Decimal(420), Decimal(140), Decimal("0.7000"))
    assert numbers(districts["bazhou"]) == (Decimal(300), Decimal(270), Decimal(30), Decimal("0.9000"))
    assert numbers(districts["devzone"]) == (Decimal(80), Decimal(80), Decimal(0), Decimal("1.0000"))
    whole = [row for row in coverage.coverage_rows(db, group="city", as_of=city.day) if row.unit in {"cov-t", "cov-pc"}]
    assert [(row.key, row.unit, *numbers(row)) for row in whole] == [
        ("city", "cov-pc", Decimal(50), Decimal(30), Decimal(0), Decimal("0.6000")),
        ("city", "cov-t", Decimal(1000), Decimal(770), Decimal(170), Decimal("0.7700"))]


def test_a_past_day_sees_the_versions_of_that_day(db, city):
    """§二(三): amendments are new versions; every version is kept, and the day decides which one counts."""
    before = city.day - timedelta(days=60)  # the first version in force, no addition, nothing allowed yet
    rows = of_unit(coverage.coverage_rows(db, group="material", as_of=before), "cov-t")
    # early in a year the day is in the year before, which has no plan: the catalogue's scale
    assert rows["COV-RICE"].plan_quantity == (Decimal(5000) if before.year == city.day.year else Decimal(1000))
    assert rows["COV-RICE"].allowed_shortfall == Decimal(0)
    # lots expire by date against the day asked: the lot past expiry on D was still good then
    assert rows["COV-RICE"].available == Decimal(870)


def test_the_allowed_rows_are_explained(db, city):
    details = coverage.allowance_details(db, group="enterprise", as_of=city.day)[("ENT-GRAIN", "cov-t")]
    assert [(a.kind, a.code, a.quantity, a.until) for a in details] == [
        ("dispatch", "DSP-COV-1", Decimal(100), None),
        ("rotation", "ROT-COV-1", Decimal(40), city.day + timedelta(days=10))]


def test_the_drill_down_lists_the_lots_of_a_group_and_why_each_counts_or_not(db, city):
    lots = list(db.exec(coverage.lots_of(db, group="material", key="COV-RICE", as_of=city.day)
                        .order_by(Lot.lot_code)))
    reasons = sorted(str(coverage.excluded_because(lot, city.day)) for lot in lots)
    assert reasons == sorted(["None"] * 4 + ["expired", "quality_hold", "quarantined", "expired", "quality_hold"])
    assert sum(lot.on_hand for lot in lots if coverage.excluded_because(lot, city.day) is None) == Decimal(770)
    line = coverage.lots_of(db, group="contract_line", key=str(city.contract_lines["HT-COV-1"]), as_of=city.day)
    assert {lot.on_hand for lot in db.exec(line)} == {Decimal(300), Decimal(100), Decimal(50), Decimal(40),
                                                      Decimal(30)}


@pytest.mark.parametrize("username, visible, hidden", [
    ("officer", "COV-RICE", "COV-TENT"),       # a bureau sees its materials only
    ("emofficer", "COV-TENT", "COV-RICE"),     # and another bureau its own
])
def test_a_bureau_sees_its_materials(db, city, username, visible, hidden):
    actor = user_named(db, username)
    keys = {row.key for row in coverage.coverage_rows(db, group="material", as_of=city.day, actor=actor)}
    assert visible in keys and hidden not in keys
    with pytest.raises(NotFound):
        coverage.lots_of(db, group="material", key=hidden, as_of=city.day, actor=actor)


def test_an_enterprise_sees_its_own_share_only(db, city):
    clerk = user_named(db, "clerk")  # ENT-GRAIN
    rows = of_unit(coverage.coverage_rows(db, group="material", as_of=city.day, actor=clerk), "cov-t")
    assert numbers(rows["COV-RICE"]) == (Decimal(600), Decimal(420), Decimal(140), Decimal("0.7000"))
    assert set(of_unit(coverage.coverage_rows(db, group="enterprise", as_of=city.day, actor=clerk),
                       "cov-t", "cov-pc")) == {"ENT-GRAIN"}
    lines = coverage.coverage_rows(db, group="contract_line", as_of=city.day, actor=clerk)
    assert {row.key for row in lines if row.unit == "cov-t"} == {str(city.contract_lines["HT-COV-1"])}
    assert {row.key for row in lines} & {str(city.contract_lines["HT-COV-2"])} == set()  # ENT-COLD's line
    coldclerk = user_named(db, "coldclerk")  # another enterprise
    assert set(of_unit(coverage.coverage_rows(db, group="enterprise", as_of=city.day, actor=coldclerk),
                       "cov-t")) == {"ENT-COLD"}
    for group, key in (("enterprise", "ENT-GRAIN"), ("contract_line", str(city.contract_lines["HT-COV-1"]))):
        with pytest.raises(NotFound):
            coverage.lots_of(db, group=group, key=key, as_of=city.day, actor=coldclerk)


def test_the_city_wide_roles_see_everything(db, city):
    for username in ("coordinator", "gov"):
        rows = of_unit(coverage.coverage_rows(db, group="material", as_of=city.day, actor=user_named(db, username)),
                       "cov-t", "cov-pc")
        assert numbers(rows["COV-RICE"])[:2] == (Decimal(1000), Decimal(770)) and "COV-TENT" in rows


def test_a_bad_group_is_refused(db, city):
    with pytest.raises(Invalid):
        coverage.coverage_rows(db, group="lot", as_of=city.day)
    with pytest.raises(NotFound):
        coverage.lots_of(db, group="contract_line", key="99999999999999", as_of=city.day)
