"""``rotation_overdue`` (docs/domain-rules.md, rotation and scrap): an approved rotation whose window has ended
before as much came back in as went out. It opens the day after the window's last day and resolves when the rotation
completes; critical three days later, like the dispatch kinds. (The rotation suggestion is ``lot_expiring``, whose
warning period is the material's rotation lead days.)"""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, literal, select
from sqlmodel import Session

from inventory.core.vocab import RotationStatus
from inventory.models import Material, Rotation
from inventory.services.alerts.registry import SUBJECT_PAGES, Scan, register
from inventory.services.alerts.sql import days_between, payload
from inventory.services.workflows.dispatch_alerts import _key, _severity


def rotation_overdue(session: Session, as_of: date) -> Select:
    """Approved rotations still open after the last day of their window."""
    return select(
        _key("rotation_overdue", Rotation.id).label("dedup_key"),
        _severity(Rotation.window_ends_on, as_of).label("severity"),
        literal("rotation").label("subject_type"), Rotation.id.label("subject_id"),
        Rotation.enterprise_id.label("enterprise_id"), Rotation.material_id.label("material_id"),
        Material.bureau_id.label("bureau_id"), Material.category.label("category"),
        payload(code=Rotation.code, window_ends_on=Rotation.window_ends_on,
                days_overdue=days_between(Rotation.window_ends_on, literal(as_of))).label("payload"),
    ).join(Material, Material.id == Rotation.material_id).where(
        Rotation.status == RotationStatus.approved, Rotation.window_ends_on < as_of)


register(Scan("rotation_overdue", _l("Rotation overdue"), rotation_overdue, group="workflows"))
SUBJECT_PAGES.update({"rotation": ("rotations.show", "rotation_id"), "scrap": ("scraps.show", "scrap_id")})
