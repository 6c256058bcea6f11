"""Reserve plans (reserve-materials-measures §二(一)–(五), docs/plans.md): the approved catalogue and its scale,
annual plans, temporary additions, how enterprises were selected, storage contracts, annual evaluations and the
periodic statistics reports.

Catalogue versions and annual plans are documents: drafted, co-signed (``PlanSignature``, one row per signing
organisation and round, unique, so a party signs once), approved by the government, then in force until a newer
version supersedes them. Every version is kept.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from inventory.core.clock import utcnow
from inventory.models.base import created_at_field, timestamp_field
from inventory.models.stock import QTY
from inventory.models.types import UTCDateTime


def _stamp() -> datetime | None:
    """A nullable UTC timestamp declared by type, not by a Column object, so the mixin can share it."""
    return Field(default=None, sa_type=UTCDateTime, nullable=True)


def _created() -> datetime:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class _Document(SQLModel):
    """The columns a co-signed, government-approved document carries (catalogue version, annual plan)."""

    title: str = Field(default="", max_length=200)
    note: str = Field(default="", max_length=2000)
    status: str = Field(default="draft", max_length=16, index=True, description="PlanStatus")
    requested_by: int = Field(foreign_key="user.id", description="who drafted it (four eyes)")
    drafting_org_id: int = Field(foreign_key="organisation.id")
    round: int = Field(default=1, description="submission round; a rejection starts the next")
    submitted_by: int | None = Field(default=None, foreign_key="user.id")
    submitted_at: datetime | None = _stamp()
    approved_by: int | None = Field(default=None, foreign_key="user.id")
    approved_at: datetime | None = _stamp()
    approval_note: str = Field(default="", max_length=500)
    rejected_by: int | None = Field(default=None, foreign_key="user.id")
    rejected_at: datetime | None = _stamp()
    rejection_note: str = Field(default="", max_length=500)
    withdrawn_by: int | None = Field(default=None, foreign_key="user.id")
    withdrawn_at: datetime | None = _stamp()
    superseded_at: datetime | None = _stamp()
    created_at: datetime = _created()


class CatalogueVersion(_Document, table=True):
    """A version of the reserve catalogue (储备目录, §二(二)); the one in force says which materials are reserve
    varieties and at what scale. ``review_due_on``: "定期评估，动态调整" — a reminder when it comes."""

    __tablename__ = "catalogue_version"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    review_due_on: date | None = None


class CatalogueLine(SQLModel, table=True):
    """A variety of the catalogue and its scale; ``bureau_id`` is the responsible bureau when it was listed."""

    __tablename__ = "catalogue_line"
    __table_args__ = (
        UniqueConstraint("version_id", "material_id"),
        CheckConstraint("target_quantity > 0", name="target_positive"),
        CheckConstraint("storage_months > 0", name="storage_months_positive"),
    )
    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="catalogue_version.id", index=True)
    material_id: int = Field(foreign_key="material.id", index=True)
    target_quantity: Decimal = Field(**QTY)
    storage_months: int = Field(default=12, description="storage period (储存年限) in months")
    bureau_id: int = Field(foreign_key="organisation.id")


class AnnualPlan(_Document, table=True):
    """The reserve plan of one year (年度储备计划, §二(三)); an amendment is the next ``version`` of the year."""

    __tablename__ = "annual_plan"
    __table_args__ = (UniqueConstraint("year", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    year: int = Field(index=True)
    version: int = Field(default=1)
    amends_id: int | None = Field(default=None, foreign_key="annual_plan.id")


class AnnualPlanLine(SQLModel, table=True):
    """A material's target for the year, for one enterprise when the split is known (``enterprise_id``), else
    for the city; lines of one material may be split over several enterprises."""

    __tablename__ = "annual_plan_line"
    __table_args__ = (
        CheckConstraint("target_quantity > 0", name="target_positive"),
        CheckConstraint("storage_months > 0", name="storage_months_positive"),
    )
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="annual_plan.id", index=True)
    material_id: int = Field(foreign_key="material.id", index=True)
    enterprise_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    target_quantity: Decimal = Field(**QTY)
    storage_months: int = Field(default=12)


class PlanSignature(SQLModel, table=True):
    """One organisation's co-signature of a document in one round (会同): unique, so it is given once."""

    __tablename__ = "plan_signature"
    __table_args__ = (UniqueConstraint("flow", "entity_id", "round", "party_org_id"),)
    id: int | None = Field(default=None, primary_key=True)
    flow: str = Field(max_length=32, description="the registered flow: catalogue, annual_plan, contract")
    entity_id: int = Field(index=True)
    round: int
    party_org_id: int = Field(foreign_key="organisation.id")
    signed_by: int = Field(foreign_key="user.id")
    signed_at: datetime = created_at_field()
    note: str = Field(default="", max_length=500)


class TemporaryAddition(SQLModel, table=True):
    """A temporary reserve (临时储备, §二(四)): extra scale of a material for a period, approved by the government
    and carried out by the bureau; when it ends it lapses or is proposed into the catalogue, a decision either way."""

    __tablename__ = "temporary_addition"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("ends_on >= starts_on", name="period_in_order"),
    )
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    bureau_id: int = Field(foreign_key="organisation.id", index=True)
    material_id: int = Field(foreign_key="material.id", index=True)
    enterprise_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    quantity: Decimal = Field(**QTY)
    reason: str = Field(max_length=2000)
    starts_on: date
    ends_on: date = Field(index=True)
    status: str = Field(default="draft", max_length=16, index=True, description="AdditionStatus")
    requested_by: int = Field(foreign_key="user.id")
    created_at: datetime = created_at_field()
    submitted_by: int | None = Field(default=None, foreign_key="user.id")
    submitted_at: datetime | None = timestamp_field()
    approved_by: int | None = Field(default=None, foreign_key="user.id")
    approved_at: datetime | None = timestamp_field()
    approval_note: str = Field(default="", max_length=500)
    rejected_by: int | None = Field(default=None, foreign_key="user.id")
    rejected_at: datetime | None = timestamp_field()
    rejection_note: str = Field(default="", max_length=500)
    withdrawn_by: int | None = Field(default=None, foreign_key="user.id")
    withdrawn_at: datetime | None = timestamp_field()
    decided_by: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime | None = timestamp_field()
    decision_note: str = Field(default="", max_length=500)
    catalogue_version_id: int | None = Field(default=None, foreign_key="catalogue_version.id",
                                             description="the draft version it was proposed into")


class EnterpriseSelection(SQLModel, table=True):
    """How an enterprise was chosen to store reserves (§二(五)1: 招标, 资格审查, 专家评审), with its reference."""

    __tablename__ = "enterprise_selection"
    __table_args__ = (CheckConstraint("valid_until IS NULL OR valid_until >= decided_on", name="period_in_order"),)
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="organisation.id", index=True)
    bureau_id: int = Field(foreign_key="organisation.id", index=True)
    method: str = Field(max_length=24, description="SelectionMethod")
    reference: str = Field(max_length=100)
    decided_on: date
    valid_until: date | None = None
    note: str = Field(default="", max_length=2000)
    recorded_by: int = Field(foreign_key="user.id")
    created_at: datetime = created_at_field()


class StorageContract(SQLModel, table=True):
    """A storage contract (承储合同, §二(五)2) between a bureau and an enterprise. Both sign (``PlanSignature``; the
    bureau's approver not the drafter: four eyes); it is active from ``starts_on`` to ``ends_on`` unless terminated."""

    __tablename__ = "storage_contract"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="period_in_order"),
        CheckConstraint("rotation_window_days IS NULL OR rotation_window_days BETWEEN 1 AND 365",
                        name="rotation_window_range"),
        # SQLite keeps quantities as integer thousandths (models/types.py): the same bound, scaled
        CheckConstraint("rotation_floor_share IS NULL OR (rotation_floor_share >= 0 AND rotation_floor_share <= 1)",
                        name="rotation_floor_range").ddl_if(dialect="postgresql"),
        CheckConstraint("rotation_floor_share IS NULL OR (rotation_floor_share >= 0 AND rotation_floor_share <= 1000)",
                        name="rotation_floor_range_sqlite").ddl_if(dialect="sqlite"),
        CheckConstraint("storage_fee >= 0", name="storage_fee_not_negative"),
    )
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=40, unique=True)
    bureau_id: int = Field(foreign_key="organisation.id", index=True)
    enterprise_id: int = Field(foreign_key="organisation.id", index=True)
    starts_on: date
    ends_on: date = Field(index=True)
    status: str = Field(default="draft", max_length=16, index=True, description="ContractStatus")
    rotation_window_days: int | None = Field(default=None, description="rotation terms: the window")
    rotation_floor_share: Decimal | None = Field(default=None, **QTY,
                                                 description="rotation terms: the floor, a share of the contracted")
    dispatch_terms: str = Field(default="", max_length=2000)
    storage_fee: Decimal = Field(default=Decimal(0), **QTY, description="yuan per unit per year (§五(一)2)")
    loan_interest_subsidy: str = Field(default="", max_length=500)
    policy_loss_subsidy: str = Field(default="", max_length=500)
    liability: str = Field(default="", max_length=2000, description="liability for breach")
    requested_by: int = Field(foreign_key="user.id", description="who drafted it (four eyes)")
    created_at: datetime = created_at_field()
    submitted_by: int | None = Field(default=None, foreign_key="user.id")
    submitted_at: datetime | None = timestamp_field()
    activated_at: datetime | None = timestamp_field()
    ended_at: datetime | None = timestamp_field()
    terminated_by: int | None = Field(default=None, foreign_key="user.id")
    termination_note: str = Field(default="", max_length=500)
    cancelled_by: int | None = Field(default=None, foreign_key="user.id")
    cancelled_at: datetime | None = timestamp_field()

    @property
    def round(self) -> int:
        """The signing round (``PlanSignature.round``): a contract is never sent back, so there is one."""
        return 1


class ContractLine(SQLModel, table=True):
    """What the contract keeps where: a material in one of the enterprise's facilities (存储库点). While the
    contract is active, ``active_key`` = "material:facility" and is unique: no two active contracts share a line."""

    __tablename__ = "contract_line"
    __table_args__ = (
        UniqueConstraint("contract_id", "material_id", "facility_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )
    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="storage_contract.id", index=True)
    material_id: int = Field(foreign_key="material.id", index=True)
    facility_id: int = Field(foreign_key="facility.id", index=True)
    quantity: Decimal = Field(**QTY)
    quality_standard: str = Field(default="", max_length=255)
    active_key: str | None = Field(default=None, max_length=40, unique=True)


class Evaluation(SQLModel, table=True):
    """The annual evaluation of an enterprise (年度综合考评, §二(五)3): a score from recorded facts plus the
    evaluator's adjustment; final once confirmed."""

    __table_args__ = (
        UniqueConstraint("enterprise_id", "year"),
        # SQLite keeps quantities as integer thousandths (models/types.py): the same bound, scaled
        CheckConstraint("adjustment BETWEEN -20 AND 20", name="adjustment_range").ddl_if(dialect="postgresql"),
        CheckConstraint("adjustment BETWEEN -20000 AND 20000", name="adjustment_range_sqlite").ddl_if(dialect="sqlite"),
    )
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="organisation.id", index=True)
    year: int = Field(index=True)
    status: str = Field(default="draft", max_length=16, description="EvaluationStatus")
    computed_score: Decimal = Field(**QTY)
    facts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    adjustment: Decimal = Field(default=Decimal(0), **QTY)
    comment: str = Field(default="", max_length=2000)
    evaluated_by: int | None = Field(default=None, foreign_key="user.id")
    evaluated_at: datetime | None = timestamp_field()
    finalised_by: int | None = Field(default=None, foreign_key="user.id")
    finalised_at: datetime | None = timestamp_field()
    created_at: datetime = created_at_field()


class StatisticsReport(SQLModel, table=True):
    """A periodic statistics report (统计报告制度, §五(四)), stored when produced: ``scope_key`` is "city" for the
    coordinators' report or "bureau:<id>" for a bureau's."""

    __tablename__ = "statistics_report"
    __table_args__ = (UniqueConstraint("period_start", "period_end", "scope_key"),)
    id: int | None = Field(default=None, primary_key=True)
    period_start: date = Field(index=True)
    period_end: date
    scope_key: str = Field(max_length=24)
    bureau_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    content: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    generated_at: datetime = created_at_field()
