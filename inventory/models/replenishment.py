"""Replenishments (补充, reserve-materials-measures §四(二)): bringing a material back to its plan scale at an
enterprise after a dispatch (or a scrap), with a due date, fulfilled by receipts linked to it."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from inventory.models.base import created_at_field, timestamp_field
from inventory.models.stock import QTY


class Replenishment(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("received >= 0", name="received_not_negative"),
    )
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    source: str = Field(max_length=16, description="what it replenishes: dispatch or scrap")
    dispatch_id: int | None = Field(default=None, foreign_key="dispatch.id", index=True)
    material_id: int = Field(foreign_key="material.id", index=True)
    enterprise_id: int = Field(foreign_key="organisation.id", index=True)
    quantity: Decimal = Field(**QTY)
    received: Decimal = Field(default=Decimal(0), **QTY)
    due_on: date = Field(index=True)
    status: str = Field(default="proposed", max_length=16, index=True)
    proposed_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = created_at_field()
    confirmed_by: int | None = Field(default=None, foreign_key="user.id")
    confirmed_at: datetime | None = timestamp_field()
    confirm_note: str = Field(default="", max_length=500)
    fulfilled_at: datetime | None = timestamp_field()
