"""The in-app notifications: the reader's list (newest first, paged), marking one, some or all read, and the
unread badge in the navigation bar."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from inventory.core.clock import business_today, utcnow
from inventory.models import Alert, AlertEvent, Delivery, Subscription
from inventory.services.alerts import subscriptions
from tests.alerts.helpers import scan
from tests.helpers import org_coded, user_named

BASE = "/alerts/notifications/"


def subscribe(db, username: str, channel: str = "inbox", **extra) -> Subscription:
    subscription = subscriptions.create(session=db, actor=user_named(db, username), data=subscriptions.SubscriptionInput(
        name=f"{username} {channel}", channel=channel, **extra))
    db.commit()
    return subscription


def deliver(db, subscription: Subscription, alerts: list[Alert], state: str = "delivered") -> list[Delivery]:
    """Outbox rows as the worker leaves them (the delivery pipeline has its own tests)."""
    rows = []
    for alert in alerts:
        event = db.exec(select(AlertEvent).where(AlertEvent.alert_id == alert.id).order_by(AlertEvent.id)).first()
        row = Delivery(event_id=event.id, alert_id=alert.id, subscription_id=subscription.id, group_key=alert.kind,
                       state=state, due_at=utcnow(), attempts=1 if state == "delivered" else 6,
                       delivered_at=utcnow() if state == "delivered" else None,
                       last_status=None if state == "delivered" else 503,
                       last_error="" if state == "delivered" else "Service Unavailable")
        db.add(row)
        rows.append(row)
    db.commit()
    return rows


@pytest.fixture
def grain_alerts(db, ctx) -> list[Alert]:
    scan(db, "expiry", business_today() + timedelta(days=400))
    grain = org_coded(db, "ENT-GRAIN").id
    return list(db.exec(select(Alert).where(Alert.enterprise_id == grain).order_by(Alert.id)))


def shown_ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-notification-id="(\d+)"', page)]


def badge(page: str) -> int | None:
    found = re.search(r'id="unread-count"[^>]*>(\d+)<', page)
    return int(found.group(1)) if found else None


def test_the_list_is_newest_first_paged_and_the_badge_counts_the_unread(login_as, db, grain_alerts):
    rows = deliver(db, subscribe(db, "manager"), grain_alerts)
    client = login_as("manager")
    first = client.get(BASE + "?limit=2").get_data(as_text=True)
    assert shown_ids(first) == [rows[-1].id, rows[-2].id] and badge(first) == len(rows)
    next_page = re.search(r'id="next-page" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert shown_ids(client.get(next_page).get_data(as_text=True)) == [rows[-3].id, rows[-4].id]
    everything = client.get(BASE + "?limit=200").get_data(as_text=True)
    assert shown_ids(everything) == [r.id for r in reversed(rows)] and 'id="next-page"' not in everything
    assert "批次临期" in everything and f'href="/alerts/{grain_alerts[0].id}"' in everything
    assert badge(client.get("/").get_data(as_text=True)) == len(rows)


def test_mark_one_some_then_all_read(login_as, db, grain_alerts):
    rows = deliver(db, subscribe(db, "manager"), grain_alerts)
    client = login_as("manager")
    client.post(BASE + "read", data={"ids": [rows[0].id]})
    assert badge(client.get(BASE).get_data(as_text=True)) == len(rows) - 1
    client.post(BASE + "read", data={"ids": [rows[1].id, rows[2].id]})
    db.expire_all()
    assert [db.get(Delivery, r.id).read_at is not None for r in rows[:4]] == [True, True, True, False]
    page = client.post(BASE + "read", data={"all": "y"}, follow_redirects=True).get_data(as_text=True)
    assert badge(page) is None and f"已将 {len(rows) - 3} 条通知标为已读" in page
    assert 'data-read="0"' not in page


def test_nothing_ticked_or_someone_elses_notification_marks_nothing(login_as, db, grain_alerts):
    rows = deliver(db, subscribe(db, "manager"), grain_alerts[:2])
    page = login_as("manager").post(BASE + "read", data={}, follow_redirects=True).get_data(as_text=True)
    assert "未保存任何内容" in page
    assert login_as("coldmanager").post(BASE + "read", data={"ids": [rows[0].id]}).status_code == 404
    db.expire_all()
    assert all(db.get(Delivery, r.id).read_at is None for r in rows)


def test_only_delivered_in_app_notifications_addressed_to_the_reader_are_listed(login_as, db, grain_alerts):
    mine = deliver(db, subscribe(db, "manager"), grain_alerts[:1])
    deliver(db, subscribe(db, "manager"), grain_alerts[1:2], state="dead")
    clerks = deliver(db, subscribe(db, "clerk"), grain_alerts[2:3])
    shared = subscriptions.create(session=db, actor=user_named(db, "manager"), data=subscriptions.SubscriptionInput(
        name="粮库值班", channel="inbox", for_organisation=True))
    db.commit()
    organisation = deliver(db, shared, grain_alerts[3:4])
    assert shown_ids(login_as("manager").get(BASE).get_data(as_text=True)) == [organisation[0].id, mine[0].id]
    clerk = login_as("clerk").get(BASE).get_data(as_text=True)
    assert shown_ids(clerk) == [organisation[0].id, clerks[0].id]
    cold = login_as("coldmanager").get(BASE).get_data(as_text=True)
    assert shown_ids(cold) == [] and badge(cold) is None and 'id="no-notifications"' in cold


def test_every_signed_in_page_has_the_badge_and_the_login_page_has_none(client, login_as, db, grain_alerts):
    assert 'id="nav-notifications"' not in client.get("/login").get_data(as_text=True)
    deliver(db, subscribe(db, "manager"), grain_alerts[:3])
    assert badge(login_as("manager").get("/stock/lots").get_data(as_text=True)) == 3
    assert 'id="nav-notifications"' in login_as("blood").get("/").get_data(as_text=True)
    assert login_as("blood").get(BASE).status_code == 200


def test_a_failing_count_leaves_the_badge_out_and_the_page_drawn(login_as, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from inventory.services.alerts import deliveries

    def broken(**_):
        raise OperationalError("SELECT count(*)", {}, Exception("connection lost"))

    client = login_as("manager")
    monkeypatch.setattr(deliveries, "unread_count", broken)
    page = client.get("/")
    assert page.status_code == 200 and 'id="nav-notifications"' in page.get_data(as_text=True)
    assert badge(page.get_data(as_text=True)) is None


def test_the_demo_inbox_subscription_fills_the_list_once_the_worker_delivered(login_as, db, grain_alerts):
    """The whole path: a scan writes the outbox, the worker's pass delivers the inbox rows, the badge counts them."""
    from inventory.services.alerts import delivery

    client = login_as("manager")
    assert badge(client.get("/").get_data(as_text=True)) is None
    delivery.deliver_due(now=utcnow() + timedelta(hours=1))
    db.expire_all()
    delivered = list(db.exec(select(Delivery).join(Subscription, Subscription.id == Delivery.subscription_id)
                             .where(Subscription.name == "本企业库存预警", Delivery.state == "delivered",
                                    Subscription.org_id == org_coded(db, "ENT-GRAIN").id)))
    assert delivered
    page = client.get(BASE + "?limit=200").get_data(as_text=True)
    assert set(shown_ids(page)) >= {d.id for d in delivered} and badge(page) == len(shown_ids(page))
    assert shown_ids(page) == sorted(shown_ids(page), reverse=True)
