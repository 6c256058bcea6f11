"""What the delivery tests share: settings that let deliveries reach local receivers at once, subscriptions
made through the service, an expiring lot with no other alert's delivery around it, the outbox rows of a
subscription, and checks of the webhook's and DingTalk's signatures (docs/api.md)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import timedelta
from decimal import Decimal
from urllib.parse import unquote, urlsplit

from sqlalchemy import update
from sqlmodel import Session, select

from inventory.core.clock import business_today
from inventory.models import Delivery, Lot, Subscription
from inventory.services.alerts import runs, subscriptions
from inventory.services.stock import lots
from tests.alerts.receivers import Received
from tests.helpers import receive, user_named

#: deliveries go out at once, retries come back within a second, local receivers are allowed
DELIVERY_CONFIG = {"WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8", "ALERT_GROUP_WAIT_SECONDS": 0,
                   "ALERT_RETRY_BASE_SECONDS": 0.2, "ALERT_DELIVERY_MAX_ATTEMPTS": 4,
                   "ALERT_SENDING_STALE_SECONDS": 300, "ALERT_HTTP_TIMEOUT": 5}
#: the secret of every webhook and DingTalk subscription these tests make
SECRET = "s3cret-for-the-receiver-0123456789"


def subscribe(db: Session, user: str, channel: str, target: str = "", *, send_resolved: bool = False,
              secret: str | None = SECRET, name: str | None = None) -> Subscription:
    """A user's immediate subscription to ``lot_expiring`` over ``channel``, committed."""
    data = subscriptions.SubscriptionInput(
        name=name or f"{channel} of {user}", channel=channel, target=target, kinds=["lot_expiring"],
        secret=secret if channel in ("webhook", "dingtalk") else None, send_resolved=send_resolved)
    subscription = subscriptions.create(session=db, actor=user_named(db, user), data=data)
    db.commit()
    return subscription


def subscribe_with(db: Session, username: str, **fields) -> Subscription:
    """A subscription of ``username`` with any fields (the in-app inbox unless told), committed."""
    data = subscriptions.SubscriptionInput(**{"name": f"{username}'s", "channel": "inbox", **fields})
    made = subscriptions.create(session=db, actor=user_named(db, username), data=data)
    db.commit()
    return made


def settle_demo(db: Session, *, keep_defaults: bool = False) -> None:
    """Open the demo city's alerts before the test subscribes, so its deliveries are about its own lot; and,
    unless ``keep_defaults``, switch the demo's default subscriptions off, so they are the test's own too."""
    if not keep_defaults:
        db.execute(update(Subscription).values(active=False))
    runs.run_scans(session=db, name="all")
    db.commit()


def scan(db: Session) -> int:
    """The expiry scans, committed; the outbox rows they wrote."""
    queued = runs.run_scans(session=db, name="expiry").queued
    db.commit()
    return queued


def expiring_lot(db: Session, days: int = 10) -> Lot:
    """A wheat lot of ENT-GRAIN expiring in ``days`` days: inside every warning period, not yet critical."""
    return receive(db, expiry=business_today() + timedelta(days=days))


def issue_all(db: Session, lot: Lot) -> None:
    """The lot issued to zero through the ledger, committed."""
    db.expire_all()
    on_hand = db.get(Lot, lot.id).on_hand
    lots.issue(session=db, actor=user_named(db, "clerk"), lot_id=lot.id, amount=Decimal(on_hand))
    db.commit()


def deliveries_of(db: Session, subscription: Subscription) -> list[Delivery]:
    db.expire_all()
    return list(db.exec(select(Delivery).where(Delivery.subscription_id == subscription.id).order_by(Delivery.id)))


def assert_signed_webhook(request: Received, secret: str = SECRET) -> str:
    """The body's HMAC recomputed with the subscription's secret matches ``X-Reserve-Signature``; returns
    the ``X-Reserve-Delivery`` id, which the body names too."""
    headers = {key.lower(): value for key, value in request.headers.items()}
    expected = "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-reserve-signature"], expected), headers
    assert headers["content-type"] == "application/json"
    delivery_id = headers["x-reserve-delivery"]
    assert request.json()["delivery"] == delivery_id
    return delivery_id


def assert_signed_dingtalk(request: Received, secret: str = SECRET) -> None:
    """DingTalk's scheme: ``?timestamp=<ms>&sign=<urlencoded base64 HMAC-SHA256 of "timestamp\\nsecret">``."""
    raw = dict(pair.split("=", 1) for pair in urlsplit(request.path).query.split("&"))
    assert set(raw) == {"timestamp", "sign"}, request.path
    stamp, sign = raw["timestamp"], raw["sign"]
    assert stamp.isdigit() and abs(int(stamp) / 1000 - time.time()) < 60, stamp
    digest = hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()
    assert not set("+/=") & set(sign), f"the sign is not URL-encoded: {sign}"
    assert unquote(sign) == base64.b64encode(digest).decode(), (sign, request.path)
