"""/deliveries (administrators), /notifications (each caller's in-app inbox) and an alert's deliveries, over a
real outbox: subscriptions made through the API, a scan, and ``deliver_due`` sending to a local receiver."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import update
from sqlmodel import select

from inventory.core.clock import business_today, utcnow
from inventory.models import Alert, Delivery, Subscription
from inventory.services.alerts import delivery
from inventory.services.system.demo import USERS
from tests.alerts.helpers import scan
from tests.alerts.test_api_subscriptions import _create, local_receiver
from tests.helpers import assert_error, org_coded

#: a day by which every demo lot with stock is expiring or expired
FAR = business_today() + timedelta(days=4000)

hook = pytest.fixture(local_receiver, name="hook")


def _deliver() -> None:
    """Everything due, past the grouping wait."""
    delivery.deliver_due(now=utcnow() + timedelta(hours=1))


@pytest.fixture
def sent(api, db, ctx, hook) -> SimpleNamespace:
    """The expired lots go to the clerk's inbox and to the administrators' webhook, which refuses them (410).
    Only these two subscriptions are active, so every delivery the test sees is one of theirs."""
    url, handler = hook
    handler.answer = 410
    db.execute(update(Subscription).values(active=False))
    db.commit()
    inbox = _create(api, "clerk", name="站内", channel="inbox", kinds=["lot_expired"])
    webhook = _create(api, "admin", name="值班", channel="webhook", target=url, kinds=["lot_expired"])
    scan(db, "expiry", FAR)
    _deliver()
    db.expire_all()
    rows = {key: list(db.exec(select(Delivery).where(Delivery.subscription_id == sub["id"]).order_by(Delivery.id)))
            for key, sub in (("inbox", inbox), ("webhook", webhook))}
    assert rows["inbox"] and {row.state for row in rows["inbox"]} == {"delivered"}
    assert rows["webhook"] and {row.state for row in rows["webhook"]} == {"dead"}
    return SimpleNamespace(inbox=inbox, webhook=webhook, handler=handler, rows=rows)


def _all(api, user: str, path: str) -> list[dict]:
    items, cursor = [], ""
    while True:
        body = api(user).get(f"{path}{'&' if '?' in path else '?'}limit=2&cursor={cursor}").get_json()
        items += body["items"]
        if not body["next_cursor"]:
            return items
        cursor = body["next_cursor"]


@pytest.mark.parametrize("user", sorted(username for username, *_ in USERS if username != "admin"))
def test_only_administrators_see_and_retry_deliveries(api, user):
    assert_error(api(user).get("/deliveries"), 403, "forbidden")
    assert_error(api(user).get("/deliveries?state=dead"), 403, "forbidden")
    assert_error(api(user).post("/deliveries/1/retry"), 403, "forbidden")


def test_administrators_list_the_outbox_by_state(api, sent):
    dead = _all(api, "admin", "/deliveries?state=dead")
    assert {d["id"] for d in dead} >= {row.id for row in sent.rows["webhook"]}
    assert all(d["state"] == "dead" for d in dead)
    mine = next(d for d in dead if d["id"] == sent.rows["webhook"][0].id)
    assert (mine["subscription"], mine["subscription_id"], mine["channel"], mine["alert_kind"]) == \
        ("值班", sent.webhook["id"], "webhook", "lot_expired")
    assert (mine["attempts"], mine["last_status"], mine["delivered_at"]) == (1, 410, None) and mine["batch"]
    delivered = {d["id"] for d in _all(api, "admin", "/deliveries?state=delivered")}
    assert delivered >= {row.id for row in sent.rows["inbox"]}
    everything = [d["id"] for d in _all(api, "admin", "/deliveries")]
    assert everything == sorted(everything) and set(everything) >= delivered | {d["id"] for d in dead}
    assert_error(api("admin").get("/deliveries?state=lost"), 422, "validation_error")


def test_a_retry_sends_the_same_message_id_again(api, db, ctx, sent):
    dead = sent.rows["webhook"][0]
    first_id = sent.handler.received[0][0]["X-Reserve-Delivery"]
    assert first_id == dead.batch
    retried = api("admin").post(f"/deliveries/{dead.id}/retry")
    assert retried.status_code == 200, retried.get_json()
    assert (retried.get_json()["state"], retried.get_json()["attempts"]) == ("pending", 0)
    assert_error(api("admin").post(f"/deliveries/{dead.id}/retry"), 409, "illegal_transition")

    sent.handler.answer = 204
    _deliver()
    assert sent.handler.received[-1][0]["X-Reserve-Delivery"] == first_id
    again = next(d for d in _all(api, "admin", "/deliveries?state=delivered") if d["id"] == dead.id)
    assert again["attempts"] == 1 and again["last_status"] == 204 and again["delivered_at"]
    assert_error(api("admin").post(f"/deliveries/{dead.id}/retry"), 409, "illegal_transition")
    assert_error(api("admin").post("/deliveries/2147483647/retry"), 404, "not_found")


def test_notifications_are_the_callers_inbox_newest_first_with_the_unread_count(api, sent):
    body = api("clerk").get("/notifications").get_json()
    expected = sorted((row.id for row in sent.rows["inbox"]), reverse=True)
    assert [item["id"] for item in body["items"]] == expected[:50]
    assert [item["id"] for item in _all(api, "clerk", "/notifications")] == expected
    assert body["unread"] == len(expected)
    first = body["items"][0]
    assert (first["kind"], first["event"], first["read_at"]) == ("lot_expired", "opened", None)
    assert first["delivered_at"] and first["payload"]["lot_code"]
    for other in ("manager", "coldclerk", "admin"):
        assert api(other).get("/notifications").get_json() == {"items": [], "next_cursor": None, "unread": 0}


def test_reading_notifications(api, sent):
    newest, *rest = sorted((row.id for row in sent.rows["inbox"]), reverse=True)
    assert api("clerk").post("/notifications/read", json={"ids": [newest]}).get_json() == {"unread": len(rest)}
    read = api("clerk").get("/notifications").get_json()["items"][0]
    assert read["id"] == newest and read["read_at"]
    assert_error(api("coldclerk").post("/notifications/read", json={"ids": [rest[0]]}), 404, "not_found")
    assert_error(api("clerk").post("/notifications/read", json={"ids": [rest[0], 2147483647]}), 404, "not_found")
    assert api("clerk").get("/notifications").get_json()["unread"] == len(rest)
    assert api("clerk").post("/notifications/read", json={"all": True}).get_json() == {"unread": 0}


@pytest.mark.parametrize("body", [{}, {"ids": []}, {"all": False}, {"ids": [1], "all": True}, {"ids": [True]},
                                  {"ids": [0]}, {"all": True, "colour": "red"}])
def test_bad_read_requests_answer_422(api, body):
    assert_error(api("clerk").post("/notifications/read", json=body), 422, "validation_error")


def _deliveries_of(api, user: str, alert_id: int) -> list[dict]:
    response = api(user).get(f"/alerts/{alert_id}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["deliveries"]


def test_an_alert_lists_the_deliveries_of_the_subscriptions_the_caller_may_see(api, db, sent):
    row = sent.rows["inbox"][0]
    grain = db.get(Alert, row.alert_id)
    assert grain.enterprise_id == org_coded(db, "ENT-GRAIN").id
    listed = _deliveries_of(api, "clerk", grain.id)
    assert [(d["id"], d["subscription"], d["channel"], d["state"]) for d in listed if
            d["subscription_id"] == sent.inbox["id"]] == [(row.id, "站内", "inbox", "delivered")]
    assert row.id in {d["id"] for d in _deliveries_of(api, "admin", grain.id)}
    for other in ("manager", "approver", "coordinator"):
        assert row.id not in {d["id"] for d in _deliveries_of(api, other, grain.id)}

    to_admins = next(r for r in sent.rows["webhook"] if db.get(Alert, r.alert_id).enterprise_id == grain.enterprise_id)
    assert to_admins.id in {d["id"] for d in _deliveries_of(api, "admin", to_admins.alert_id)}
    assert to_admins.id not in {d["id"] for d in _deliveries_of(api, "clerk", to_admins.alert_id)}
