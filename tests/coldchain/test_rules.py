"""Rules per storage class, overridable by setting and per facility (docs/coldchain.md, rules), and the
excursions' API: listing and acknowledgement."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from inventory.core.clock import utcnow
from inventory.services.coldchain import ingest, rules
from tests.coldchain.helpers import T0, detect, excursions, facility, feed, sensor, watch_as
from tests.helpers import assert_error, user_named


def test_the_setting_overrides_a_default_by_code(ctx, db):
    ctx.config["COLDCHAIN_RULES"] = {"medical_high": {"minutes": 120}}
    watch_as(db, "CS-02", "medical")
    _, in_force = rules.effective_rules(db, facility(db, "CS-02"))
    high = next(r for r in in_force if r.code == "medical_high")
    assert (high.minutes, high.origin, high.threshold) == (120, "setting", Decimal("8"))
    probe = sensor(db)
    feed(db, probe, 0, [8.5] * 121)
    detect(db)
    assert [e.duration_seconds for e in excursions(db, "medical_high")] == [7200]


def test_a_facility_override_and_a_switched_off_rule(ctx, db):
    place, admin = facility(db, "CS-02"), user_named(db, "admin")
    rules.set_rule(session=db, actor=admin, facility=place, rule=rules.Rule(
        "chilled_high", "celsius", "at_or_above", Decimal("6"), 10, "consecutive"))
    rules.set_rule(session=db, actor=admin, facility=place, active=False, rule=rules.Rule(
        "chilled_freeze", "celsius", "below", Decimal("0"), 60, "consecutive"))
    db.commit()
    probe = sensor(db)
    feed(db, probe, 0, [5.0] * 30 + [6.0] * 11 + [-3.0] * 90)
    detect(db)
    [found] = excursions(db)
    assert (found.rule_code, found.comparison, found.duration_seconds) == ("chilled_high", "at_or_above", 600)
    assert found.started_at == T0 + timedelta(minutes=30)


def test_humidity_rules_skip_readings_without_humidity(ctx, db):
    watch_as(db, "CS-02", "medical")
    probe = sensor(db)
    rows = [(probe.id, T0 + timedelta(minutes=i), Decimal("5"), Decimal("80") if i % 2 else None, None, None)
            for i in range(600)]
    ingest.store(db, rows)
    db.commit()
    detect(db)
    [humid] = excursions(db, "medical_humid")
    assert humid.started_at == T0 + timedelta(minutes=1) and humid.ended_at == T0 + timedelta(minutes=599)


def test_readings_older_than_the_retention_are_refused(ctx, db, api):
    sensor(db)
    old = (utcnow() - timedelta(days=401)).isoformat()
    body = api("coldclerk").post("/facilities/CS-02/readings", json={"readings": [
        {"at": old, "celsius": 3}]}).get_json()
    assert body["accepted"] == 0 and body["rejected"][0]["field"] == "at"


def test_excursions_are_listed_and_acknowledged_once(ctx, db, api):
    probe = sensor(db, facility_code="CS-01")
    feed(db, probe, 0, [-14])
    detect(db)
    listed = api("approver").get("/facilities/CS-01/excursions").get_json()["items"]
    assert [(e["rule_code"], e["peak"], e["sensors"], e["ongoing"]) for e in listed] == [
        ("frozen_rise", "-14.00", ["S1"], True)]
    assert api("coldclerk").get("/facilities/CS-01/excursions?ongoing=false").get_json()["items"] == []
    excursion = listed[0]["id"]
    assert_error(api("viewer").post(f"/excursions/{excursion}/acknowledge", json={"comment": "seen"}), 403,
                 "forbidden")
    assert_error(api("clerk").post(f"/excursions/{excursion}/acknowledge", json={"comment": "seen"}), 404,
                 "not_found")
    # the enterprise watched does not clear its own excursion, nor does a bureau not responsible for its stock
    for username in ("coldclerk", "approver"):
        assert_error(api(username).post(f"/excursions/{excursion}/acknowledge", json={"comment": "seen"}), 403,
                     "forbidden")
    assert_error(api("admin").post(f"/excursions/{excursion}/acknowledge", json={"comment": ""}), 422,
                 "validation_error")
    done = api("admin").post(f"/excursions/{excursion}/acknowledge", json={"comment": "door left open"})
    assert done.status_code == 200 and done.get_json()["comment"] == "door left open"
    assert_error(api("admin").post(f"/excursions/{excursion}/acknowledge", json={"comment": "again"}), 409,
                 "illegal_transition")
