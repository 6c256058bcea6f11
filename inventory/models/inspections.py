"""Inspections (监督检查, reserve-materials-measures §五(二)), their findings and photos, and the storage
qualification (承储资格) of enterprises with its decision trail (约谈, suspension, revocation, §六(二)).

An inspection belongs to the enterprise inspected and to the bureau that inspected it (``bureau_id``); its
findings copy both so the workflow registry and the scope read them without a join.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from inventory.models.base import created_at_field, timestamp_field
from inventory.models.stock import QTY


class Inspection(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    enterprise_id: int = Field(foreign_key="organisation.id", index=True)
    facility_id: int | None = Field(default=None, foreign_key="facility.id", index=True)
    #: the inspecting reserve bureau (the recorder's organisation)
    bureau_id: int = Field(foreign_key="organisation.id", index=True)
    inspected_on: date = Field(index=True)
    scope: str = Field(max_length=2000, description="what was inspected")
    quality_findings: str = Field(default="", max_length=2000)
    #: SafetyAspect -> {"ok": bool, "note": str}; "systems": the facility's safety systems as they stood
    safety: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="open", max_length=16, index=True)
    outcome: str = Field(default="none", max_length=16, description="InspectionOutcome")
    recorded_by: int = Field(foreign_key="user.id")
    created_at: datetime = created_at_field()
    closed_by: int | None = Field(default=None, foreign_key="user.id")
    closed_at: datetime | None = timestamp_field()
    close_note: str = Field(default="", max_length=500)


class InspectionLotCheck(SQLModel, table=True):
    """The quantity check of one lot: counted on the floor against the book (on-hand) when inspected."""

    __tablename__ = "inspection_lot_check"
    __table_args__ = (
        UniqueConstraint("inspection_id", "lot_id"),
        CheckConstraint("counted >= 0", name="counted_not_negative"),
    )
    id: int | None = Field(default=None, primary_key=True)
    inspection_id: int = Field(foreign_key="inspection.id", index=True)
    lot_id: int = Field(foreign_key="lot.id", index=True)
    book: Decimal = Field(**QTY)
    counted: Decimal = Field(**QTY)
    note: str = Field(default="", max_length=500)


class InspectionFinding(SQLModel, table=True):
    """One of the ten violations found (§六(二)), answered by the enterprise and closed by the bureau."""

    __tablename__ = "inspection_finding"
    __table_args__ = (UniqueConstraint("inspection_id", "kind"),)
    id: int | None = Field(default=None, primary_key=True)
    inspection_id: int = Field(foreign_key="inspection.id", index=True)
    enterprise_id: int = Field(foreign_key="organisation.id", index=True)
    bureau_id: int = Field(foreign_key="organisation.id", index=True)
    kind: str = Field(max_length=32, description="ViolationKind")
    evidence: str = Field(max_length=2000)
    note: str = Field(default="", max_length=500)
    status: str = Field(default="open", max_length=16, index=True)
    recorded_by: int = Field(foreign_key="user.id")
    created_at: datetime = created_at_field()
    corrective_action: str = Field(default="", max_length=2000)
    corrective_due_on: date | None = None
    answered_by: int | None = Field(default=None, foreign_key="user.id")
    answered_at: datetime | None = timestamp_field()
    returned_by: int | None = Field(default=None, foreign_key="user.id")
    return_note: str = Field(default="", max_length=500)
    closed_by: int | None = Field(default=None, foreign_key="user.id")
    closed_at: datetime | None = timestamp_field()
    close_note: str = Field(default="", max_length=500)


class InspectionPhoto(SQLModel, table=True):
    """A photo or document of an inspection, stored on disk under its SHA-256 (services/inspections/files.py)."""

    __tablename__ = "inspection_photo"
    __table_args__ = (UniqueConstraint("inspection_id", "sha256"),)
    id: int | None = Field(default=None, primary_key=True)
    inspection_id: int = Field(foreign_key="inspection.id", index=True)
    sha256: str = Field(max_length=64)
    media_type: str = Field(max_length=64)
    size: int
    filename: str = Field(max_length=255)
    caption: str = Field(default="", max_length=255)
    uploaded_by: int = Field(foreign_key="user.id")
    uploaded_at: datetime = created_at_field()


class Qualification(SQLModel, table=True):
    """An enterprise's storage qualification; no row means qualified. Changed only by a sanction's decision."""

    enterprise_id: int = Field(foreign_key="organisation.id", primary_key=True)
    state: str = Field(default="qualified", max_length=16, index=True, description="QualificationState")
    changed_at: datetime | None = timestamp_field()
    sanction_id: int | None = Field(default=None, foreign_key="sanction.id")


class Sanction(SQLModel, table=True):
    """A decision on an enterprise's qualification, taken on an inspection: the trail issue 13 builds on."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    kind: str = Field(max_length=16, description="SanctionKind")
    status: str = Field(max_length=16, index=True, description="SanctionStatus")
    enterprise_id: int = Field(foreign_key="organisation.id", index=True)
    inspection_id: int = Field(foreign_key="inspection.id", index=True)
    #: the inspecting bureau, whose approver decides a proposal
    bureau_id: int = Field(foreign_key="organisation.id", index=True)
    #: who recorded or proposed it, and for whom (CO-NDRC, CO-FIN or the bureau)
    org_id: int = Field(foreign_key="organisation.id")
    decided_on: date = Field(description="the interview's day, or the decision's")
    minutes: str = Field(max_length=4000, description="the interview's minutes, or the grounds")
    proposed_by: int = Field(foreign_key="user.id")
    created_at: datetime = created_at_field()
    decided_by: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime | None = timestamp_field()
    decision_note: str = Field(default="", max_length=500)
