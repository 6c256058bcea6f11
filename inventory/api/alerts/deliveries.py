"""The delivery outbox over the API: every delivery and its retry for administrators, and each caller's in-app
notifications (services/alerts/deliveries.py)."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from flask import request
from pydantic import BaseModel, Field, model_validator

from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.pagination import page
from inventory.api.schemas import BODY, Blank, Out, PageQuery, RowId, StrictBody, Timestamp, errors, page_of
from inventory.api.spec import spec
from inventory.core.vocab import AlertEventKind, AlertSeverity, AlertState, Channel, DeliveryState
from inventory.jobs import commit_then_enqueue
from inventory.db import get_session
from inventory.models import Delivery
from inventory.services.alerts import deliveries

#: the keyset of a list of (delivery, …) rows: the rows are tuples, so the key is selected as a column of its own
_ID = Delivery.id.label("id")
#: newest first: the keyset runs over the negated id
_NEWEST = (-Delivery.id).label("newest")


class DeliveryQuery(PageQuery):
    state: Annotated[DeliveryState, Blank] = None


class AlertDeliveryOut(Out):
    """A delivery as an alert's page lists it."""

    id: int
    subscription_id: int
    subscription: str = Field(description="the subscription's name")
    channel: Channel
    state: DeliveryState
    attempts: int
    last_status: int | None = Field(description="the receiver's last HTTP status or SMTP reply code")
    last_error: str
    delivered_at: Timestamp | None


class DeliveryOut(AlertDeliveryOut):
    """A delivery in the outbox."""

    alert_id: int
    alert_kind: str
    batch: str | None = Field(description="the message id (`X-Reserve-Delivery`) once a worker has sent it")
    due_at: Timestamp
    created_at: Timestamp


class NotificationOut(Out):
    id: int = Field(description="the delivery's id, for `POST /notifications/read`")
    alert_id: int
    kind: str = Field(description="the alert's kind")
    severity: AlertSeverity = Field(description="the alert's severity now")
    state: AlertState = Field(description="the alert's state now")
    event: AlertEventKind = Field(description="what happened to the alert")
    at: Timestamp = Field(description="when it happened")
    subject_type: str
    subject_id: int
    payload: dict[str, Any]
    delivered_at: Timestamp | None
    read_at: Timestamp | None


class NotificationPage(page_of(NotificationOut)):  # type: ignore[misc]
    unread: int = Field(description="the caller's unread notifications, all pages")


class ReadBody(StrictBody):
    """Mark some notifications read (`ids`), or all of them (`all: true`)."""

    ids: list[RowId] | None = Field(default=None, min_length=1, max_length=500)
    all: Literal[True] | None = None

    @model_validator(mode="after")
    def _one_of(self) -> ReadBody:
        if (self.ids is None) == (self.all is None):
            raise ValueError("give either ids or all: true")
        return self


class Unread(BaseModel):
    unread: int


DeliveryPage = page_of(DeliveryOut)


def delivery_out(delivery: Delivery, subscription_name: str, channel: str, **extra: Any) -> dict[str, Any]:
    """The fields of ``DeliveryOut`` (and so of ``AlertDeliveryOut``) a delivery and its subscription give."""
    return {**{name: getattr(delivery, name) for name in DeliveryOut.model_fields if hasattr(delivery, name)},
            "subscription": subscription_name, "channel": channel, **extra}


def _row_out(row: Any) -> DeliveryOut:
    return DeliveryOut.model_validate(delivery_out(row.Delivery, row.Subscription.name, row.Subscription.channel,
                                                   alert_kind=row.Alert.kind))


@bp.get("/deliveries")
@spec.validate(query=DeliveryQuery, resp=errors(403, 422, HTTP_200=DeliveryPage), tags=["subscriptions"])
def list_deliveries():
    """The outbox, oldest first (`?state=dead` for those that gave up); administrators."""
    params, session = request.context.query, get_session()
    query = deliveries.listing(session=session, actor=current_user(), state=params.state)
    rows, cursor = page(query.order_by(None).add_columns(_ID), [_ID], params)
    return DeliveryPage(items=[_row_out(row) for row in rows], next_cursor=cursor)


@bp.post("/deliveries/<int:delivery_id>/retry")
@spec.validate(resp=errors(*BODY, 403, 404, 409, HTTP_200=DeliveryOut), tags=["subscriptions"])
def retry_delivery(delivery_id: int):
    """Send a dead delivery again, now, with fresh attempts and the same message id (409 when it is not dead)."""
    session, user = get_session(), current_user()
    deliveries.retry(session=session, actor=user, delivery_ids=[delivery_id])
    commit_then_enqueue(session, deliveries.DELIVER_TASK)
    row = session.exec(deliveries.listing(session=session, actor=user).where(Delivery.id == delivery_id)).one()
    return _row_out(row)


@bp.get("/notifications")
@spec.validate(query=PageQuery, resp=errors(422, HTTP_200=NotificationPage), tags=["subscriptions"])
def list_notifications():
    """The caller's in-app notifications (their inbox subscriptions), newest first, with the unread count."""
    params, session, user = request.context.query, get_session(), current_user()
    query = deliveries.inbox(session=session, actor=user).order_by(None).add_columns(_NEWEST)
    rows, cursor = page(query, [_NEWEST], params)
    items = [NotificationOut.model_validate({
        "id": row.Delivery.id, "alert_id": row.Alert.id, "kind": row.Alert.kind, "severity": row.Alert.severity,
        "state": row.Alert.state, "event": row.AlertEvent.kind, "at": row.AlertEvent.at,
        "subject_type": row.Alert.subject_type, "subject_id": row.Alert.subject_id, "payload": row.Alert.payload,
        "delivered_at": row.Delivery.delivered_at, "read_at": row.Delivery.read_at}) for row in rows]
    return NotificationPage(items=items, next_cursor=cursor,
                            unread=deliveries.unread_count(session=session, actor=user))


@bp.post("/notifications/read")
@spec.validate(json=ReadBody, resp=errors(*BODY, 404, HTTP_200=Unread), tags=["subscriptions"])
def read_notifications():
    """Mark notifications read and answer the unread count left (404, marking nothing, when an id is not one of
    the caller's notifications)."""
    body, session, user = request.context.json, get_session(), current_user()
    deliveries.mark_read(session=session, actor=user, delivery_ids=body.ids)
    session.commit()
    return Unread(unread=deliveries.unread_count(session=session, actor=user))
