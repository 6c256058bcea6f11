"""Receive and release instructions to storage enterprises (入库/出库指令): what to move, from which lots, by when.

An approved dispatch sends one release instruction per allocated enterprise and material; a bureau issues others
on its own (a replenishment's receipts, a rotation). ``executed`` grows with each execution by a conditional
update that never passes ``quantity``; the ledger movements carry ``ref_type='instruction'``.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from inventory.models.base import created_at_field, timestamp_field
from inventory.models.stock import QTY


class Instruction(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("executed >= 0 AND executed <= quantity", name="executed_within"),
    )
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    kind: str = Field(max_length=16, description="InstructionKind: release or receive")
    status: str = Field(default="issued", max_length=16, index=True)
    enterprise_id: int = Field(foreign_key="organisation.id", index=True)
    material_id: int = Field(foreign_key="material.id", index=True)
    quantity: Decimal = Field(**QTY)
    executed: Decimal = Field(default=Decimal(0), **QTY)
    deadline: date = Field(index=True)
    reason: str = Field(default="", max_length=500)
    dispatch_id: int | None = Field(default=None, foreign_key="dispatch.id", index=True)
    replenishment_id: int | None = Field(default=None, foreign_key="replenishment.id", index=True)
    issued_by: int = Field(foreign_key="user.id")
    issuing_org_id: int = Field(foreign_key="organisation.id")
    created_at: datetime = created_at_field()
    acknowledged_by: int | None = Field(default=None, foreign_key="user.id")
    acknowledged_at: datetime | None = timestamp_field()
    refused_by: int | None = Field(default=None, foreign_key="user.id")
    refused_at: datetime | None = timestamp_field()
    refusal_reason: str = Field(default="", max_length=500)
    cancelled_by: int | None = Field(default=None, foreign_key="user.id")
    cancelled_at: datetime | None = timestamp_field()
    cancel_note: str = Field(default="", max_length=500)
    closed_at: datetime | None = timestamp_field()
    #: executed (in part) after the deadline: recorded once as the §六(二)10 violation
    late: bool = Field(default=False)


class InstructionLot(SQLModel, table=True):
    """A lot a release instruction may be executed from: proposed with it, or added later with the bureau's consent."""

    __tablename__ = "instruction_lot"
    __table_args__ = (UniqueConstraint("instruction_id", "lot_id"),)
    id: int | None = Field(default=None, primary_key=True)
    instruction_id: int = Field(foreign_key="instruction.id", index=True)
    lot_id: int = Field(foreign_key="lot.id", index=True)
    proposed: Decimal = Field(default=Decimal(0), **QTY, description="the quantity proposed from this lot")
    #: what the instruction took from this lot so far: an open instruction still holds ``proposed - taken``
    taken: Decimal = Field(default=Decimal(0), **QTY)
    added_by: int | None = Field(default=None, foreign_key="user.id", description="the bureau user who consented")
