"""Physical counts (盘点, 账实相符): counted against book, corrected on a bureau's approval."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from inventory.models.base import created_at_field, timestamp_field
from inventory.models.stock import QTY


class StockCount(SQLModel, table=True):
    __tablename__ = "stock_count"
    id: int | None = Field(default=None, primary_key=True)
    facility_id: int = Field(foreign_key="facility.id", index=True)
    enterprise_id: int = Field(foreign_key="organisation.id", index=True)
    status: str = Field(default="open", max_length=16, index=True)
    note: str = Field(default="", max_length=500)
    opened_by: int = Field(foreign_key="user.id")
    submitted_by: int | None = Field(default=None, foreign_key="user.id")
    decided_by: int | None = Field(default=None, foreign_key="user.id")
    decision_note: str = Field(default="", max_length=500)
    opened_at: datetime = created_at_field()
    submitted_at: datetime | None = timestamp_field()
    decided_at: datetime | None = timestamp_field()


class StockCountLine(SQLModel, table=True):
    __tablename__ = "stock_count_line"
    __table_args__ = (UniqueConstraint("count_id", "lot_id"),)
    id: int | None = Field(default=None, primary_key=True)
    count_id: int = Field(foreign_key="stock_count.id", index=True)
    lot_id: int = Field(foreign_key="lot.id")
    counted: Decimal | None = Field(default=None, **QTY)
    book_at_submit: Decimal | None = Field(default=None, **QTY)
    difference: Decimal | None = Field(default=None, **QTY)


class CountMismatch(SQLModel, table=True):
    """A difference beyond the tolerance; the alerts scan turns open ones into ``count_mismatch`` alerts."""

    __tablename__ = "count_mismatch"
    id: int | None = Field(default=None, primary_key=True)
    count_id: int = Field(foreign_key="stock_count.id", index=True)
    lot_id: int = Field(foreign_key="lot.id")
    enterprise_id: int = Field(foreign_key="organisation.id", index=True)
    book: Decimal = Field(**QTY)
    counted: Decimal = Field(**QTY)
    difference: Decimal = Field(**QTY)
    created_at: datetime = created_at_field()
    resolved_at: datetime | None = timestamp_field()
    #: the bureau's decision on the count it belongs to (approved / rejected): the evidence is kept either way
    decision: str = Field(default="", max_length=16)
