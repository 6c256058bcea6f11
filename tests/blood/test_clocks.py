"""Reporting clocks (blood-supply emergency plan §三(三)2): from the moment the health commission receives the
event, Level III is reported to the city party committee and government and to the provincial health department
within 1.5 hours; Levels II and I by phone within 20 minutes and in writing within 35 minutes, to both. Time is
fixed: each clock is checked one minute before and one minute after its deadline."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from inventory.core.clock import utcnow
from inventory.core.errors import Forbidden, Invalid
from inventory.models import BloodEmergency, BloodNotice
from inventory.services.blood import clocks
from tests.alerts.helpers import alerts_of, scan
from tests.blood.helpers import station
from tests.helpers import assert_error, count_rows, user_named

T0 = datetime(2025, 10, 9, 9, 0, tzinfo=timezone.utc)
MINUTE = timedelta(minutes=1)


def _emergency(db, level: str, at: datetime = T0) -> BloodEmergency:
    row = BloodEmergency(station_id=station(db).id, level=level, origin="computed", status="proposed",
                         basis_date=at.date(), rule="low_stock", proposed_at=at)
    db.add(row)
    db.commit()
    return row


def _notice(db, emergency, recipient: str, channel: str, at: datetime) -> None:
    clocks.record_notice(session=db, actor=user_named(db, "health"), emergency_id=emergency.id, recipient=recipient,
                         channel=channel, reported_at=at, now=at + MINUTE)
    db.commit()


@pytest.mark.usefixtures("ctx")
@pytest.mark.parametrize("level, channel, allowed", [
    ("III", None, timedelta(hours=1, minutes=30)),
    ("II", "phone", timedelta(minutes=20)), ("II", "written", timedelta(minutes=35)),
    ("I", "phone", timedelta(minutes=20)), ("I", "written", timedelta(minutes=35)),
])
def test_each_clock_is_due_exactly_on_time(db, level, channel, allowed):
    emergency = _emergency(db, level)
    found = {(c.recipient, c.channel): c for c in clocks.clocks(db, emergency)}
    assert set(found) == {(r, ch) for r in ("city", "province")
                          for ch in ((None,) if level == "III" else ("phone", "written"))}
    for recipient in ("city", "province"):
        clock = found[(recipient, channel)]
        assert clock.due_at == T0 + allowed
        assert not clock.overdue(T0 + allowed - MINUTE)
        assert not clock.overdue(T0 + allowed)
        assert clock.overdue(T0 + allowed + MINUTE)
    # one minute before the deadline to the city, one minute after to the province
    _notice(db, emergency, "city", channel or "written", T0 + allowed - MINUTE)
    _notice(db, emergency, "province", channel or "phone", T0 + allowed + MINUTE)
    found = {(c.recipient, c.channel): c for c in clocks.clocks(db, emergency)}
    on_time, late = found[("city", channel)], found[("province", channel)]
    assert (on_time.met_at, on_time.overdue(T0 + timedelta(days=1))) == (T0 + allowed - MINUTE, False)
    assert (late.met_at, late.overdue(T0 + timedelta(days=1))) == (T0 + allowed + MINUTE, True)


@pytest.mark.usefixtures("ctx")
def test_a_phone_call_does_not_meet_the_written_clock_and_level_iv_has_none(db):
    emergency = _emergency(db, "II")
    _notice(db, emergency, "city", "phone", T0 + 5 * MINUTE)
    found = {(c.recipient, c.channel): c for c in clocks.clocks(db, emergency)}
    assert found[("city", "phone")].met_at == T0 + 5 * MINUTE
    assert found[("city", "written")].met_at is None and found[("province", "phone")].met_at is None
    assert clocks.clocks(db, _emergency(db, "IV")) == []


@pytest.mark.usefixtures("ctx")
def test_bad_reports_are_refused_and_only_health_officers_record_them(db):
    emergency = _emergency(db, "III")
    health = user_named(db, "health")
    for username in ("blood", "admin", "gov"):
        with pytest.raises(Forbidden):
            clocks.record_notice(session=db, actor=user_named(db, username), emergency_id=emergency.id,
                                 recipient="city", channel="phone", reported_at=T0 + MINUTE)
    for recipient, channel, at, field in (("mayor", "phone", T0 + MINUTE, "recipient"),
                                          ("city", "fax", T0 + MINUTE, "channel"),
                                          ("city", "phone", T0 - MINUTE, "reported_at"),
                                          ("city", "phone", utcnow() + timedelta(hours=1), "reported_at"),
                                          ("city", "phone", datetime(2025, 10, 9, 10), "reported_at")):
        with pytest.raises(Invalid) as refused:
            clocks.record_notice(session=db, actor=health, emergency_id=emergency.id, recipient=recipient,
                                 channel=channel, reported_at=at)
        assert field in refused.value.fields
    db.rollback()
    assert count_rows(db, BloodNotice) == 0


@pytest.mark.usefixtures("ctx")
def test_an_unmet_clock_raises_report_overdue_until_the_report_is_recorded(db):
    started = utcnow() - timedelta(hours=2)
    emergency = _emergency(db, "III", started)
    fresh = _emergency(db, "II", utcnow() - 10 * MINUTE)  # its clocks are not due yet
    outcome = scan(db, "report_overdue")
    assert outcome.opened == 2
    alerts = alerts_of(db, "report_overdue")
    assert {(a.severity, a.payload["emergency_id"], a.payload["recipient"], a.payload["channel"]) for a in alerts} \
        == {("critical", emergency.id, "city", None), ("critical", emergency.id, "province", None)}
    assert all(a.escalate_at is not None for a in alerts), "critical: it escalates"
    _notice(db, emergency, "city", "written", started + timedelta(hours=1))
    assert scan(db, "report_overdue").resolved == 1
    assert fresh.id not in {a.payload["emergency_id"] for a in alerts_of(db, "report_overdue")}


def test_the_clocks_over_the_api(api, db):
    declared = api("health").post("/blood/emergencies", json={"level": "I", "reason": "国家卫生健康委认定"})
    emergency = declared.get_json()
    detail = api("coordinator").get(f"/blood/emergencies/{emergency['id']}").get_json()
    assert len(detail["clocks"]) == 4 and detail["notices"] == []
    phone = next(c for c in detail["clocks"] if c["recipient"] == "city" and c["channel"] == "phone")
    assert datetime.fromisoformat(phone["due_at"]) - datetime.fromisoformat(phone["started_at"]) == \
        timedelta(minutes=20)
    assert_error(api("blood").post(f"/blood/emergencies/{emergency['id']}/notices",
                                   json={"recipient": "city", "channel": "phone"}), 403, "forbidden")
    assert_error(api("health").post(f"/blood/emergencies/{emergency['id']}/notices",
                                    json={"recipient": "city", "channel": "phone",
                                          "reported_at": "2025-10-09T10:00:00"}), 422, "validation_error")
    assert_error(api("health").post("/blood/emergencies/999999/notices",
                                    json={"recipient": "city", "channel": "phone"}), 404, "not_found")
    recorded = api("health").post(f"/blood/emergencies/{emergency['id']}/notices",
                                  json={"recipient": "city", "channel": "phone", "note": "电话报告市政府值班室"})
    assert recorded.status_code == 201, recorded.get_json()
    body = recorded.get_json()
    assert [(n["recipient"], n["channel"], n["note"]) for n in body["notices"]] == [("city", "phone", "电话报告市政府值班室")]
    met = next(c for c in body["clocks"] if c["recipient"] == "city" and c["channel"] == "phone")
    assert met["met_at"] and met["overdue"] is False
    assert_error(api("clerk").get(f"/blood/emergencies/{emergency['id']}"), 403, "forbidden")
