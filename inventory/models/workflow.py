"""The timeline of every approval workflow: one row per step, whoever took it and in which role."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from inventory.models.base import created_at_field


class WorkflowStep(SQLModel, table=True):
    """Written by the transition helper in the transaction that changes the row's status."""

    __tablename__ = "workflow_step"
    __table_args__ = (Index("ix_workflow_step_subject", "flow", "entity_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    flow: str = Field(max_length=32, description="the registered flow: transfer, adjustment, count, …")
    entity_id: int
    action: str = Field(max_length=32)
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str = Field(max_length=16)
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    role: str = Field(default="", max_length=32)
    org_id: int | None = Field(default=None, foreign_key="organisation.id")
    note: str = Field(default="", max_length=500)
    at: datetime = created_at_field()
