"""Tenancy of inspections (监督检查, reserve-materials-measures §五(二)) and sanctions (§六(二)).

An inspection, its findings and the sanctions taken on it are seen by the enterprise inspected, by the bureau that
inspected it (another bureau: 404) and by the city-wide roles (the development-and-reform commission and the
finance bureau among them, who may interview the enterprise). Inspections are recorded by a reserve bureau's
inspectors, officers and approvers; an enterprise answers its findings; the bureau closes them.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, false
from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

from inventory.core.errors import NotFound
from inventory.core.vocab import Role
from inventory.models import Inspection, InspectionFinding, Material, Sanction, User
from inventory.scope.rules import (
    ALL_ROLES, ENTERPRISE_ROLES, Ownership, declare_audited, declare_ownership, enterprise_rows_query,
)

#: who inspects for a reserve bureau (市级储备部门, §五(二)) and closes what it found
INSPECTORS = frozenset({Role.inspector, Role.bureau_officer, Role.bureau_approver})
#: who records an interview (约谈, §六(二)): the coordinators (CO-NDRC, CO-FIN) or the inspecting bureau
INTERVIEWERS = frozenset({Role.coordinator, Role.bureau_officer, Role.bureau_approver})

PERMISSIONS: dict[tuple[str, str], frozenset[str]] = {
    ("inspection", "view"): ALL_ROLES - {Role.blood_officer},
    ("inspection", "record"): INSPECTORS,
    ("inspection", "close"): INSPECTORS,
    ("inspection", "export"): ALL_ROLES - {Role.blood_officer},
    ("inspection_finding", "answer"): ENTERPRISE_ROLES,
    ("inspection_finding", "close"): INSPECTORS,
    ("sanction", "interview"): INTERVIEWERS,
    ("sanction", "propose"): INSPECTORS,
    ("sanction", "decide"): frozenset({Role.bureau_approver}),
}


def _of_own_bureau(model) -> callable:
    """Rows whose inspecting bureau is the reader's: ``materials`` is the reader's remit, whose bureau is theirs."""
    def concerns(materials) -> ColumnElement[bool]:
        return model.bureau_id.in_(select(Material.bureau_id).where(Material.id.in_(materials)))
    return concerns


declare_ownership(
    Ownership(Inspection, (Inspection.enterprise_id,), _of_own_bureau(Inspection)),
    Ownership(InspectionFinding, (InspectionFinding.enterprise_id,), _of_own_bureau(InspectionFinding)),
    Ownership(Sanction, (Sanction.enterprise_id,), _of_own_bureau(Sanction)),
)


def inspections_query(session: Session, user: User) -> SelectOfScalar[Inspection]:
    if user.role not in PERMISSIONS[("inspection", "view")]:
        return select(Inspection).where(false())
    return enterprise_rows_query(session, user, Inspection)


def visible_inspection(session: Session, user: User, inspection_id: int) -> Inspection:
    """The inspection if this user may see it; 404 otherwise, exactly as for one that does not exist."""
    row = session.exec(inspections_query(session, user).where(Inspection.id == inspection_id)).first()
    if row is None:
        raise NotFound(_l("inspection not found"))
    return row


declare_audited({
    "inspection": lambda session, user: inspections_query(session, user).with_only_columns(Inspection.id),
    "inspection_finding": lambda session, user: enterprise_rows_query(session, user, InspectionFinding)
    .with_only_columns(InspectionFinding.id),
    "sanction": lambda session, user: enterprise_rows_query(session, user, Sanction).with_only_columns(Sanction.id),
})
