"""May this enterprise store this material? Yes when one of its active facilities is declared for the material's
category and kept within its storage class: the receipt's own checks (lots.py ``check_category`` and
``check_cold_chain``, docs/domain-rules.md) asked as a yes or no before any stock moves. A bureau's receive
instruction (services/workflows/instructions.py) and the enterprise a replenishment is confirmed to
(services/workflows/replenishments.py) ask it here, so both answer alike."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select
from sqlmodel import Session, select

from inventory.core.errors import Invalid
from inventory.models import Facility, Material
from inventory.services.stock import lots


def facility_stores(material: Material, facility: Facility) -> bool:
    """Whether a receipt of ``material`` into ``facility`` passes its category and storage-class checks."""
    try:
        lots.check_category(material, facility)
        lots.check_cold_chain(material, facility)
    except Invalid:
        return False
    return True


def storing(session: Session, material: Material, enterprise_ids: Iterable[int] | Select) -> set[int]:
    """Those of ``enterprise_ids`` (ids, or a query of them) with an active facility that stores ``material``."""
    facilities = session.exec(select(Facility).where(Facility.active, Facility.enterprise_id.in_(enterprise_ids)))
    return {facility.enterprise_id for facility in facilities if facility_stores(material, facility)}


def enterprise_stores(session: Session, enterprise_id: int, material: Material) -> bool:
    return enterprise_id in storing(session, material, [enterprise_id])
