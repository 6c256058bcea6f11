"""Alerts (docs/domain-rules.md, alerts): one row per condition, found by its dedup key, opened, refreshed,
escalated and resolved by the scans; and the append-only history of each alert's state and severity."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from inventory.models.base import created_at_field, timestamp_field
from inventory.models.types import UTCDateTime


class Alert(SQLModel, table=True):
    """Written by ``services.alerts`` only: the scans upsert on ``dedup_key``; a person acknowledges."""

    __tablename__ = "alert"
    __table_args__ = (
        # no column a scan rewrites on every run (last_seen, payload) is indexed, so PostgreSQL can refresh an
        # alert in place (a HOT update) instead of writing every index again
        Index("ix_alert_kind_state", "kind", "state"),
        Index("ix_alert_state_id", "state", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32, description="lot_expiring, lot_expired, count_mismatch, approval_waiting, …")
    severity: str = Field(max_length=16)
    state: str = Field(default="open", max_length=16)
    #: one alert per condition: ``kind:subject_type:subject_id`` (or finer); the scans' ON CONFLICT target
    dedup_key: str = Field(max_length=160, unique=True)
    subject_type: str = Field(max_length=32, description="lot, count_mismatch, transfer, count, …")
    subject_id: int
    #: scoping and filtering: the enterprise concerned, the material and the bureau responsible for it
    enterprise_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    material_id: int | None = Field(default=None, foreign_key="material.id")
    bureau_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    district_id: int | None = Field(default=None, foreign_key="district.id")
    #: the facility concerned, so a silence of one cold store mutes its alerts
    facility_id: int | None = Field(default=None, foreign_key="facility.id")
    category: str = Field(default="", max_length=32)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    first_seen: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    last_seen: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    acknowledged_by: int | None = Field(default=None, foreign_key="user.id")
    acknowledged_at: datetime | None = timestamp_field()
    resolved_at: datetime | None = timestamp_field()
    #: escalation of an unacknowledged critical alert: 0 the enterprise, 1 the bureau, 2 the coordinators;
    #: ``escalate_at`` is when the next step is due (None unless open and critical)
    escalation_level: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    escalate_at: datetime | None = timestamp_field(index=True)
    #: when an unresolved critical alert is next reminded of (None unless critical)
    remind_at: datetime | None = timestamp_field(index=True)


class AlertEvent(SQLModel, table=True):
    """One row per change of an alert's state or severity; ``actor_id`` is None for the scans."""

    __tablename__ = "alert_event"
    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alert.id", index=True)
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    from_state: str | None = Field(default=None, max_length=16)
    to_state: str = Field(max_length=16)
    from_severity: str | None = Field(default=None, max_length=16)
    to_severity: str = Field(max_length=16)
    #: ``AlertEventKind``: what the outbox delivers (and to whom: an escalation goes to its level only)
    kind: str = Field(default="opened", max_length=16, sa_column_kwargs={"server_default": "opened"})
    #: the escalation level an ``escalated`` event reached
    level: int | None = None
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    note: str = Field(default="", max_length=500)


class Subscription(SQLModel, table=True):
    """Who is told about which alerts, where and when: a user's own, or an organisation's (managed by its
    manager or approver). The filters narrow; the scope rules of the owner decide what can ever be sent."""

    __tablename__ = "subscription"
    __table_args__ = (
        CheckConstraint("(user_id IS NULL) <> (org_id IS NULL)", name="one_owner"),
        CheckConstraint("digest_hour IS NULL OR (digest_hour >= 0 AND digest_hour <= 23)", name="digest_hour"),
    )
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    #: alert kinds; empty means every kind
    kinds: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    min_severity: str = Field(default="info", max_length=16)
    #: organisation ids of enterprises, category codes, district ids; empty means no filter
    enterprises: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    categories: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    districts: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    channel: str = Field(max_length=16)
    #: e-mail address or URL; empty for the in-app inbox
    target: str = Field(default="", max_length=500)
    #: the webhook's HMAC key or DingTalk's signing secret
    secret: str = Field(default="", max_length=200)
    #: None: immediately (grouped over a short wait); else a daily digest at this hour, business time
    digest_hour: int | None = None
    next_digest_at: datetime | None = timestamp_field()
    send_resolved: bool = False
    active: bool = True
    #: the language of messages an organisation's subscription sends (a user's follow the user)
    locale: str = Field(default="zh", max_length=8)
    created_by: int = Field(foreign_key="user.id")
    created_at: datetime = created_at_field()
    deleted_at: datetime | None = timestamp_field()


class Delivery(SQLModel, table=True):
    """The outbox: one row per (alert change, subscription), written in the transaction that changed the alert.

    ``batch`` is the message a worker sends (rows of one subscription and group sent together) and the
    ``X-Reserve-Delivery`` id receivers deduplicate by; a retry resends the same batch id.
    """

    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("event_id", "subscription_id"),
        # the worker's reads are of pending and sending rows only; delivered ones are history
        Index("ix_delivery_waiting_due", "due_at", postgresql_where=text("state IN ('pending', 'sending')"),
              sqlite_where=text("state IN ('pending', 'sending')")),
        Index("ix_delivery_subscription_state", "subscription_id", "state"),
        # an administrator's retry takes the other dead rows of a batch with it
        Index("ix_delivery_dead_batch", "batch", postgresql_where=text("state = 'dead'"),
              sqlite_where=text("state = 'dead'")),
    )
    id: int | None = Field(default=None, primary_key=True)
    #: no foreign keys on the outbox: its rows are written only by the fan-out's INSERT … SELECT, which joins
    #: the event, its alert and the subscription, and none of those is ever deleted; a key's check on each of
    #: millions of rows would double the fan-out's time (docs/domain-rules.md, alerts)
    event_id: int
    #: the event's alert, beside it for the passes that settle due rows; an alert's deliveries are found
    #: through its events (the unique key leads with ``event_id``), so this column needs no index of its own
    alert_id: int
    subscription_id: int
    #: rows of one subscription with one group key go out as one message: the kind, or ``digest``
    group_key: str = Field(max_length=40)
    state: str = Field(default="pending", max_length=16)
    due_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    attempts: int = 0
    batch: str | None = Field(default=None, max_length=36)
    claimed_at: datetime | None = timestamp_field()
    delivered_at: datetime | None = timestamp_field()
    #: the receiver's last answer: HTTP status or SMTP reply code, and the error text
    last_status: int | None = None
    last_error: str = Field(default="", max_length=500)
    #: in-app inbox: when its reader opened it
    read_at: datetime | None = timestamp_field()
    #: the silence holding it back (ending that silence early releases it at once)
    held_by: int | None = Field(default=None, foreign_key="silence.id")
    created_at: datetime = created_at_field()


class Silence(SQLModel, table=True):
    """A time-bounded mute with a reason: matching alerts stay on their pages but deliver nothing until it ends.

    Every given matcher must match (kind, enterprise, facility, material); at least one place is given. It
    mutes only the deliveries of its own organisation's subscriptions (``org_id``), or everyone's when a
    city-wide role set it (``everyone``): an enterprise's maintenance must not silence its supervisors.
    """

    __tablename__ = "silence"
    id: int | None = Field(default=None, primary_key=True)
    reason: str = Field(max_length=500)
    kind: str | None = Field(default=None, max_length=32)
    enterprise_id: int | None = Field(default=None, foreign_key="organisation.id")
    facility_id: int | None = Field(default=None, foreign_key="facility.id")
    material_id: int | None = Field(default=None, foreign_key="material.id")
    starts_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    ends_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
    org_id: int = Field(foreign_key="organisation.id")
    everyone: bool = False
    created_by: int = Field(foreign_key="user.id")
    created_at: datetime = created_at_field()
