"""Daily checks of cold facilities (日检查制度, cold-chain opinions §二(八)1; docs/coldchain.md, daily checks)."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from sqlmodel import select

from inventory.core.clock import business_today, utcnow
from inventory.models import Alert, Sensor
from inventory.services.alerts import runs
from tests.coldchain.helpers import sensor
from tests.helpers import assert_error

OK = {"doors": True, "seals": True, "compressor": True, "recorder": True}


def test_the_keeper_records_one_check_a_day(ctx, db, api):
    made = api("coldclerk").post("/facilities/CS-02/daily-checks", json=OK)
    assert made.status_code == 201 and made.get_json()["day"] == business_today().isoformat()
    assert_error(api("coldmanager").post("/facilities/CS-02/daily-checks", json=OK), 409, "duplicate_check")
    yesterday = (business_today() - timedelta(days=1)).isoformat()
    assert_error(api("coldmanager").post("/facilities/CS-02/daily-checks",
                                         json={**OK, "day": yesterday, "compressor": False}), 422, "validation_error")
    noisy = api("coldmanager").post("/facilities/CS-02/daily-checks",
                                    json={**OK, "day": yesterday, "compressor": False, "remarks": "rattles"})
    assert noisy.status_code == 201 and noisy.get_json()["compressor"] is False
    too_old = (business_today() - timedelta(days=8)).isoformat()
    assert_error(api("coldclerk").post("/facilities/CS-02/daily-checks", json={**OK, "day": too_old}), 422,
                 "validation_error")
    ahead = (business_today() + timedelta(days=1)).isoformat()
    assert_error(api("coldclerk").post("/facilities/CS-02/daily-checks", json={**OK, "day": ahead}), 422,
                 "validation_error")
    assert_error(api("approver").post("/facilities/CS-02/daily-checks", json=OK), 403, "forbidden")
    assert_error(api("reliefclerk").post("/facilities/CS-02/daily-checks", json=OK), 404, "not_found")
    listed = api("approver").get("/facilities/CS-02/daily-checks").get_json()["items"]
    assert [c["day"] for c in listed] == [yesterday, business_today().isoformat()]


def test_the_facility_page_shows_the_checks(ctx, db, api, login_as):
    api("coldclerk").post("/facilities/CS-02/daily-checks", json={**OK, "seals": False, "remarks": "door seal torn"})
    html = login_as("coldmanager").get("/coldchain/facilities/CS-02").get_data(as_text=True)
    assert 'id="daily-checks"' in html and "door seal torn" in html


def test_a_missing_check_of_a_monitored_facility_alerts_until_recorded(ctx, db, api):
    probe = sensor(db)
    db.execute(Sensor.__table__.update().where(Sensor.id == probe.id)
               .values(created_at=utcnow() - timedelta(days=3)))
    db.commit()
    runs.run_scans(session=db, name="daily_check_missing")
    db.commit()
    db.expire_all()
    missing = db.exec(select(Alert).where(Alert.kind == "daily_check_missing")).all()
    days = sorted(a.payload["day"] for a in missing)
    assert len(days) in (3, 4) and days[-1] == (business_today() - timedelta(days=1)).isoformat()
    assert {a.payload["facility"] for a in missing} == {"CS-02"}         # no sensor elsewhere: not monitored
    for day in days:
        api("coldclerk").post("/facilities/CS-02/daily-checks", json={**OK, "day": day})
    runs.run_scans(session=db, name="daily_check_missing")
    db.commit()
    db.expire_all()
    assert {a.state for a in db.exec(select(Alert).where(Alert.kind == "daily_check_missing"))} == {"resolved"}


def test_the_first_missing_day_is_the_beijing_day_the_first_sensor_was_registered(ctx, db):
    """Registered 20:18 UTC = 04:18 the next day in Beijing: the UTC day before is not owed a check."""
    utc_day = business_today() - timedelta(days=5)
    probe = sensor(db)
    db.execute(Sensor.__table__.update().where(Sensor.id == probe.id).values(
        created_at=datetime.combine(utc_day, time(20, 18), timezone.utc)))
    db.commit()
    runs.run_scans(session=db, name="daily_check_missing", as_of=utc_day + timedelta(days=3))
    db.commit()
    days = sorted(a.payload["day"] for a in db.exec(select(Alert).where(Alert.kind == "daily_check_missing")))
    assert days == [(utc_day + timedelta(days=n)).isoformat() for n in (1, 2)]


def test_the_check_items_are_strict_booleans(ctx, db, api):
    """docs/api.md: ``"true"`` is not a boolean in a body; nothing is recorded."""
    error = assert_error(api("coldclerk").post("/facilities/CS-02/daily-checks", json={**OK, "doors": "true"}), 422,
                         "validation_error")
    assert "doors" in error["fields"]
    assert api("coldclerk").get("/facilities/CS-02/daily-checks").get_json()["items"] == []


def test_a_scan_as_of_a_future_day_owes_no_check_for_days_not_over(ctx, db):
    """As the expiry scan's marking: ``--as-of`` a later day looks no later than today."""
    probe = sensor(db)
    db.execute(Sensor.__table__.update().where(Sensor.id == probe.id).values(created_at=utcnow() - timedelta(days=3)))
    db.commit()
    runs.run_scans(session=db, name="daily_check_missing", as_of=business_today() + timedelta(days=3))
    db.commit()
    days = {a.payload["day"] for a in db.exec(select(Alert).where(Alert.kind == "daily_check_missing"))}
    assert days and max(days) == (business_today() - timedelta(days=1)).isoformat()
