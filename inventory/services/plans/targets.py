"""The quantity the plan asks for on a day, as SQL (docs/plans.md, "Coverage"; reserve-materials-measures §二(二)–(五)).

Each function returns a SELECT (a subquery for the coverage aggregates), never rows: the targets are joined to the
lot aggregates in the database.

- Per material (the city's target): the lines of the annual plan of that year in force on the day, plus the
  temporary additions in force covering the day; a material the plan in force does not list (or every material,
  when no plan of that year is in force) falls back to the scale of the catalogue version in force.
- Per enterprise and material: the plan lines that name the enterprise, else the quantities of its storage
  contract lines in force, plus the temporary additions that name it.
- Per contract line: its contracted quantity while the contract is in force.

"In force on a day" reads the approval and supersession stamps, so a past day sees the versions of that day.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select, union_all

from inventory.core.clock import BUSINESS_TZ
from inventory.core.vocab import AdditionStatus, ContractStatus, PlanStatus
from inventory.models import (
    AnnualPlan, AnnualPlanLine, CatalogueLine, CatalogueVersion, ContractLine, StorageContract, TemporaryAddition,
)

#: a temporary addition that was approved: in force, or ended since (lapsed, or proposed into the catalogue)
APPROVED_ADDITIONS = (AdditionStatus.in_force, AdditionStatus.lapsed, AdditionStatus.proposed)
#: a contract that was in force at some time: active now, or ended since
STARTED_CONTRACTS = (ContractStatus.active, ContractStatus.expired, ContractStatus.terminated)


def day_end(day: date) -> datetime:
    """The instant (UTC) the business day ``day`` ends: what was stamped before it happened on or before the day."""
    return datetime.combine(day + timedelta(days=1), time(), BUSINESS_TZ).astimezone(timezone.utc)


def _document_in_force(model: type, day: date) -> ColumnElement[bool]:
    """A catalogue version or an annual plan approved by the end of ``day`` and not superseded by then."""
    end = day_end(day)
    return and_(or_(model.approved_at.is_(None), model.approved_at < end),
                or_(model.status == PlanStatus.in_force,
                    and_(model.status == PlanStatus.superseded, model.superseded_at >= end)))


def plan_lines(day: date) -> Select:
    """(material_id, enterprise_id, quantity) of the annual plan of ``day``'s year in force on ``day``."""
    return select(AnnualPlanLine.material_id, AnnualPlanLine.enterprise_id,
                  AnnualPlanLine.target_quantity.label("quantity")) \
        .join(AnnualPlan, AnnualPlan.id == AnnualPlanLine.plan_id) \
        .where(AnnualPlan.year == day.year, _document_in_force(AnnualPlan, day))


def catalogue_lines(day: date) -> Select:
    """(material_id, quantity): the scale of the catalogue version in force on ``day``."""
    return select(CatalogueLine.material_id, CatalogueLine.target_quantity.label("quantity")) \
        .join(CatalogueVersion, CatalogueVersion.id == CatalogueLine.version_id) \
        .where(_document_in_force(CatalogueVersion, day))


def additions(day: date) -> Select:
    """(material_id, enterprise_id, quantity) of the approved temporary additions whose period covers ``day``."""
    return select(TemporaryAddition.material_id, TemporaryAddition.enterprise_id, TemporaryAddition.quantity) \
        .where(TemporaryAddition.status.in_(APPROVED_ADDITIONS),
               or_(TemporaryAddition.approved_at.is_(None), TemporaryAddition.approved_at < day_end(day)),
               TemporaryAddition.starts_on <= day, TemporaryAddition.ends_on >= day)


def contract_lines(day: date) -> Select:
    """The contract lines in force on ``day``, with their contract's enterprise: (id, contract_id, enterprise_id,
    material_id, facility_id, quantity). A terminated contract is in force up to the day before it ended."""
    return select(ContractLine.id, ContractLine.contract_id, StorageContract.enterprise_id, ContractLine.material_id,
                  ContractLine.facility_id, ContractLine.quantity) \
        .join(StorageContract, StorageContract.id == ContractLine.contract_id) \
        .where(StorageContract.status.in_(STARTED_CONTRACTS), StorageContract.starts_on <= day,
               StorageContract.ends_on >= day,
               or_(StorageContract.ended_at.is_(None), StorageContract.ended_at >= day_end(day)))


def material_targets(day: date) -> Select:
    """(material_id, target) of every material with a target on ``day``."""
    planned = plan_lines(day).subquery()
    scale = catalogue_lines(day).subquery()
    extra = additions(day).subquery()
    parts = union_all(
        select(planned.c.material_id, planned.c.quantity),
        select(scale.c.material_id, scale.c.quantity).where(
            ~exists().where(planned.c.material_id == scale.c.material_id)),
        select(extra.c.material_id, extra.c.quantity),
    ).subquery()
    return select(parts.c.material_id, func.sum(parts.c.quantity).label("target")).group_by(parts.c.material_id)


def enterprise_targets(day: date) -> Select:
    """(enterprise_id, material_id, target) of every enterprise and material with a target on ``day``."""
    planned = plan_lines(day).where(AnnualPlanLine.enterprise_id.is_not(None)).subquery()
    contracted = contract_lines(day).subquery()
    extra = additions(day).where(TemporaryAddition.enterprise_id.is_not(None)).subquery()
    parts = union_all(
        select(planned.c.enterprise_id, planned.c.material_id, planned.c.quantity),
        select(contracted.c.enterprise_id, contracted.c.material_id, contracted.c.quantity).where(
            ~exists().where(planned.c.enterprise_id == contracted.c.enterprise_id,
                            planned.c.material_id == contracted.c.material_id)),
        select(extra.c.enterprise_id, extra.c.material_id, extra.c.quantity),
    ).subquery()
    return select(parts.c.enterprise_id, parts.c.material_id, func.sum(parts.c.quantity).label("target")) \
        .group_by(parts.c.enterprise_id, parts.c.material_id)
