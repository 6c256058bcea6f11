"""Tenancy and permissions of rotations (轮换) and scraps (报废), reserve-materials-measures §三.

A rotation or a scrap belongs to the enterprise whose lots it takes out and to the bureau of its material (which
approves it, and whose officers and inspectors witness a scrap); the city-wide roles see all; nobody else.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from inventory.core.errors import NotFound
from inventory.core.vocab import Role
from inventory.models import Rotation, Scrap, User
from inventory.scope.rules import (
    ALL_ROLES, ENTERPRISE_ROLES, Ownership, declare_audited, declare_ownership, enterprise_rows_query,
)

#: a witness of a scrap (监销): a second person of the material's bureau, or its inspector
WITNESSES = frozenset({Role.bureau_officer, Role.bureau_approver, Role.inspector})

PERMISSIONS: dict[tuple[str, str], frozenset[str]] = {
    ("scrap", "view"): ALL_ROLES - {Role.blood_officer},
    ("scrap", "request"): ENTERPRISE_ROLES,
    ("scrap", "approve"): frozenset({Role.bureau_approver}),
    ("scrap", "witness"): WITNESSES,
    ("scrap", "execute"): ENTERPRISE_ROLES,
    ("scrap", "attach"): ENTERPRISE_ROLES | WITNESSES,
    ("scrap_rule", "set"): frozenset({Role.bureau_officer, Role.bureau_approver}),
    ("rotation", "view"): ALL_ROLES - {Role.blood_officer},
    ("rotation", "request"): ENTERPRISE_ROLES,
    ("rotation", "approve"): frozenset({Role.bureau_approver}),
    ("rotation", "execute"): ENTERPRISE_ROLES,
}

declare_ownership(
    Ownership(Scrap, (Scrap.enterprise_id,), lambda materials: Scrap.material_id.in_(materials)),
    Ownership(Rotation, (Rotation.enterprise_id,), lambda materials: Rotation.material_id.in_(materials)),
)


def visible_scrap(session: Session, user: User, scrap_id: int) -> Scrap:
    """The scrap if this user may see it; 404 otherwise, exactly as for one that does not exist."""
    row = session.exec(enterprise_rows_query(session, user, Scrap).where(Scrap.id == scrap_id)).first()
    if row is None:
        raise NotFound(_l("scrap not found"))
    return row


def visible_rotation(session: Session, user: User, rotation_id: int) -> Rotation:
    row = session.exec(enterprise_rows_query(session, user, Rotation).where(Rotation.id == rotation_id)).first()
    if row is None:
        raise NotFound(_l("rotation not found"))
    return row


declare_audited({
    "scrap": lambda session, user: enterprise_rows_query(session, user, Scrap).with_only_columns(Scrap.id),
    "rotation": lambda session, user: enterprise_rows_query(session, user, Rotation).with_only_columns(Rotation.id),
})
