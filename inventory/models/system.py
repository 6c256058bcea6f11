"""Heartbeats: when each worker or beat process last reached the database."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime
from sqlmodel import Field, SQLModel


class Heartbeat(SQLModel, table=True):
    name: str = Field(primary_key=True, max_length=64)
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
