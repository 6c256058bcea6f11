"""The donor-team API (docs/api.md, blood) and alert kinds: the register (blood-supply plan §六(一)) only for the
blood station and health officers — a 404 to everyone else, names and phones masked in lists and kept out of audit
and alert payloads —, compliance for every blood reader, collection points (§六(二)) and drills (§六(七)2), bad input
refused with nothing written, and ``flask scan blood`` raising and resolving ``donor_compliance`` and
``collection_points``."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from inventory.core.clock import business_today
from inventory.models import Alert, AuditEvent, BloodDonor, CollectionPoint, DonationDrill
from tests.alerts.helpers import alerts_of, scan
from tests.blood.donor_helpers import add_point, clear_register
from tests.helpers import assert_error, count_rows

PHONE, NAME = "13912345678", "欧阳明月"
DONOR = {"name": NAME, "unit": "廊坊供电公司", "phone": PHONE, "district": "sanhe", "group": "AB", "rh": "neg",
         "group_donor": True}


def _register(api, user: str = "blood") -> dict:
    response = api(user).post("/blood/donors", json=DONOR)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_the_station_registers_a_donor_lists_it_masked_and_reads_it_in_full(api):
    made = _register(api)
    assert (made["name"], made["phone"], made["masked"], made["echelon"]) == (NAME, PHONE, False, 2)
    listed = api("health").get("/blood/donors?district=sanhe&group=AB&limit=500").get_json()["items"]
    mine = next(item for item in listed if item["id"] == made["id"])
    assert (mine["name"], mine["phone"], mine["masked"]) == ("欧***", "139****5678", True)
    assert all(item["masked"] and "*" in item["phone"] for item in listed)
    full = api("health").get(f"/blood/donors/{made['id']}").get_json()
    assert (full["name"], full["phone"]) == (NAME, PHONE)
    confirmed = api("health").post(f"/blood/donors/{made['id']}/confirm").get_json()
    assert confirmed["last_confirmed_on"] == business_today().isoformat()


@pytest.mark.parametrize("username", ["clerk", "approver", "coordinator", "admin", "gov", "viewer"])
def test_anyone_else_gets_404_on_every_donor_operation(api, db, username):
    """§六(一) 在确保信息安全的前提下: an enterprise, another bureau, a coordinator, even an administrator."""
    some = db.exec(select(BloodDonor.id)).first()
    client = api(username)
    for response in (client.get("/blood/donors"), client.get(f"/blood/donors/{some}"),
                     client.post("/blood/donors", json=DONOR),
                     client.post("/blood/donors/import", json={"csv": "name\n"}),
                     client.post(f"/blood/donors/{some}/confirm"), client.get("/blood/donor-filings"),
                     client.post("/blood/donor-filings", json={"year": 2026, "filed_on": "2026-01-02",
                                                               "reference": "r"})):
        body = assert_error(response, 404, "not_found")
        assert PHONE not in str(body)


@pytest.mark.parametrize("change, field", [
    ({"group": "C"}, None), ({"rh": "positive"}, None), ({"district": "beijing"}, "district"),
    ({"phone": "1391234"}, "phone"), ({"confirmed_on": (business_today() + timedelta(days=1)).isoformat()},
                                      "confirmed_on"),
])
def test_bad_donors_are_refused_and_nothing_is_written(api, db, change, field):
    before = count_rows(db, BloodDonor)
    error = assert_error(api("blood").post("/blood/donors", json={**DONOR, **change}), 422, "validation_error")
    if field:
        assert field in error["fields"]
    assert count_rows(db, BloodDonor) == before


def test_a_csv_with_bad_rows_is_refused_by_row_number(api, db):
    before = count_rows(db, BloodDonor)
    text = ("name,unit,phone,district,group,rh,group_donor,confirmed_on\n"
            "王伟,供电公司,13900000001,sanhe,A,pos,yes,\n"
            "李娜,供电公司,13900000002,sanhe,A,pos,perhaps,\n")
    error = assert_error(api("blood").post("/blood/donors/import", json={"csv": text}), 422, "validation_error")
    assert list(error["fields"]) == ["row 3"] and "group_donor" in error["fields"]["row 3"][0]
    assert count_rows(db, BloodDonor) == before
    made = api("blood").post("/blood/donors/import", json={"csv": text.replace("perhaps", "no")}).get_json()
    assert made["imported"] == 2 and count_rows(db, BloodDonor) == before + 2


def test_audit_payloads_hold_ids_and_masked_values_only(api, db):
    made = _register(api)
    api("health").post(f"/blood/donors/{made['id']}/confirm")
    events = db.exec(select(AuditEvent).where(AuditEvent.entity == "blood_donor")).all()
    assert {e.action for e in events} == {"blood_donor.register", "blood_donor.confirm"}
    assert all(PHONE not in str(e.after) + str(e.before) and NAME not in str(e.after) for e in events)
    seen = api("admin").get("/audit?limit=500")
    assert seen.status_code == 200 and '"blood_donor.register"' in seen.get_data(as_text=True)
    assert PHONE not in seen.get_data(as_text=True) and NAME not in seen.get_data(as_text=True)


def test_compliance_is_read_by_blood_readers_only(api):
    body = api("coordinator").get("/blood/donor-compliance").get_json()
    assert [e["echelon"] for e in body["echelons"]] == [1, 2]
    assert {r["rule"] for r in body["rules"]} >= {"echelon_minimum", "district_floor", "demand_days", "group_mix",
                                                  "group_donor_share", "confirmed_within_year", "yearly_filing",
                                                  "drill", "points_main_city", "points_county"}
    assert body["echelons"][1]["binding"] == "district_floor"
    assert_error(api("clerk").get("/blood/donor-compliance"), 403, "forbidden")
    tomorrow = (business_today() + timedelta(days=1)).isoformat()
    assert_error(api("health").get(f"/blood/donor-compliance?as_of={tomorrow}"), 422, "validation_error")


def test_points_and_drills_are_added_by_the_station_and_read_by_blood_readers(api, db):
    point = api("blood").post("/blood/collection-points", json={"name": "文安献血点", "address": "文安县文安镇",
                                                                "district": "wenan", "capacity": 30})
    assert point.status_code == 201 and point.get_json()["district"] == "wenan"
    assert_error(api("admin").post("/blood/collection-points", json={"name": "x", "address": "y",
                                                                     "district": "wenan", "capacity": 3}),
                 403, "forbidden")
    before = count_rows(db, CollectionPoint)
    bad = api("health").post("/blood/collection-points", json={"name": "x", "address": "y", "district": "mars",
                                                               "capacity": 3})
    assert "district" in assert_error(bad, 422, "validation_error")["fields"]
    assert count_rows(db, CollectionPoint) == before
    items = api("viewer").get("/blood/collection-points?limit=100").get_json()["items"]
    assert any(item["name"] == "文安献血点" for item in items)
    assert_error(api("clerk").get("/blood/collection-points"), 403, "forbidden")
    drills_before = count_rows(db, DonationDrill)
    future = (business_today() + timedelta(days=1)).isoformat()
    assert "held_on" in assert_error(api("health").post("/blood/drills", json={"held_on": future, "participants": 5}),
                                     422, "validation_error")["fields"]
    assert count_rows(db, DonationDrill) == drills_before
    assert api("health").post("/blood/drills", json={"held_on": business_today().isoformat(), "participants": 5,
                                                     "notes": "演练"}).status_code == 201
    assert api("gov").get("/blood/drills").get_json()["items"][-1]["notes"] == "演练"


def test_a_second_filing_of_the_year_is_a_409(api):
    filing = {"year": business_today().year, "filed_on": business_today().isoformat(), "reference": "again"}
    # the demo has filed this year already
    assert_error(api("health").post("/blood/donor-filings", json=filing), 409, "duplicate_filing")
    assert api("blood").get("/blood/donor-filings").get_json()["items"][0]["year"] == business_today().year


@pytest.mark.usefixtures("ctx")
def test_scan_blood_raises_one_alert_per_failed_rule_and_area_and_resolves_them(db):
    """§六(一), §六(二), §六(七)2 through the alerts interface: warnings with no personal data in the payload."""
    today = business_today()
    scan(db, "blood", today)
    donor_alerts = {a.dedup_key: a for a in alerts_of(db, "donor_compliance")}
    point_alerts = {a.dedup_key: a for a in alerts_of(db, "collection_points")}
    assert "donor_compliance:echelon_minimum:echelon-1" in donor_alerts
    assert "donor_compliance:district_floor:anci" in donor_alerts
    assert "donor_compliance:group_mix:echelon-1" not in donor_alerts  # the demo meets the mix
    assert set(point_alerts) == {"collection_points:points_county:wenan", "collection_points:points_county:dacheng"}
    wenan = point_alerts["collection_points:points_county:wenan"]
    assert (wenan.severity, wenan.payload) == ("warning", {"rule": "points_county", "area": "wenan",
                                                           "section": "§六(二)", "required": "≥ 1", "actual": "0"})
    assert wenan.district_id is not None and wenan.subject_type == "blood_station"
    add_point(db, "wenan")
    assert scan(db, "collection_points", today).resolved == 1
    clear_register(db)
    outcome = scan(db, "donor_compliance", today)
    assert outcome.opened > 0  # an empty register fails the mix and group-donor rules too
    assert all(set(a.payload) == {"rule", "area", "section", "required", "actual"}
               for a in db.exec(select(Alert).where(Alert.kind.in_(["donor_compliance", "collection_points"]))))
