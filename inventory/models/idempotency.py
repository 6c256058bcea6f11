"""Responses remembered per (user, Idempotency-Key) so a retried POST creates nothing new."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from inventory.models.base import created_at_field


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("user_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    key: str = Field(max_length=128)
    method: str = Field(max_length=8)
    path: str = Field(max_length=255)
    status_code: int
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = created_at_field()
