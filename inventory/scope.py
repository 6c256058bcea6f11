"""Tenancy and permissions: the one place that says what each user may see and do.

Every view, API handler, export and alert query asks this module for its base query (``*_query``)
and for permission (``can``/``require``). Row visibility follows the user's organisation:
administrators, coordinators and the government see the whole city; a bureau sees its remit; an
enterprise or the blood station sees only its own rows.
"""
from __future__ import annotations

from sqlalchemy import or_
from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

from inventory.models import AuditEvent, Organisation, User
from inventory.models.enums import OrgKind, Role
from inventory.services.errors import Forbidden

ALL_ROLES = frozenset(Role)
BUREAU_ROLES = frozenset({Role.bureau_officer, Role.bureau_approver, Role.health_officer})
ENTERPRISE_ROLES = frozenset({Role.enterprise_clerk, Role.enterprise_manager})
CITY_WIDE_ROLES = frozenset({Role.admin, Role.coordinator, Role.government_approver})

#: (resource, action) -> roles that may take it; row-level limits come from the *_query functions
PERMISSIONS: dict[tuple[str, str], frozenset[str]] = {
    ("organisation", "view"): ALL_ROLES,
    ("organisation", "create"): frozenset({Role.admin}),
    ("user", "view"): ALL_ROLES,
    ("user", "create"): frozenset({Role.admin}),
    ("audit", "view"): frozenset({Role.admin, Role.coordinator, Role.enterprise_manager}) | BUREAU_ROLES,
    ("token", "manage"): ALL_ROLES,
}


def can(user: User, action: str, resource: str) -> bool:
    return user.role in PERMISSIONS.get((resource, action), frozenset())


def require(user: User, action: str, resource: str) -> None:
    if not can(user, action, resource):
        raise Forbidden(f"{user.role} may not {action} {resource}")


def org_kind(session: Session, user: User) -> str:
    org = session.get(Organisation, user.org_id)
    return org.kind if org else ""


def sees_whole_city(session: Session, user: User) -> bool:
    return user.role in CITY_WIDE_ROLES or org_kind(session, user) in {OrgKind.coordinator, OrgKind.government}


def organisations_query(session: Session, user: User) -> SelectOfScalar[Organisation]:
    query = select(Organisation)
    if sees_whole_city(session, user) or org_kind(session, user) == OrgKind.bureau:
        return query
    return query.where(Organisation.id == user.org_id)


def users_query(session: Session, user: User) -> SelectOfScalar[User]:
    query = select(User)
    if user.role == Role.admin:
        return query
    if user.role in {Role.enterprise_manager, Role.bureau_approver}:
        return query.where(User.org_id == user.org_id)
    return query.where(User.id == user.id)


def audit_query(session: Session, user: User) -> SelectOfScalar[AuditEvent]:
    require(user, "view", "audit")
    query = select(AuditEvent)
    if sees_whole_city(session, user):
        return query
    if user.role in BUREAU_ROLES:
        supervised = select(Organisation.id).where(Organisation.kind == OrgKind.enterprise)
        return query.where(or_(AuditEvent.org_id == user.org_id, AuditEvent.org_id.in_(supervised)))
    return query.where(AuditEvent.org_id == user.org_id)
