"""Coverage against the plan over 1,000,000 lots on PostgreSQL (issue 13): ``coverage_rows`` per group against the
bare SQL aggregate of the same lots in the same run (target ≤ 3×), and ``GET /api/v1/coverage`` end to end.

The demo city gets a catalogue version and an annual plan in force with a line per material and per enterprise that
keeps it, contract lines for every facility and material the seed places, and a few rotations and replenishments
in their windows, so every part of the computation (targets, fallbacks, allowances, roll-ups) has rows to join.
``BENCH_LOTS`` shrinks the data set for a quick try; ``BENCH_DATABASE_URL`` chooses the database.
"""
from __future__ import annotations

import os
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from inventory import create_app
from inventory.core.clock import business_today
from inventory.models import (
    AnnualPlan, AnnualPlanLine, CatalogueLine, CatalogueVersion, ContractLine, Facility, Material, Organisation,
    Replenishment, Rotation, StorageContract, User,
)
from inventory.services.plans import coverage
from tests.bench import seed_big
from tests.bench.conftest import BENCH_URL, bearer
from tests.bench.report import median_ms, table
from tests.helpers import make_config

pytestmark = pytest.mark.timeout(1800)

LOTS = int(os.environ.get("BENCH_LOTS", 1_000_000))
RUNS = 5
TARGET, CEILING = 3.0, 6.0
TODAY = business_today()

#: the bare aggregates: what any coverage must read from the lots, written by hand
BARE = {
    "material": "SELECT material_id, SUM(on_hand) FROM lot WHERE status = 'available' AND expiry_date >= :day "
                "AND on_hand > 0 GROUP BY material_id",
    "per enterprise": "SELECT enterprise_id, material_id, SUM(on_hand) FROM lot WHERE status = 'available' "
                      "AND expiry_date >= :day AND on_hand > 0 GROUP BY enterprise_id, material_id",
    "per facility": "SELECT enterprise_id, material_id, facility_id, SUM(on_hand) FROM lot WHERE status = "
                    "'available' AND expiry_date >= :day AND on_hand > 0 GROUP BY enterprise_id, material_id, "
                    "facility_id",
}
#: group -> the bare aggregate it is compared with
GROUPS = {"material": "material", "city": "material", "enterprise": "per enterprise",
          "district": "per enterprise", "contract_line": "per facility"}


def _plans(engine: Engine) -> None:
    """A catalogue and a plan in force, contracts, rotations and replenishments over the seeded placements."""
    approved = datetime.now(timezone.utc) - timedelta(days=30)
    with Session(engine) as session:
        coordinator = session.exec(select(User).where(User.username == "coordinator")).one()
        clerk = session.exec(select(User).where(User.username == "clerk")).one()
        document = dict(requested_by=coordinator.id, drafting_org_id=coordinator.org_id, status="in_force",
                        approved_at=approved, approved_by=coordinator.id)
        catalogue = CatalogueVersion(code="CAT-BENCH", **document)
        plan = AnnualPlan(code="AP-BENCH", year=TODAY.year, **document)
        session.add_all([catalogue, plan])
        session.flush()
        materials = {m.code: m for m in session.exec(select(Material))}
        facilities = {f.code: f for f in session.exec(select(Facility))}
        for number, (facility_code, codes) in enumerate(seed_big.PLACEMENTS.items()):
            facility = facilities[facility_code]
            contract = StorageContract(number=f"HT-BENCH-{number}", bureau_id=materials[codes[0]].bureau_id,
                                       enterprise_id=facility.enterprise_id, starts_on=TODAY - timedelta(days=100),
                                       ends_on=TODAY + timedelta(days=265), status="active",
                                       requested_by=coordinator.id)
            session.add(contract)
            session.flush()
            for code in codes:
                session.add(ContractLine(contract_id=contract.id, material_id=materials[code].id,
                                         facility_id=facility.id, quantity=Decimal(50_000)))
        kept = {(m, e) for m, e in session.execute(
            select(ContractLine.material_id, StorageContract.enterprise_id)
            .join(StorageContract, StorageContract.id == ContractLine.contract_id))}
        for material in materials.values():
            session.add(CatalogueLine(version_id=catalogue.id, material_id=material.id,
                                      target_quantity=Decimal(1_000_000), bureau_id=material.bureau_id))
        for material_id, enterprise_id in sorted(kept)[::2]:  # half the pairs planned, half left to their contracts
            session.add(AnnualPlanLine(plan_id=plan.id, material_id=material_id, enterprise_id=enterprise_id,
                                       target_quantity=Decimal(2_000_000)))
        grain = session.exec(select(Organisation).where(Organisation.code == "ENT-GRAIN")).one()
        for n, code in enumerate(("WHEAT", "RICE", "MAIZE")):
            session.add(Rotation(code=f"ROT-BENCH-{n}", enterprise_id=grain.id, material_id=materials[code].id,
                                 mode="market", quantity=Decimal(500), window_days=30, status="approved",
                                 quantity_out=Decimal(300), quantity_in=Decimal(100), requested_by=clerk.id,
                                 approved_at=approved, window_ends_on=TODAY + timedelta(days=10)))
            session.add(Replenishment(code=f"RP-BENCH-{n}", source="scrap", material_id=materials[code].id,
                                      enterprise_id=grain.id, quantity=Decimal(200), status="confirmed",
                                      due_on=TODAY + timedelta(days=20)))
        session.commit()


@pytest.fixture(scope="module")
def big(bench_db: Engine) -> Engine:
    start = time.perf_counter()
    with create_app(make_config(SQLALCHEMY_DATABASE_URI=BENCH_URL)).app_context():  # the cold-chain check reads settings
        seed_big.seed(bench_db, lots=LOTS)
    _plans(bench_db)
    print(f"\nseeded {LOTS:,} lots, a plan in force, contracts and allowances in {time.perf_counter() - start:.0f} s")
    return bench_db


def test_coverage_against_the_bare_aggregate(big: Engine) -> None:
    app = create_app(make_config(SQLALCHEMY_DATABASE_URI=BENCH_URL))
    rows, results = [], {}
    with big.connect() as conn:
        bare = {name: median_ms(lambda sql=sql: conn.execute(text(sql), {"day": TODAY}).all(), RUNS)
                for name, sql in BARE.items()}
    with app.app_context(), Session(big) as session:
        for group, against in GROUPS.items():
            results[group] = coverage.coverage_rows(session, group=group, as_of=TODAY)
            ms = median_ms(lambda group=group: coverage.coverage_rows(session, group=group, as_of=TODAY), RUNS)
            rows.append([f"coverage_rows({group})", len(results[group]), ms, against, bare[against],
                         ms / bare[against]])
    client = app.test_client()
    headers = bearer(big, "coordinator")
    api_ms = median_ms(lambda: client.get("/api/v1/coverage?group_by=material", headers=headers), RUNS)
    rows.append(["GET /api/v1/coverage (material)", "", api_ms, "material", bare["material"],
                 api_ms / bare["material"]])
    print(table(f"coverage over {LOTS:,} lots (median of {RUNS}, ms)",
                ["computation", "rows", "ms", "bare aggregate", "bare ms", "ratio"], rows))
    planned = [row for row in results["material"] if row.plan_quantity is not None]
    assert planned and all(row.available > 0 for row in planned)
    assert any(row.allowed_shortfall > 0 for row in results["enterprise"])
    worst = max(row[-1] for row in rows[:-1])
    print(f"worst coverage_rows ratio {worst:.1f}x the bare aggregate: target {TARGET:.0f}x "
          f"{'met' if worst <= TARGET else 'MISSED'}\n")
    assert worst < CEILING, f"coverage is {worst:.1f}x the bare aggregate"
