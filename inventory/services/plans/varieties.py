"""Which materials are reserve varieties (docs/plans.md, reserve-materials-measures §二(二), §二(四)): a material
counts only while the catalogue version in force lists it, or a temporary addition in force covers the day.

Material master data (names, shelf life, storage class) stays with the bureau; being a variety is the approved
catalogue's word, not the bureau's.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import CompoundSelect, union
from sqlmodel import Session, select

from inventory.core.clock import business_today
from inventory.core.vocab import AdditionStatus, PlanStatus
from inventory.models import CatalogueLine, CatalogueVersion, TemporaryAddition


def variety_ids(on: date | None = None) -> CompoundSelect:
    """The ids of the materials that are reserve varieties on ``on`` (default today), as a query."""
    day = on or business_today()
    listed = select(CatalogueLine.material_id).join(CatalogueVersion, CatalogueVersion.id == CatalogueLine.version_id) \
        .where(CatalogueVersion.status == PlanStatus.in_force)
    added = select(TemporaryAddition.material_id).where(
        TemporaryAddition.status == AdditionStatus.in_force, TemporaryAddition.starts_on <= day,
        TemporaryAddition.ends_on >= day)
    return union(listed, added)


def varieties(session: Session, on: date | None = None) -> set[int]:
    """The same ids, read: for pages that mark each material."""
    return set(session.execute(variety_ids(on)).scalars())
