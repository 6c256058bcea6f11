"""Administrators' deliveries: the outbox filtered by state (dead by default), retry one or many (all or none);
an alert's page lists its deliveries to the reader's subscriptions."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from inventory.core.clock import business_today
from inventory.models import Alert, Delivery
from tests.alerts.helpers import scan
from tests.alerts.test_web_notifications import deliver, subscribe
from tests.helpers import org_coded

BASE = "/alerts/deliveries/"


@pytest.fixture
def outbox(db, ctx) -> dict[str, list[Delivery]]:
    scan(db, "expiry", business_today() + timedelta(days=400))
    grain = org_coded(db, "ENT-GRAIN").id
    alerts = list(db.exec(select(Alert).where(Alert.enterprise_id == grain).order_by(Alert.id)))
    subscription = subscribe(db, "manager", channel="email", target="ops@example.com")
    return {"dead": deliver(db, subscription, alerts[:3], state="dead"),
            "delivered": deliver(db, subscription, alerts[3:5])}


def shown(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-delivery-id="(\d+)"', page)]


def states(db, rows: list[Delivery]) -> list[str]:
    db.expire_all()
    return [db.get(Delivery, r.id).state for r in rows]


def test_dead_deliveries_are_listed_first_with_their_answer(login_as, outbox):
    client = login_as("admin")
    page = client.get(BASE).get_data(as_text=True)
    assert shown(page) == [r.id for r in reversed(outbox["dead"])]
    assert "Service Unavailable" in page and "503" in page and page.count('name="deliveries"') >= 3
    everything = client.get(BASE + "?state=").get_data(as_text=True)
    assert set(shown(everything)) >= {r.id for rows in outbox.values() for r in rows}
    delivered = client.get(BASE + "?state=delivered&limit=1").get_data(as_text=True)
    assert len(shown(delivered)) == 1 and 'id="next-page"' in delivered and 'id="retry-selected"' not in delivered
    assert client.get(BASE + "?state=lost").status_code == 200  # a bad filter is shown, not failed


def test_retry_one_then_the_rest_in_bulk(login_as, db, outbox):
    client = login_as("admin")
    dead = outbox["dead"]
    page = client.post(BASE + "retry", data={"deliveries": [dead[0].id]}, follow_redirects=True).get_data(as_text=True)
    assert "1 条投递将重新发送" in page
    assert states(db, dead) == ["pending", "dead", "dead"]
    assert db.get(Delivery, dead[0].id).attempts == 0
    client.post(BASE + "retry", data={"deliveries": [d.id for d in dead[1:]]})
    assert states(db, dead) == ["pending", "pending", "pending"]
    assert shown(client.get(BASE).get_data(as_text=True)) == []


def test_a_batch_with_one_delivery_not_dead_retries_nothing(login_as, db, outbox):
    client = login_as("admin")
    batch = [outbox["dead"][0].id, outbox["delivered"][0].id]
    page = client.post(BASE + "retry", data={"deliveries": batch}, follow_redirects=True).get_data(as_text=True)
    assert "未保存任何内容" in page
    assert states(db, outbox["dead"][:1] + outbox["delivered"][:1]) == ["dead", "delivered"]
    page = client.post(BASE + "retry", data={}, follow_redirects=True).get_data(as_text=True)
    assert "未保存任何内容" in page


@pytest.mark.parametrize("username", ["manager", "coordinator", "clerk"])
def test_only_administrators_see_or_retry_deliveries(login_as, db, outbox, username):
    client = login_as(username)
    assert client.get(BASE).status_code == 403
    assert client.post(BASE + "retry", data={"deliveries": [outbox["dead"][0].id]}).status_code == 403
    assert states(db, outbox["dead"][:1]) == ["dead"]


def test_an_alerts_page_lists_its_deliveries_to_the_readers_subscriptions(login_as, db, outbox):
    alert_id = outbox["dead"][0].alert_id
    page = login_as("manager").get(f"/alerts/{alert_id}").get_data(as_text=True)
    deliveries = page[page.index('id="alert-deliveries"'):]
    assert f'data-delivery-id="{outbox["dead"][0].id}"' in deliveries
    assert 'data-delivery-state="dead"' in deliveries and "Service Unavailable" in deliveries
    assert "manager email" in deliveries
    # the clerk sees the alert but not the deliveries of the manager's own subscription
    clerk = login_as("clerk").get(f"/alerts/{alert_id}").get_data(as_text=True)
    assert f'data-delivery-id="{outbox["dead"][0].id}"' not in clerk[clerk.index('id="alert-deliveries"'):]
