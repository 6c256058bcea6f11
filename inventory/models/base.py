"""Shared column helpers; the naming convention is set in ``models/__init__`` before any table class."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field

from inventory.models.types import UTCDateTime
from inventory.core.clock import utcnow


def created_at_field() -> datetime:
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


def timestamp_field(*, index: bool = False) -> datetime | None:
    return Field(default=None, sa_column=Column(UTCDateTime, nullable=True, index=index))
