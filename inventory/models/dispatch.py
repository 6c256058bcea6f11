"""Dispatch plans (动用方案, reserve-materials-measures §四(一)): the plan, its lines and, once the government
approves it, the lots each line is taken from; the emergency authorisations that let a department dispatch at
once (紧急调用), and what comes back unused (回收)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from inventory.models.base import created_at_field, timestamp_field
from inventory.models.stock import QTY


class Dispatch(SQLModel, table=True):
    """One plan. The plan's fields may stay empty while it is a draft; submitting needs them all.

    The three co-signatures are stamped per party (``*_signed_by``); ``round`` counts submissions, since a
    rejection returns the plan to draft and clears them (the timeline keeps every signature of every round).
    """

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    trigger: str = Field(default="", max_length=16, description="DispatchTrigger: emergency, market, other")
    trigger_description: str = Field(default="", max_length=2000)
    recipients: str = Field(default="", max_length=500, description="who receives and uses the stock (使用安排)")
    district_id: int | None = Field(default=None, foreign_key="district.id")
    address: str = Field(default="", max_length=255)
    transport: str = Field(default="", max_length=2000, description="transport arrangement (运输保障)")
    requested_on: date | None = None
    status: str = Field(default="draft", max_length=16, index=True)
    drafted_by: int = Field(foreign_key="user.id")
    drafting_org_id: int = Field(foreign_key="organisation.id", index=True)
    bureau_id: int | None = Field(default=None, foreign_key="organisation.id", index=True,
                                  description="the reserve bureau responsible for the materials")
    round: int = Field(default=1, description="submission round; a rejection starts the next")
    submitted_by: int | None = Field(default=None, foreign_key="user.id")
    submitted_at: datetime | None = timestamp_field()
    ndrc_signed_by: int | None = Field(default=None, foreign_key="user.id")
    ndrc_signed_at: datetime | None = timestamp_field()
    finance_signed_by: int | None = Field(default=None, foreign_key="user.id")
    finance_signed_at: datetime | None = timestamp_field()
    bureau_signed_by: int | None = Field(default=None, foreign_key="user.id")
    bureau_signed_at: datetime | None = timestamp_field()
    approved_by: int | None = Field(default=None, foreign_key="user.id")
    approved_at: datetime | None = timestamp_field()
    approval_note: str = Field(default="", max_length=500)
    rejected_by: int | None = Field(default=None, foreign_key="user.id")
    rejected_at: datetime | None = timestamp_field()
    rejection_note: str = Field(default="", max_length=500, description="the last rejection's reason")
    cancelled_by: int | None = Field(default=None, foreign_key="user.id")
    cancelled_at: datetime | None = timestamp_field()
    cancel_note: str = Field(default="", max_length=500)
    emergency: bool = Field(default=False, description="紧急调用: executed at once under an authorisation")
    authorisation_id: int | None = Field(default=None, foreign_key="emergency_authorisation.id")
    executed_by: int | None = Field(default=None, foreign_key="user.id")
    executed_at: datetime | None = timestamp_field()
    completed_by: int | None = Field(default=None, foreign_key="user.id")
    completed_at: datetime | None = timestamp_field()
    work_ended_on: date | None = Field(default=None, description="when the emergency work ended")
    filing_due_on: date | None = Field(default=None, index=True, description="work end + 20 days (§四(一))")
    filed_by: int | None = Field(default=None, foreign_key="user.id")
    filed_at: datetime | None = timestamp_field()
    filing_reference: str = Field(default="", max_length=100)
    created_at: datetime = created_at_field()


class DispatchLine(SQLModel, table=True):
    """A material of the plan with its quantity and price; a price of 0 (a free allocation) needs a note."""

    __tablename__ = "dispatch_line"
    __table_args__ = (
        UniqueConstraint("dispatch_id", "material_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
    )
    id: int | None = Field(default=None, primary_key=True)
    dispatch_id: int = Field(foreign_key="dispatch.id", index=True)
    material_id: int = Field(foreign_key="material.id")
    quantity: Decimal = Field(**QTY)
    unit_price: Decimal | None = Field(default=None, **QTY, description="yuan per unit; empty until stated")
    price_note: str = Field(default="", max_length=255)


class DispatchAllocation(SQLModel, table=True):
    """Where a line is taken from: a lot of an enterprise, proposed FEFO at approval or chosen by the approver."""

    __tablename__ = "dispatch_allocation"
    __table_args__ = (
        UniqueConstraint("line_id", "lot_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )
    id: int | None = Field(default=None, primary_key=True)
    dispatch_id: int = Field(foreign_key="dispatch.id", index=True)
    line_id: int = Field(foreign_key="dispatch_line.id", index=True)
    lot_id: int = Field(foreign_key="lot.id", index=True)
    enterprise_id: int = Field(foreign_key="organisation.id", index=True)
    quantity: Decimal = Field(**QTY)


class EmergencyAuthorisation(SQLModel, table=True):
    """The government's authorisation of a department to dispatch at once and file afterwards (§四(一)),
    recorded by an administrator with its reference and period; ``revoked_at`` ends it early."""

    __tablename__ = "emergency_authorisation"
    __table_args__ = (CheckConstraint("valid_until >= valid_from", name="period_ordered"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    reference: str = Field(max_length=100)
    valid_from: date
    valid_until: date
    note: str = Field(default="", max_length=500)
    recorded_by: int = Field(foreign_key="user.id")
    recorded_at: datetime = created_at_field()
    revoked_by: int | None = Field(default=None, foreign_key="user.id")
    revoked_at: datetime | None = timestamp_field()


class DispatchRecovery(SQLModel, table=True):
    """Stock delivered but not used, returned into a new lot of the enterprise it came from (回收, §一(三))."""

    __tablename__ = "dispatch_recovery"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)
    id: int | None = Field(default=None, primary_key=True)
    dispatch_id: int = Field(foreign_key="dispatch.id", index=True)
    material_id: int = Field(foreign_key="material.id")
    enterprise_id: int = Field(foreign_key="organisation.id", index=True)
    lot_id: int = Field(foreign_key="lot.id")
    quantity: Decimal = Field(**QTY)
    quality_result: str = Field(max_length=16)
    note: str = Field(default="", max_length=500)
    recorded_by: int = Field(foreign_key="user.id")
    recorded_at: datetime = created_at_field()
