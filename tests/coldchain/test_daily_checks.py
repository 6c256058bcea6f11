"""Daily checks of cold facilities (日检查制度, cold-chain opinions §二(八)1; docs/coldchain.md, daily checks)."""
from __future__ import annotations

from datetime import timedelta

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
