"""Heartbeats: when each worker or beat process last reached the database."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from inventory.models.types import UTCDateTime


class Heartbeat(SQLModel, table=True):
    name: str = Field(primary_key=True, max_length=64)
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
