"""The blood alert kinds through the one alerts engine: ``blood_low_stock`` per group and total,
``blood_emergency`` with its level and colour (blood-supply emergency plan §一(五), §三(二)), and
``report_missing`` for a day not reported by the due hour of the next day (§六(九): no late or missing reports)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from inventory.core.clock import BUSINESS_TZ
from inventory.core.vocab import BloodGroup
from inventory.models import Alert, BloodEmergency
from inventory.services.blood import scans as blood_scans
from tests.alerts.helpers import alerts_of, scan
from tests.blood.helpers import day_lines, station, write_series
from tests.helpers import count_rows, org_coded

D = date.fromisoformat


def _a_low(until_normal: date | None = None):
    def lines(day: date):
        low = day >= D("2025-09-24") and (until_normal is None or day < until_normal)
        return day_lines({"A": Decimal(30)} if low else {})
    return lines


def _by_key(db, kind: str) -> dict[str, Alert]:
    return {a.dedup_key.split(":", 2)[-1]: a for a in alerts_of(db, kind)}


@pytest.mark.usefixtures("ctx")
def test_low_stock_opens_per_group_escalates_with_the_level_and_resolves(db):
    write_series(db, D("2025-08-10"), D("2025-10-20"), _a_low(until_normal=D("2025-10-15")))
    first = scan(db, "blood_low_stock", D("2025-09-26"))
    assert (first.opened, first.resolved) == (1, 0)
    alert = _by_key(db, "blood_low_stock")["A"]
    assert (alert.severity, alert.state, alert.subject_type, alert.subject_id) == (
        "warning", "open", "blood_station", station(db).id)
    assert alert.bureau_id == org_coded(db, "BUR-HEALTH").id
    assert alert.payload == {"station": "BLOOD", "group": "A", "based_on": "2025-09-26", "on_hand": "30.000",
                             "daily_use": "10.000", "days_of_supply": "3.00", "low_streak_working_days": 3}
    assert scan(db, "blood_low_stock", D("2025-09-29")).escalated == 1
    assert _by_key(db, "blood_low_stock")["A"].severity == "critical"
    assert scan(db, "blood_low_stock", D("2025-10-20")).resolved == 1
    assert _by_key(db, "blood_low_stock")["A"].state == "resolved"


@pytest.mark.usefixtures("ctx")
def test_a_low_total_is_its_own_alert(db):
    write_series(db, D("2025-08-10"), D("2025-09-30"), lambda day: day_lines(
        {g: Decimal(29) for g in BloodGroup.values()} if day >= D("2025-09-24") else {}))
    scan(db, "blood_low_stock", D("2025-09-30"))
    assert set(_by_key(db, "blood_low_stock")) == {"A", "B", "O", "AB", "total"}
    assert _by_key(db, "blood_low_stock")["total"].payload["days_of_supply"] == "2.90"


@pytest.mark.usefixtures("ctx")
def test_the_emergency_alert_carries_the_level_and_colour_and_records_the_proposal(db):
    write_series(db, D("2025-08-10"), D("2025-10-20"), _a_low(until_normal=D("2025-10-15")))
    assert scan(db, "blood_emergency", D("2025-09-26")).opened == 0
    outcome = scan(db, "blood_emergency", D("2025-09-29"))
    assert (outcome.opened, outcome.prepared) == (1, 1)
    alert = alerts_of(db, "blood_emergency")[0]
    assert (alert.severity, alert.payload["level"], alert.payload["colour"], alert.payload["confirmed"]) == (
        "warning", "IV", "blue", False)
    proposal = db.exec(select(BloodEmergency)).one()
    assert (proposal.level, proposal.status, proposal.basis_date) == ("IV", "proposed", D("2025-09-29"))
    again = scan(db, "blood_emergency", D("2025-09-30"))
    assert (again.refreshed, again.prepared) == (1, 0)
    assert scan(db, "blood_emergency", D("2025-10-09")).escalated == 1
    alert = alerts_of(db, "blood_emergency")[0]
    assert (alert.severity, alert.payload["level"], alert.payload["colour"]) == ("critical", "III", "yellow")
    assert count_rows(db, BloodEmergency) == 2
    # stock normal again and nothing confirmed: no level is in force, the alert resolves
    assert scan(db, "blood_emergency", D("2025-10-20")).resolved == 1


def test_the_health_commission_sees_the_blood_alerts_and_an_enterprise_does_not(app, db, api):
    write_series(db, D("2025-08-10"), D("2025-09-29"), _a_low())
    with app.app_context():
        scan(db, "blood", D("2025-09-29"))
    kinds = {a["kind"] for a in api("health").get("/alerts?limit=500").get_json()["items"]}
    assert {"blood_low_stock", "blood_emergency"} <= kinds
    assert not {a["kind"] for a in api("clerk").get("/alerts?limit=500").get_json()["items"]} & {
        "blood_low_stock", "blood_emergency", "report_missing"}


@pytest.mark.usefixtures("ctx")
def test_a_missing_report_is_raised_after_the_due_hour_and_resolves_when_filed(app, db):
    gap = D("2025-09-25")
    write_series(db, D("2025-09-01"), D("2025-09-30"), lambda day: None if day == gap else day_lines())
    outcome = scan(db, "report_missing", D("2025-09-28"))
    assert outcome.opened == 1
    alert = alerts_of(db, "report_missing")[0]
    assert (alert.dedup_key, alert.payload["report_date"], alert.payload["due_hour"]) == (
        f"report_missing:{station(db).id}:2025-09-25", "2025-09-25", 10)
    write_series(db, gap, gap, lambda day: day_lines())
    assert scan(db, "report_missing", D("2025-09-28")).resolved == 1


@pytest.mark.usefixtures("ctx")
@pytest.mark.parametrize("hour, minute, missing", [(9, 59, False), (10, 0, True)])
def test_a_report_is_due_at_the_configured_hour_of_the_next_day(app, db, hour, minute, missing):
    write_series(db, D("2025-09-01"), D("2025-09-24"), lambda day: day_lines())
    now = datetime.combine(D("2025-09-26"), time(hour, minute), BUSINESS_TZ)
    found = blood_scans.missing_days(db, station(db).id, D("2025-09-26"), now)
    assert found == ([D("2025-09-25")] if missing else [])
    app.config["BLOOD_REPORT_DUE_HOUR"] = 9
    assert blood_scans.missing_days(db, station(db).id, D("2025-09-26"), now) == [D("2025-09-25")]
    app.config["BLOOD_REPORT_DUE_HOUR"] = 23
    assert blood_scans.missing_days(db, station(db).id, D("2025-09-26"), now + timedelta(hours=12)) == []


@pytest.mark.usefixtures("ctx")
def test_the_demo_station_has_no_missing_day_and_no_level_today(db):
    outcomes = scan(db, "blood")
    assert [o.kind for o in outcomes] == ["blood_low_stock", "blood_emergency", "report_missing", "report_overdue",
                                          "donor_compliance", "collection_points"]
    assert alerts_of(db, "report_missing") == [] and alerts_of(db, "blood_emergency") == []
    assert alerts_of(db, "report_overdue") == []
    assert set(_by_key(db, "blood_low_stock")) == {"AB"}
    assert _by_key(db, "blood_low_stock")["AB"].payload["low_streak_working_days"] == 4


def _two_episodes(day: date):
    low = D("2025-09-24") <= day < D("2025-10-11") or day >= D("2025-11-03")
    return day_lines({"A": Decimal(30)} if low else {})


@pytest.mark.usefixtures("ctx")
def test_an_unconfirmed_proposal_of_an_earlier_streak_does_not_stop_a_new_one(db):
    write_series(db, D("2025-08-10"), D("2025-11-10"), _two_episodes)
    assert scan(db, "blood_emergency", D("2025-09-29")).prepared == 1
    assert scan(db, "blood_emergency", D("2025-10-02")).prepared == 0, "the same streak proposes once"
    assert scan(db, "blood_emergency", D("2025-11-07")).prepared == 1
    assert [(e.level, e.basis_date) for e in db.exec(select(BloodEmergency).order_by(BloodEmergency.id))] == [
        ("IV", D("2025-09-29")), ("IV", D("2025-11-07"))]


@pytest.mark.usefixtures("ctx")
def test_a_confirmed_level_in_force_is_not_proposed_again(db):
    from inventory.services.blood import levels
    from tests.helpers import user_named

    write_series(db, D("2025-08-10"), D("2025-11-10"), _two_episodes)
    scan(db, "blood_emergency", D("2025-09-29"))
    first = db.exec(select(BloodEmergency)).one()
    levels.confirm(session=db, actor=user_named(db, "health"), emergency_id=first.id)
    db.commit()
    assert scan(db, "blood_emergency", D("2025-11-07")).prepared == 0
    assert count_rows(db, BloodEmergency) == 1
