"""Stock changes that wait for a bureau's decision: transfers to another place and large write-downs."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlmodel import Field, SQLModel

from inventory.models.base import created_at_field, timestamp_field
from inventory.models.stock import QTY


class Transfer(SQLModel, table=True):
    """Moving stock to another facility; approval needed for another enterprise or district (§二(六)2(3))."""

    id: int | None = Field(default=None, primary_key=True)
    lot_id: int = Field(foreign_key="lot.id", index=True)
    to_facility_id: int = Field(foreign_key="facility.id")
    enterprise_id: int = Field(foreign_key="organisation.id", index=True, description="the source enterprise")
    to_enterprise_id: int = Field(foreign_key="organisation.id", index=True)
    quantity: Decimal = Field(**QTY)
    needs_approval: bool
    status: str = Field(default="pending", max_length=16, index=True)
    reason: str = Field(default="", max_length=500)
    requested_by: int = Field(foreign_key="user.id")
    decided_by: int | None = Field(default=None, foreign_key="user.id")
    decision_note: str = Field(default="", max_length=500)
    to_lot_id: int | None = Field(default=None, foreign_key="lot.id")
    created_at: datetime = created_at_field()
    decided_at: datetime | None = timestamp_field()


class Adjustment(SQLModel, table=True):
    """A write-down beyond the tolerance, held until a bureau approver agrees."""

    id: int | None = Field(default=None, primary_key=True)
    lot_id: int = Field(foreign_key="lot.id", index=True)
    enterprise_id: int = Field(foreign_key="organisation.id", index=True)
    quantity: Decimal = Field(**QTY)
    note: str = Field(default="", max_length=500)
    status: str = Field(default="pending", max_length=16, index=True)
    requested_by: int = Field(foreign_key="user.id")
    decided_by: int | None = Field(default=None, foreign_key="user.id")
    decision_note: str = Field(default="", max_length=500)
    movement_id: int | None = Field(default=None, foreign_key="movement.id")
    created_at: datetime = created_at_field()
    decided_at: datetime | None = timestamp_field()
