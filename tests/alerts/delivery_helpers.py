"""What the outbox and delivery tests share: subscriptions made through the service, outbox rows by owner."""
from __future__ import annotations

from sqlmodel import Session, select

from inventory.models import Delivery, Subscription
from inventory.services.alerts import subscriptions
from tests.helpers import user_named

#: local receivers listen on loopback: the SSRF guard refuses it unless the administrator allows it
LOOPBACK = {"WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8", "ALERT_GROUP_WAIT_SECONDS": 0, "ALERT_RETRY_BASE_SECONDS": 1}


def subscribe(db: Session, username: str, **fields) -> Subscription:
    data = subscriptions.SubscriptionInput(**{"name": f"{username}'s", "channel": "inbox", **fields})
    made = subscriptions.create(session=db, actor=user_named(db, username), data=data)
    db.commit()
    return made


def deliveries_of(db: Session, subscription: Subscription) -> list[Delivery]:
    db.expire_all()
    return list(db.exec(select(Delivery).where(Delivery.subscription_id == subscription.id).order_by(Delivery.id)))
