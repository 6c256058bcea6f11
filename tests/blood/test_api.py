"""``/api/v1/blood``: filing reports as the blood station, corrections, bad input that writes nothing, the status
of any day in the API.md shape, confirming a computed level and declaring Levels II and I as the health commission,
and who may do what (blood-supply emergency plan §一(五), §三(二), §三(三))."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from inventory.core.clock import business_today
from inventory.models import AuditEvent, BloodEmergency, BloodReport, BloodReportLine
from tests.blood.helpers import day_lines, station, write_series
from tests.helpers import assert_error, count_rows, user_named

D = date.fromisoformat


def line(group="A", rh="pos", component="red_cells", on_hand=50, collected=10, issued=10) -> dict:
    return {"group": group, "rh": rh, "component": component, "on_hand": on_hand, "collected": collected,
            "issued": issued}


def report(day: date, *lines: dict, **extra) -> dict:
    return {"date": day.isoformat(), "lines": list(lines) or [line()], **extra}


def test_the_station_files_a_report_and_reads_it_back(api, db):
    day = D("2025-03-03")
    response = api("blood").post("/blood/reports", json=report(
        day, line(), line("O", "neg", "platelets", "2.5", 1, "0.5"), note="夜班上报"))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["station"], body["date"], body["revision"], body["note"]) == ("BLOOD", "2025-03-03", 1, "夜班上报")
    assert body["filed_by"] == user_named(db, "blood").id and body["corrected_by"] is None
    assert [(x["group"], x["rh"], x["component"], x["on_hand"], x["issued"]) for x in body["lines"]] == [
        ("A", "pos", "red_cells", "50.000", "10.000"), ("O", "neg", "platelets", "2.500", "0.500")]
    listed = api("health").get("/blood/reports?from=2025-03-01&to=2025-03-31")
    assert listed.status_code == 200
    assert [r["id"] for r in listed.get_json()["items"]] == [body["id"]]
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "blood_report.file")).one()
    assert (event.entity_id, event.org_id, event.before) == (str(body["id"]), station(db).id, None)
    assert event.after["lines"][1] == {"group": "O", "rh": "neg", "component": "platelets", "on_hand": "2.5",
                                       "collected": "1", "issued": "0.5"}


def test_a_second_report_of_a_day_is_a_conflict_unless_it_corrects_with_an_audit_trail(api, db):
    day = D("2025-03-04")
    first = api("blood").post("/blood/reports", json=report(day, line(on_hand=50)))
    assert first.status_code == 201
    error = assert_error(api("blood").post("/blood/reports", json=report(day, line(on_hand=40))), 409,
                         "duplicate_report")
    assert "date" in error["fields"]
    lines_now = db.exec(select(BloodReportLine).join(BloodReport).where(BloodReport.report_date == day)).all()
    assert [x.on_hand for x in lines_now] == [Decimal(50)]
    corrected = api("blood").post("/blood/reports", json=report(day, line(on_hand=40), line("B"), replace=True))
    assert corrected.status_code == 200, corrected.get_json()
    body = corrected.get_json()
    assert (body["id"], body["revision"], body["corrected_by"]) == (first.get_json()["id"], 2,
                                                                    user_named(db, "blood").id)
    assert [(x["group"], x["on_hand"]) for x in body["lines"]] == [("A", "40.000"), ("B", "50.000")]
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "blood_report.correct")).one()
    assert event.before["revision"] == 1 and event.before["lines"][0]["on_hand"] == "50.000"
    assert event.after["revision"] == 2 and len(event.after["lines"]) == 2


@pytest.mark.parametrize("body, field", [
    (report(D("2025-03-05"), line(on_hand=-1)), "lines[0].on_hand"),
    (report(D("2025-03-05"), line(issued="-0.5")), "lines[0].issued"),
    (report(D("2025-03-05"), line(group="C")), "lines[0].group"),
    (report(D("2025-03-05"), line(rh="positive")), "lines[0].rh"),
    (report(D("2025-03-05"), line(component="whole_blood")), "lines[0].component"),
    (report(D("2025-03-05"), line(collected="1.2345")), "lines[0].collected"),
    ({"date": "2025-03-05", "lines": []}, "lines"),
    ({"date": "2025-02-30", "lines": [line()]}, "date"),
    (report(D("2025-03-05"), line(), line()), "lines[1]"),
])
def test_bad_input_is_refused_with_its_field_and_writes_nothing(api, db, body, field):
    officer = api("blood")  # its token is issued (and audited) now
    before = count_rows(db, BloodReport), count_rows(db, BloodReportLine), count_rows(db, AuditEvent)
    error = assert_error(officer.post("/blood/reports", json=body), 422, "validation_error")
    assert field in error["fields"], error
    assert (count_rows(db, BloodReport), count_rows(db, BloodReportLine), count_rows(db, AuditEvent)) == before


def test_a_report_for_a_day_after_today_is_refused(api, db):
    before = count_rows(db, BloodReport)
    tomorrow = business_today() + timedelta(days=1)
    error = assert_error(api("blood").post("/blood/reports", json=report(tomorrow)), 422, "validation_error")
    assert "date" in error["fields"]
    assert count_rows(db, BloodReport) == before
    today = api("blood").post("/blood/reports", json=report(business_today(), replace=True))
    assert today.status_code in (200, 201)


@pytest.mark.parametrize("username", ["health", "admin", "clerk", "approver", "coordinator", "gov", "viewer"])
def test_only_the_blood_station_files_reports(api, db, username):
    before = count_rows(db, BloodReport)
    assert_error(api(username).post("/blood/reports", json=report(D("2025-03-06"))), 403, "forbidden")
    assert count_rows(db, BloodReport) == before


@pytest.mark.parametrize("username, status", [
    ("blood", 200), ("health", 200), ("admin", 200), ("coordinator", 200), ("gov", 200), ("viewer", 200),
    ("clerk", 403), ("manager", 403), ("officer", 403), ("approver", 403), ("inspector", 403),
])
def test_who_reads_the_reports_the_status_and_the_levels(api, username, status):
    for path in ("/blood/reports", "/blood/status", "/blood/emergencies"):
        assert api(username).get(path).status_code == status, path


def test_the_status_has_the_api_shape_and_follows_the_levels(api, db):
    write_series(db, D("2025-08-10"), D("2025-10-10"),
                 lambda day: day_lines({"A": Decimal(30)} if day >= D("2025-09-24") else {}))
    response = api("health").get("/blood/status?as_of=2025-09-28")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert {"as_of", "level", "colour", "groups", "total", "collection_deficit_streak_days"} <= set(body)
    assert (body["as_of"], body["station"], body["based_on"], body["level"], body["colour"]) == (
        "2025-09-28", "BLOOD", "2025-09-28", None, None)
    a = next(g for g in body["groups"] if g["group"] == "A")
    assert {k: a[k] for k in ("on_hand", "daily_use", "days_of_supply", "low", "low_streak_working_days")} == {
        "on_hand": "30.000", "daily_use": "10.000", "days_of_supply": "3.00", "low": True,
        "low_streak_working_days": 4}
    assert [g["group"] for g in body["groups"]] == ["A", "B", "O", "AB"] and body["total"]["group"] == "total"
    assert body["total"]["days_of_supply"] == "4.50" and body["total"]["low"] is False
    iv = api("health").get("/blood/status?as_of=2025-09-29").get_json()
    assert (iv["level"], iv["colour"], iv["computed_level"], iv["computed_rule"]) == ("IV", "blue", "IV", "low_stock")
    iii = api("blood").get("/blood/status?as_of=2025-10-09").get_json()
    assert (iii["level"], iii["colour"]) == ("III", "yellow")
    for bad in ("1999-12-31", "not-a-day", (business_today() + timedelta(days=400)).isoformat()):
        assert_error(api("health").get(f"/blood/status?as_of={bad}"), 422, "validation_error")
    assert_error(api("health").get("/blood/status?station=ENT-GRAIN"), 404, "not_found")


def _file_series(api, db, until: date) -> list[dict]:
    """History written straight in up to 23 September 2025, then group A at 3.00 days filed over the API."""
    write_series(db, D("2025-08-10"), D("2025-09-23"), lambda day: day_lines())
    lines = [line(g, on_hand=30 if g == "A" else 50) for g in ("A", "B", "O", "AB")]
    day, filed = D("2025-09-24"), []
    while day <= until:
        response = api("blood").post("/blood/reports", json=report(day, *lines))
        assert response.status_code == 201, response.get_json()
        filed.append(response.get_json())
        day += timedelta(days=1)
    return filed


def test_a_computed_level_is_proposed_then_confirmed_by_the_health_commission(api, db):
    _file_series(api, db, D("2025-09-28"))
    assert count_rows(db, BloodEmergency) == 0
    _file_series_more = api("blood").post("/blood/reports", json=report(
        D("2025-09-29"), *[line(g, on_hand=30 if g == "A" else 50) for g in ("A", "B", "O", "AB")]))
    assert _file_series_more.status_code == 201
    proposed = api("health").get("/blood/emergencies?status=proposed").get_json()["items"]
    assert [(e["level"], e["colour"], e["origin"], e["basis_date"], e["rule"], e["confirmed_at"]) for e in proposed] \
        == [("IV", "blue", "computed", "2025-09-29", "low_stock", None)]
    emergency = proposed[0]
    assert emergency["proposed_at"]
    for username in ("blood", "admin", "gov", "coordinator", "clerk"):
        assert api(username).post(f"/blood/emergencies/{emergency['id']}/confirm", json={}).status_code == 403
    confirmed = api("health").post(f"/blood/emergencies/{emergency['id']}/confirm", json={"note": "发布蓝色预警"})
    assert confirmed.status_code == 200, confirmed.get_json()
    body = confirmed.get_json()
    assert (body["status"], body["confirmed_by"], body["confirm_note"]) == (
        "confirmed", user_named(db, "health").id, "发布蓝色预警")
    assert body["confirmed_at"] >= body["proposed_at"]
    assert_error(api("health").post(f"/blood/emergencies/{emergency['id']}/confirm", json={}), 409,
                 "illegal_transition")
    assert_error(api("health").post("/blood/emergencies/999999/confirm", json={}), 404, "not_found")
    # not yet confirmed on the day it was computed; confirmed today, it stays in force until terminated (§五),
    # even on a day whose computed level is none
    then = api("health").get("/blood/status?as_of=2025-09-29").get_json()
    assert (then["level"], then["emergencies"]) == ("IV", [])
    now = api("health").get("/blood/status").get_json()
    assert (now["computed_level"], now["level"], now["colour"]) == (None, "IV", "blue")
    assert [e["id"] for e in now["emergencies"]] == [body["id"]]


def test_escalation_to_level_iii_is_a_second_proposal_beside_the_first(api, db):
    _file_series(api, db, D("2025-10-09"))
    rows = db.exec(select(BloodEmergency).order_by(BloodEmergency.id)).all()
    assert [(r.level, r.status, r.basis_date) for r in rows] == [
        ("IV", "proposed", D("2025-09-29")), ("III", "proposed", D("2025-10-09"))]
    assert [e.action for e in db.exec(select(AuditEvent).where(AuditEvent.entity == "blood_emergency")
                                      .order_by(AuditEvent.id))] == ["blood_emergency.propose"] * 2


def test_levels_ii_and_i_are_declared_by_the_health_commission_only(api, db):
    before = count_rows(db, BloodEmergency)
    for username in ("blood", "admin", "gov", "approver", "clerk"):
        assert api(username).post("/blood/emergencies", json={"level": "II", "reason": "x"}).status_code == 403
    assert_error(api("health").post("/blood/emergencies", json={"level": "IV", "reason": "x"}), 422,
                 "validation_error")
    assert_error(api("health").post("/blood/emergencies", json={"level": "II", "reason": ""}), 422,
                 "validation_error")
    assert count_rows(db, BloodEmergency) == before
    response = api("health").post("/blood/emergencies", json={
        "level": "II", "reason": "地震致采供血设施严重损毁，1周内无法恢复", "document": "冀卫应急〔2026〕1号"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["level"], body["colour"], body["origin"], body["status"], body["declared_by"],
            body["document"]) == ("II", "orange", "declared", "confirmed", user_named(db, "health").id,
                                  "冀卫应急〔2026〕1号")
    assert_error(api("health").post("/blood/emergencies", json={"level": "II", "reason": "again"}), 409,
                 "already_declared")
    status = api("coordinator").get("/blood/status").get_json()
    assert (status["level"], status["colour"]) == ("II", "orange")
    red = api("health").post("/blood/emergencies", json={"level": "I", "reason": "国家卫生健康委认定"})
    assert red.status_code == 201
    assert api("gov").get("/blood/status").get_json()["colour"] == "red"


def test_readers_outside_the_blood_domain_cannot_see_a_level(api, db):
    response = api("health").post("/blood/emergencies", json={"level": "I", "reason": "国家认定"})
    emergency = response.get_json()["id"]
    assert api("clerk").post(f"/blood/emergencies/{emergency}/confirm", json={}).status_code == 403
    assert api("blood").get("/blood/emergencies").get_json()["items"][0]["id"] == emergency


def test_a_second_blood_station_sees_only_its_own_and_the_other_is_a_404(api, db):
    from inventory.services.accounts import directory
    from inventory.services.system.demo import DEMO_PASSWORD

    directory.create_org(session=db, code="BLOOD-SH", kind="blood_station", name="三河市中心血库",
                         district_code="sanhe")
    directory.create_user(session=db, username="sanhe", org_code="BLOOD-SH", role="blood_officer",
                          password=DEMO_PASSWORD)
    db.commit()
    mine = api("sanhe").post("/blood/reports", json=report(D("2025-03-03")))
    assert mine.status_code == 201 and mine.get_json()["station"] == "BLOOD-SH"
    theirs = api("blood").post("/blood/reports", json=report(D("2025-03-03")))
    assert theirs.status_code == 201 and theirs.get_json()["station"] == "BLOOD", "one report per station and day"
    assert {r["station"] for r in api("sanhe").get("/blood/reports").get_json()["items"]} == {"BLOOD-SH"}
    assert api("sanhe").get("/blood/status").get_json()["station"] == "BLOOD-SH"
    assert_error(api("sanhe").get("/blood/status?station=BLOOD"), 404, "not_found")
    assert_error(api("sanhe").get("/blood/reports?station=BLOOD"), 404, "not_found")
    declared = api("health").post("/blood/emergencies", json={"level": "II", "reason": "设施损毁", "station": "BLOOD"})
    assert declared.status_code == 201
    assert api("sanhe").get("/blood/emergencies").get_json()["items"] == []
    assert api("health").get("/blood/status?station=BLOOD-SH").get_json()["level"] is None
    assert {r["station"] for r in api("health").get("/blood/reports?from=2025-03-03&to=2025-03-03")
            .get_json()["items"]} == {"BLOOD", "BLOOD-SH"}
