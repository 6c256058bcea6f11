"""What the active storage contracts say about an enterprise's material (docs/plans.md, contracts and selections):
the facilities it may be kept in (存储库点) and the rotation terms. Asked by transfers and rotations, so it imports
models only."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, select

from inventory.core.vocab import ContractStatus
from inventory.models import ContractLine, StorageContract


def _active_lines(enterprise_id: int, material_id: int):
    return select(ContractLine).join(StorageContract, StorageContract.id == ContractLine.contract_id).where(
        StorageContract.enterprise_id == enterprise_id, StorageContract.status == ContractStatus.active,
        ContractLine.material_id == material_id)


def naming_both(session: Session, enterprise_id: int, material_id: int, source_id: int,
                target_id: int) -> StorageContract | None:
    """The active contract of the enterprise naming the target facility for the material, when the source is named
    too (by it or another active contract): a move between agreed storage places, which needs no approval."""
    lines = list(session.exec(_active_lines(enterprise_id, material_id).where(
        ContractLine.facility_id.in_([source_id, target_id]))))
    named = {line.facility_id: line.contract_id for line in lines}
    if source_id in named and target_id in named:
        return session.get(StorageContract, named[target_id])
    return None


@dataclass(frozen=True)
class RotationTerms:
    window_days: int | None
    floor_share: Decimal | None
    contracted: Decimal


def rotation_terms(session: Session, enterprise_id: int, material_id: int) -> RotationTerms | None:
    """The rotation terms for the enterprise's material — each from the latest active contract naming the material
    that sets it — and the quantity of the material all its active contracts hold; None without one."""
    rows = session.exec(select(StorageContract.rotation_window_days, StorageContract.rotation_floor_share,
                               func.sum(ContractLine.quantity))
                        .join(ContractLine, ContractLine.contract_id == StorageContract.id)
                        .where(StorageContract.enterprise_id == enterprise_id,
                               StorageContract.status == ContractStatus.active,
                               ContractLine.material_id == material_id)
                        .group_by(StorageContract.id, StorageContract.starts_on, StorageContract.rotation_window_days,
                                  StorageContract.rotation_floor_share)
                        .order_by(StorageContract.starts_on.desc(), StorageContract.id.desc())).all()
    if not rows:
        return None
    window = next((row[0] for row in rows if row[0] is not None), None)
    share = next((row[1] for row in rows if row[1] is not None), None)
    return RotationTerms(window, share, sum((Decimal(row[2]) for row in rows), Decimal(0)))
