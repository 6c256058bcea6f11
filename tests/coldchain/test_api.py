"""``POST /api/v1/facilities/{code}/readings`` and the monitoring endpoints (docs/api.md; docs/coldchain.md).
Gateways send temperature and humidity with the vehicle's position (cold-chain opinions §二(八)2,
温湿度监测和定位管控)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from inventory.models import Reading
from tests.coldchain.helpers import T0, sensor
from tests.helpers import assert_error


def _at(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).astimezone(timezone(timedelta(hours=8))).isoformat()


def _count(db) -> int:
    db.expire_all()
    return db.execute(select(func.count()).select_from(Reading)).scalar_one()


def test_a_mixed_batch_keeps_the_valid_readings_and_lists_the_rest(ctx, db, api):
    sensor(db, "S1")
    sensor(db, "S2")
    future = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
    readings = [
        {"at": _at(0), "celsius": 3.5, "humidity": 80, "sensor": "S1"},
        {"at": _at(1), "celsius": "3.25", "sensor": "S2"},
        {"at": _at(2), "celsius": "warm", "sensor": "S1"},                    # 2 not a number
        {"at": _at(3), "celsius": -100.5, "sensor": "S1"},                   # 3 absurd
        {"at": _at(4), "celsius": 101, "sensor": "S1"},                      # 4 absurd
        {"at": _at(5), "celsius": 3, "humidity": 101, "sensor": "S1"},       # 5 humidity
        {"at": future, "celsius": 3, "sensor": "S1"},                        # 6 future
        {"at": "2026-01-01T00:00:00", "celsius": 3, "sensor": "S1"},         # 7 no offset
        {"at": _at(8), "celsius": 3, "sensor": "NOPE"},                      # 8 unknown sensor
        {"at": _at(9), "celsius": 3},                                        # 9 which sensor?
        {"at": _at(10), "celsius": 3, "sensor": "S1", "lat": 39.5},          # 10 lat without lon
        "not an object",                                                     # 11
        {"at": _at(12), "celsius": 3, "sensor": "S1", "colour": "red"},      # 12 unknown field
        {"at": _at(13), "celsius": float("nan"), "sensor": "S1"},            # 13 NaN (sent as text below)
        {"at": _at(14), "celsius": True, "sensor": "S1"},                    # 14 not a number
        {"at": _at(15), "celsius": -100, "humidity": 0, "sensor": "S1", "lat": 39.52, "lon": 116.7},
    ]
    readings[13]["celsius"] = "NaN"
    response = api("coldclerk").post("/facilities/CS-02/readings", json={"readings": readings})
    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    assert (body["accepted"], body["stored"], body["duplicates"]) == (3, 3, 0)
    rejected = {r["index"]: r["field"] for r in body["rejected"]}
    assert rejected == {2: "celsius", 3: "celsius", 4: "celsius", 5: "humidity", 6: "at", 7: "at", 8: "sensor",
                        9: "sensor", 10: "lon", 11: "reading", 12: "colour", 13: "celsius", 14: "celsius"}
    assert all(r["error"] for r in body["rejected"])
    assert _count(db) == 3
    again = api("coldclerk").post("/facilities/CS-02/readings", json={"readings": readings[:2]}).get_json()
    assert (again["accepted"], again["stored"], again["duplicates"]) == (2, 0, 2)
    assert _count(db) == 3


def test_the_only_sensor_may_be_left_out(ctx, db, api):
    sensor(db, "ONLY", facility_code="CS-03")
    response = api("coldclerk").post("/facilities/CS-03/readings", json={"readings": [
        {"at": _at(0), "celsius": -19, "lat": 39.52, "lon": 116.7}]})
    assert response.status_code == 202 and response.get_json()["stored"] == 1


def test_more_than_ten_thousand_readings_store_nothing(ctx, db, api):
    sensor(db, "S1")
    many = [{"at": _at(i % 600), "celsius": 3, "sensor": "S1"} for i in range(10_001)]
    assert_error(api("coldclerk").post("/facilities/CS-02/readings", json={"readings": many}), 422,
                 "validation_error")
    assert _count(db) == 0


def test_ten_thousand_readings_are_taken(ctx, db, api):
    sensor(db, "S1")
    many = [{"at": _at(i), "celsius": 3, "sensor": "S1"} for i in range(10_000)]
    response = api("coldclerk").post("/facilities/CS-02/readings", json={"readings": many})
    past = sum(T0 + timedelta(minutes=i) <= datetime.now(timezone.utc) for i in range(10_000))
    assert response.status_code == 202
    stored = response.get_json()["stored"]
    assert past <= stored <= past + 2                                 # two days of minutes (and the clock skew)
    assert {r["field"] for r in response.get_json()["rejected"]} == {"at"}  # the rest lie in the future
    assert len(response.get_json()["rejected"]) == 10_000 - stored


def test_unknown_or_foreign_facilities(ctx, db, api):
    sensor(db, "S1")
    reading = {"readings": [{"at": _at(0), "celsius": 3, "sensor": "S1"}]}
    assert_error(api("coldclerk").post("/facilities/NOPE/readings", json=reading), 404, "not_found")
    assert_error(api("clerk").post("/facilities/CS-02/readings", json=reading), 404, "not_found")
    assert_error(api("approver").post("/facilities/CS-02/readings", json=reading), 403, "forbidden")
    assert_error(api("coldclerk").post("/facilities/CS-02/readings", json={"readings": []}), 422,
                 "validation_error")
    assert _count(db) == 0


def test_sensors_rules_and_acknowledgement(ctx, db, api):
    created = api("coldmanager").post("/facilities/CS-02/sensors",
                                      json={"code": "DOOR-1", "position": "by the door", "interval_seconds": 300})
    assert created.status_code == 201 and created.get_json()["interval_seconds"] == 300
    assert_error(api("coldmanager").post("/facilities/CS-02/sensors", json={"code": "DOOR-1"}), 409, "duplicate_code")
    assert_error(api("coldclerk").post("/facilities/CS-02/sensors", json={"code": "X"}), 403, "forbidden")
    assert [s["code"] for s in api("approver").get("/facilities/CS-02/sensors").get_json()["items"]] == ["DOOR-1"]
    rules = api("coldclerk").get("/facilities/CS-02/rules").get_json()
    assert rules["storage_class"] == "chilled" and {r["code"] for r in rules["rules"]} == {"chilled_high",
                                                                                           "chilled_freeze"}
    assert_error(api("coldmanager").post("/facilities/CS-02/rules", json={
        "code": "chilled_high", "comparison": "above", "threshold": 5, "minutes": 30}), 403, "forbidden")
    # the grain bureau watches no vegetables: only the bureaus responsible for what CS-02 stores, or an admin
    assert_error(api("approver").post("/facilities/CS-02/rules", json={
        "code": "chilled_high", "comparison": "above", "threshold": 5, "minutes": 30}), 403, "forbidden")
    changed = api("admin").post("/facilities/CS-02/rules", json={
        "code": "chilled_high", "comparison": "above", "threshold": 5, "minutes": 30, "note": "contract §3"})
    assert changed.status_code == 200
    [high] = [r for r in changed.get_json()["rules"] if r["code"] == "chilled_high"]
    assert (high["threshold"], high["minutes"], high["mode"], high["origin"]) == ("5.00", 30, "consecutive",
                                                                                  "facility")
    assert_error(api("admin").post("/facilities/CS-02/rules", json={
        "code": "x", "comparison": "above", "threshold": 5, "minutes": 30, "mode": "cumulative"}), 422,
        "validation_error")
    medical = api("admin").post("/facilities/CS-02/storage-class", json={"storage_class": "medical"})
    assert medical.get_json()["storage_class"] == "medical"
    assert_error(api("admin").post("/excursions/999/acknowledge", json={"comment": "x"}), 404, "not_found")


def test_a_reading_repeated_within_one_batch_is_stored_once(ctx, db, api):
    sensor(db, "S1")
    reading = {"at": _at(0), "celsius": 3, "sensor": "S1"}
    body = api("coldclerk").post("/facilities/CS-02/readings", json={"readings": [
        reading, {**reading, "celsius": 4}, {"at": _at(1), "celsius": 3, "sensor": "S1"}]}).get_json()
    assert (body["accepted"], body["stored"], body["duplicates"]) == (3, 2, 1)
    assert _count(db) == 2
