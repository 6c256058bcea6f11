"""Rotation (轮换) and scrap (报废) of reserve stock (reserve-materials-measures §三, docs/domain-rules.md).

A rotation sells ageing lots (``rotation_out``) and buys the same material back (``rotation_in``) within a window;
its executions keep the prices out and in (§二(六)2(4): "low in, high out" must be visible). A scrap takes lots out
for good (``scrap``) once the bureau approved it and a witness signed it off, and in the same transaction opens a
replenishment of the same quantity. Evidence files live on disk under the instance folder; a row keeps their
SHA-256.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from inventory.models.base import created_at_field, timestamp_field
from inventory.models.stock import QTY


class ScrapRule(SQLModel, table=True):
    """When a lot of a scrap-policy material is old enough to be scrapped (报废时限): age in days, counted from
    its production date or its receipt; ``conditions`` says in words what else the bureau requires."""

    __tablename__ = "scrap_rule"
    __table_args__ = (CheckConstraint("age_days > 0", name="age_days_positive"),)
    id: int | None = Field(default=None, primary_key=True)
    material_id: int = Field(foreign_key="material.id", unique=True)
    age_days: int
    counted_from: str = Field(default="production", max_length=16, description="ScrapAgeBasis")
    conditions: str = Field(default="", max_length=500)
    set_by: int = Field(foreign_key="user.id")
    set_at: datetime = created_at_field()


class Scrap(SQLModel, table=True):
    """A scrap request of one enterprise for lots of one material."""

    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    enterprise_id: int = Field(foreign_key="organisation.id", index=True)
    material_id: int = Field(foreign_key="material.id", index=True)
    quantity: Decimal = Field(**QTY, description="the sum of its lines")
    reason_kind: str = Field(max_length=24, description="ScrapReason")
    reason: str = Field(max_length=2000)
    status: str = Field(default="draft", max_length=16, index=True)
    requested_by: int = Field(foreign_key="user.id")
    created_at: datetime = created_at_field()
    submitted_by: int | None = Field(default=None, foreign_key="user.id")
    submitted_at: datetime | None = timestamp_field()
    approved_by: int | None = Field(default=None, foreign_key="user.id")
    approved_at: datetime | None = timestamp_field()
    approval_note: str = Field(default="", max_length=500)
    witnessed_by: int | None = Field(default=None, foreign_key="user.id")
    witnessed_at: datetime | None = timestamp_field()
    witness_note: str = Field(default="", max_length=500)
    rejected_by: int | None = Field(default=None, foreign_key="user.id")
    rejected_at: datetime | None = timestamp_field()
    rejection_note: str = Field(default="", max_length=500)
    cancelled_by: int | None = Field(default=None, foreign_key="user.id")
    cancelled_at: datetime | None = timestamp_field()
    executed_by: int | None = Field(default=None, foreign_key="user.id")
    executed_at: datetime | None = timestamp_field()
    replenishment_id: int | None = Field(default=None, foreign_key="replenishment.id")


class ScrapLine(SQLModel, table=True):
    __tablename__ = "scrap_line"
    __table_args__ = (UniqueConstraint("scrap_id", "lot_id"),
                      CheckConstraint("quantity > 0", name="quantity_positive"))
    id: int | None = Field(default=None, primary_key=True)
    scrap_id: int = Field(foreign_key="scrap.id", index=True)
    lot_id: int = Field(foreign_key="lot.id", index=True)
    quantity: Decimal = Field(**QTY)


class ScrapAttachment(SQLModel, table=True):
    """An evidence file (photo or PDF); its bytes are on disk, named by the row, checked by ``sha256``."""

    __tablename__ = "scrap_attachment"
    id: int | None = Field(default=None, primary_key=True)
    scrap_id: int = Field(foreign_key="scrap.id", index=True)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=64)
    size: int
    sha256: str = Field(max_length=64)
    stored_as: str = Field(max_length=128, description="path under the attachments folder")
    uploaded_by: int = Field(foreign_key="user.id")
    uploaded_at: datetime = created_at_field()


class Rotation(SQLModel, table=True):
    """An enterprise's rotation of lots of one material: out by sale, back in within the window."""

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("window_days >= 1 AND window_days <= 365", name="window_days_range"),
        CheckConstraint("quantity_out >= 0 AND quantity_out <= quantity", name="out_within"),
        CheckConstraint("quantity_in >= 0", name="in_not_negative"),
    )
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    enterprise_id: int = Field(foreign_key="organisation.id", index=True)
    material_id: int = Field(foreign_key="material.id", index=True)
    mode: str = Field(max_length=16, description="RotationMode: market or directed")
    quantity: Decimal = Field(**QTY, description="planned out")
    window_days: int
    sale_price: Decimal | None = Field(default=None, **QTY, description="yuan per unit, proposed")
    note: str = Field(default="", max_length=500)
    status: str = Field(default="draft", max_length=16, index=True)
    quantity_out: Decimal = Field(default=Decimal(0), **QTY)
    quantity_in: Decimal = Field(default=Decimal(0), **QTY)
    requested_by: int = Field(foreign_key="user.id")
    created_at: datetime = created_at_field()
    submitted_by: int | None = Field(default=None, foreign_key="user.id")
    submitted_at: datetime | None = timestamp_field()
    approved_by: int | None = Field(default=None, foreign_key="user.id")
    approved_at: datetime | None = timestamp_field()
    approval_note: str = Field(default="", max_length=500)
    window_ends_on: date | None = Field(default=None, index=True,
                                        description="the last day of the window: approval day + window_days")
    rejected_by: int | None = Field(default=None, foreign_key="user.id")
    rejected_at: datetime | None = timestamp_field()
    rejection_note: str = Field(default="", max_length=500)
    cancelled_by: int | None = Field(default=None, foreign_key="user.id")
    cancelled_at: datetime | None = timestamp_field()
    completed_by: int | None = Field(default=None, foreign_key="user.id")
    completed_at: datetime | None = timestamp_field()


class RotationLot(SQLModel, table=True):
    """A lot the rotation proposes to take out."""

    __tablename__ = "rotation_lot"
    __table_args__ = (UniqueConstraint("rotation_id", "lot_id"),)
    id: int | None = Field(default=None, primary_key=True)
    rotation_id: int = Field(foreign_key="rotation.id", index=True)
    lot_id: int = Field(foreign_key="lot.id", index=True)


class RotationMovement(SQLModel, table=True):
    """One execution of a rotation: the ledger movement with its price (and, coming in, its quality result)."""

    __tablename__ = "rotation_movement"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),
                      CheckConstraint("unit_price >= 0", name="unit_price_not_negative"))
    id: int | None = Field(default=None, primary_key=True)
    rotation_id: int = Field(foreign_key="rotation.id", index=True)
    movement_id: int = Field(foreign_key="movement.id")
    lot_id: int = Field(foreign_key="lot.id")
    direction: str = Field(max_length=8, description="out or in")
    quantity: Decimal = Field(**QTY)
    unit_price: Decimal = Field(**QTY, description="yuan per unit: sale price out, purchase price in")
    quality_result: str = Field(default="", max_length=16, description="InspectionResult of stock coming in")
    note: str = Field(default="", max_length=500)
    recorded_by: int = Field(foreign_key="user.id")
    recorded_at: datetime = created_at_field()
