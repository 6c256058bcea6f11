"""Violations recorded against a storage enterprise (reserve-materials-measures §六(二)) for its evaluation."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from inventory.models.base import created_at_field


class Violation(SQLModel, table=True):
    """One violation; ``source`` names what it was found on (an instruction, an inspection), once per source."""

    __table_args__ = (UniqueConstraint("kind", "source_type", "source_id"),)
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="organisation.id", index=True)
    kind: str = Field(max_length=32, description="ViolationKind")
    source_type: str = Field(max_length=32)
    source_id: int
    note: str = Field(default="", max_length=500)
    recorded_by: int | None = Field(default=None, foreign_key="user.id")
    recorded_at: datetime = created_at_field()
