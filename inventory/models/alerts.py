"""Alerts (docs/domain-rules.md, alerts): one row per condition, found by its dedup key, opened, refreshed,
escalated and resolved by the scans; and the append-only history of each alert's state and severity."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from inventory.models.base import timestamp_field
from inventory.models.types import UTCDateTime


class Alert(SQLModel, table=True):
    """Written by ``services.alerts`` only: the scans upsert on ``dedup_key``; a person acknowledges."""

    __tablename__ = "alert"
    __table_args__ = (
        Index("ix_alert_kind_state", "kind", "state", "last_seen"),
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
    category: str = Field(default="", max_length=32)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    first_seen: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    last_seen: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    acknowledged_by: int | None = Field(default=None, foreign_key="user.id")
    acknowledged_at: datetime | None = timestamp_field()
    resolved_at: datetime | None = timestamp_field()


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
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    note: str = Field(default="", max_length=500)
