"""GET /alerts, GET /alerts/{id}, POST /alerts/{id}/actions/acknowledge: scoped, filtered, decided once."""
from __future__ import annotations

from datetime import timedelta

import pytest

from inventory.core.clock import business_today
from inventory.models import Alert, AlertEvent, AuditEvent
from tests.alerts.helpers import alerts_of, scan
from tests.helpers import assert_error, count_rows, org_coded

#: a day by which every demo lot with stock is expiring or expired: alerts for every enterprise and bureau
FAR = business_today() + timedelta(days=4000)

#: demo user -> what they see: "all", ("bureau", code), ("enterprise", code), ("station", code): the blood
#: station's alerts about its own blood stock only, or None (no alerts at all)
REACH = {
    "admin": "all", "coordinator": "all", "finance": "all", "gov": "all", "viewer": "all",
    "clerk": ("enterprise", "ENT-GRAIN"), "manager": ("enterprise", "ENT-GRAIN"),
    "coldclerk": ("enterprise", "ENT-COLD"), "coldmanager": ("enterprise", "ENT-COLD"),
    "reliefclerk": ("enterprise", "ENT-RELIEF"),
    "officer": ("bureau", "BUR-GRAIN"), "approver": ("bureau", "BUR-GRAIN"), "inspector": ("bureau", "BUR-GRAIN"),
    "emofficer": ("bureau", "BUR-EMERGENCY"), "emapprover": ("bureau", "BUR-EMERGENCY"),
    "health": ("bureau", "BUR-HEALTH"),
    "blood": ("station", "BLOOD"),
}


@pytest.fixture
def everywhere(db, ctx) -> list[Alert]:
    scan(db, "expiry", FAR)
    return alerts_of(db, "lot_expiring")


def _expected(db, user: str, alerts: list[Alert]) -> set[int]:
    reach = REACH[user]
    if reach == "all":
        return {a.id for a in alerts}
    kind, code = reach
    org = org_coded(db, code).id
    return {a.id for a in alerts if (a.bureau_id if kind == "bureau" else a.enterprise_id) == org}


def _all_ids(api, user: str) -> set[int]:
    ids, cursor = set(), ""
    while True:
        body = api(user).get(f"/alerts?kind=lot_expiring&limit=3&cursor={cursor}").get_json()
        ids |= {item["id"] for item in body["items"]}
        if not body["next_cursor"]:
            return ids
        cursor = body["next_cursor"]


@pytest.mark.parametrize("user", sorted(REACH))
def test_tenancy_matrix_every_demo_user_lists_and_reads_exactly_their_alerts(api, db, everywhere, user):
    assert {a.enterprise_id for a in everywhere} >= {org_coded(db, c).id for c in ("ENT-GRAIN", "ENT-COLD", "ENT-RELIEF")}
    if REACH[user] is None:
        assert_error(api(user).get("/alerts"), 403, "forbidden")
        assert_error(api(user).get(f"/alerts/{everywhere[0].id}"), 403, "forbidden")
        return
    if REACH[user][0] == "station":
        scan(db, "blood")
        own = {a.id for a in db.exec(Alert.__table__.select().where(Alert.subject_type == "blood_station",
                                                                  Alert.subject_id == org_coded(db, "BLOOD").id))}
        listed = {item["id"] for item in api(user).get("/alerts?limit=200").get_json()["items"]}
        assert own and listed == own, "the station sees its own blood alerts and nothing else"
        assert all(api(user).get(f"/alerts/{alert.id}").status_code == 404 for alert in everywhere)
        return
    expected = _expected(db, user, everywhere)
    assert expected, "every reach has some alert in the demo"
    assert _all_ids(api, user) == expected
    for alert in everywhere:
        response = api(user).get(f"/alerts/{alert.id}")
        if alert.id in expected:
            assert response.status_code == 200 and response.get_json()["id"] == alert.id
        else:
            assert_error(response, 404, "not_found")


def test_filters_and_the_alert_with_its_history(api, everywhere):
    grain = api("admin").get("/alerts?category=grain&severity=critical&state=open&enterprise=ENT-GRAIN").get_json()
    assert grain["items"] and all(i["category"] == "grain" and i["enterprise"] == "ENT-GRAIN" for i in grain["items"])
    expired = api("admin").get("/alerts?kind=lot_expired").get_json()["items"]
    assert expired and {i["kind"] for i in expired} == {"lot_expired"}
    assert api("admin").get("/alerts?kind=count_mismatch").get_json()["items"] == []
    one = api("manager").get(f"/alerts/{grain['items'][0]['id']}").get_json()
    assert one["bureau"] == "BUR-GRAIN" and one["payload"]["lot_code"]
    assert [(h["from_state"], h["to_state"], h["actor_id"]) for h in one["history"]] == [(None, "open", None)]


def test_acknowledge_is_decided_once_and_recorded(api, db, everywhere):
    alert = next(a for a in everywhere if a.enterprise_id == org_coded(db, "ENT-GRAIN").id)
    body = api("manager").post(f"/alerts/{alert.id}/actions/acknowledge", json={"note": "已安排轮换"}).get_json()
    assert body["state"] == "acknowledged" and body["acknowledged_by"] is not None
    assert_error(api("approver").post(f"/alerts/{alert.id}/actions/acknowledge", json={}), 409, "illegal_transition")
    history = api("admin").get(f"/alerts/{alert.id}").get_json()["history"]
    assert history[-1]["to_state"] == "acknowledged" and history[-1]["note"] == "已安排轮换"
    assert count_rows(db, AuditEvent) and db.exec(
        AuditEvent.__table__.select().where(AuditEvent.action == "alert.acknowledge")).all()


@pytest.mark.parametrize("user, path, body, status, code", [
    ("manager", "/alerts/{id}/actions/acknowledge", {"note": "x" * 501}, 422, "validation_error"),
    ("manager", "/alerts/{id}/actions/acknowledge", {"note": "ok", "extra": 1}, 422, "validation_error"),
    ("manager", "/alerts/{id}/actions/close", {}, 404, "not_found"),
    ("manager", "/alerts/99999999999/actions/acknowledge", {}, 404, "not_found"),
    ("coldmanager", "/alerts/{id}/actions/acknowledge", {}, 404, "not_found"),
    ("viewer", "/alerts/{id}/actions/acknowledge", {}, 403, "forbidden"),
])
def test_bad_acknowledgements_answer_4xx_and_write_nothing(api, db, everywhere, user, path, body, status, code):
    alert = next(a for a in everywhere if a.enterprise_id == org_coded(db, "ENT-GRAIN").id)
    caller = api(user)
    events, audits = count_rows(db, AlertEvent), count_rows(db, AuditEvent)
    assert_error(caller.post(path.format(id=alert.id), json=body), status, code)
    db.expire_all()
    assert db.get(Alert, alert.id).state == "open"
    assert (count_rows(db, AlertEvent), count_rows(db, AuditEvent)) == (events, audits)


@pytest.mark.parametrize("query", ["kind=temperature", "severity=loud", "state=closed", "category=gold",
                                   "limit=0", "cursor=notacursor", "enterprise=" + "E" * 40])
def test_bad_filters_answer_422(api, everywhere, query):
    assert_error(api("admin").get(f"/alerts?{query}"), 422, "validation_error")
