"""Tenancy of the accounts, audit and system domains: organisations, users, tokens, districts, the audit log."""
from __future__ import annotations

from sqlalchemy import String, and_, cast, or_
from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

from inventory.core.vocab import OrgKind, Role
from inventory.models import AuditEvent, Organisation, User
from inventory.scope.rules import ALL_ROLES, AUDITED, BUREAU_ROLES, org_kind, require, sees_whole_city

PERMISSIONS: dict[tuple[str, str], frozenset[str]] = {
    ("organisation", "view"): ALL_ROLES,
    ("organisation", "create"): frozenset({Role.admin}),
    ("user", "view"): ALL_ROLES,
    ("user", "create"): frozenset({Role.admin}),
    ("user", "deactivate"): frozenset({Role.admin}),
    ("audit", "view"): frozenset({Role.admin, Role.coordinator, Role.enterprise_manager}) | BUREAU_ROLES,
    ("token", "manage"): ALL_ROLES,
    ("system", "view"): frozenset({Role.admin}),
    ("district", "view"): ALL_ROLES,
    ("district", "update"): frozenset({Role.admin}),
}


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
    if org_kind(session, user) == OrgKind.bureau:
        about_remit = []
        for entity, ids in AUDITED.items():
            visible = ids(session, user).subquery()
            about_remit.append(and_(AuditEvent.entity == entity,
                                    AuditEvent.entity_id.in_(select(cast(visible.c[0], String)))))
        return query.where(or_(AuditEvent.org_id == user.org_id, *about_remit))
    return query.where(AuditEvent.org_id == user.org_id)
