"""``below_plan`` through the alerts interface (docs/plans.md, "Coverage"), on the fixture of test_coverage.py:
COV-RICE 770 of 1000 (allowed 170) warns; COV-TENT 30 of 50 is critical; ENT-GRAIN 420 of 600 (allowed 140)
warns; ENT-BAZHOU 270 of 300 is short by exactly what its replenishment allows, so no alert; ENT-COLD is covered.

reserve-materials-measures §二(三) (the plan is the floor), §三 (rotation window), §四(一)–(二) (dispatch and
replenishment)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from inventory.models import Alert, Replenishment
from inventory.services.alerts import runs
from tests.helpers import org_coded
from tests.plans.test_coverage import build_city, stamp


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


def _scan(db, day) -> dict[str, Alert]:
    runs.run_scans(session=db, name="coverage", as_of=day)
    db.commit()
    db.expire_all()
    return {a.dedup_key: a for a in db.exec(select(Alert).where(Alert.kind == "below_plan", Alert.state != "resolved"))}


def test_below_plan_per_material_and_per_enterprise_unless_allowed(ctx, db):
    city = build_city(db)
    grain, bazhou = org_coded(db, "ENT-GRAIN"), org_coded(db, "ENT-BAZHOU")
    fixture = (f":{city.rice.id}", f":{city.tent.id}")  # the demo's own materials have alerts of their own
    alerts = {key: alert for key, alert in _scan(db, city.day).items() if key.endswith(fixture)}
    rice, tent = f"below_plan:material:{city.rice.id}", f"below_plan:material:{city.tent.id}"
    share = f"below_plan:enterprise:{grain.id}:{city.rice.id}"
    assert set(alerts) == {rice, tent, share}
    assert f"below_plan:enterprise:{bazhou.id}:{city.rice.id}" not in alerts  # fully allowed
    assert alerts[rice].severity == "warning" and alerts[tent].severity == "critical"
    assert alerts[share].severity == "warning"  # 0.7 exactly is not below 0.7
    assert alerts[rice].payload == {
        "scope": "city", "material": "COV-RICE", "unit": "cov-t", "plan": "1000.000", "available": "770.000",
        "allowed": "170.000", "shortfall": "230.000", "coverage": "0.7700",
        "reasons": "dispatch:DSP-COV-1,replenishment:RP-COV-1,rotation:ROT-COV-1"}
    assert alerts[share].enterprise_id == grain.id and alerts[share].district_id == grain.district_id
    assert alerts[share].payload["allowed"] == "140.000" and alerts[share].payload["coverage"] == "0.7000"
    assert alerts[tent].bureau_id == org_coded(db, "BUR-EMERGENCY").id and alerts[tent].payload["reasons"] == ""


def test_a_shortfall_that_becomes_fully_allowed_resolves(ctx, db):
    city = build_city(db)
    grain = org_coded(db, "ENT-GRAIN")
    share = f"below_plan:enterprise:{grain.id}:{city.rice.id}"
    assert share in _scan(db, city.day)
    # a replenishment of 40 within its due date: allowed 180 = the shortfall of 180
    db.add(Replenishment(code="RP-COV-9", source="scrap", material_id=city.rice.id, enterprise_id=grain.id,
                         quantity=Decimal(40), due_on=city.day + timedelta(days=5), status="proposed",
                         created_at=stamp(city.day - timedelta(days=1))))
    db.commit()
    assert share not in _scan(db, city.day)


def test_the_thresholds_are_settings(ctx, db):
    city = build_city(db)
    grain = org_coded(db, "ENT-GRAIN")
    ctx.config.update(COVERAGE_CRITICAL_RATIO="0.75", COVERAGE_WARNING_RATIO="0.76")
    alerts = _scan(db, city.day)
    assert alerts[f"below_plan:enterprise:{grain.id}:{city.rice.id}"].severity == "critical"  # 0.70 < 0.75
    assert alerts[f"below_plan:material:{city.rice.id}"].severity == "info"  # 0.77: below plan, above 0.76
