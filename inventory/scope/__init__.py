"""Tenancy and permissions: the one place that says what each user may see and do.

Every view, API handler, export and alert query asks this module for its base query (``*_query``)
and for permission (``can``/``require``). Row visibility follows the user's organisation:
administrators, coordinators and the government see the whole city; a bureau sees its remit; an
enterprise or the blood station sees only its own rows.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import false, or_, true
from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

from inventory.models import AuditEvent, Facility, ImportJob, Lot, Material, Organisation, Transfer, User
from inventory.models.enums import OrgKind, Role
from inventory.services.errors import Forbidden, NotFound

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
    ("system", "view"): frozenset({Role.admin}),
    ("district", "view"): ALL_ROLES,
    ("district", "update"): frozenset({Role.admin}),
    ("material", "view"): ALL_ROLES,
    ("material", "create"): frozenset({Role.admin, Role.bureau_officer, Role.bureau_approver}),
    ("material", "update"): frozenset({Role.admin, Role.bureau_officer, Role.bureau_approver}),
    ("facility", "view"): ALL_ROLES - {Role.blood_officer},
    ("facility", "create"): frozenset({Role.admin, Role.enterprise_manager}),
    ("facility", "update"): frozenset({Role.admin, Role.enterprise_manager}),
    ("lot", "view"): ALL_ROLES - {Role.blood_officer},
    ("lot", "receive"): ENTERPRISE_ROLES,
    ("lot", "issue"): ENTERPRISE_ROLES,
    ("lot", "adjust"): ENTERPRISE_ROLES,
    ("lot", "hold"): frozenset({Role.enterprise_manager, Role.bureau_officer, Role.bureau_approver, Role.inspector}),
    ("lot", "export"): ALL_ROLES - {Role.blood_officer},
    ("transfer", "request"): ENTERPRISE_ROLES,
    ("transfer", "approve"): frozenset({Role.bureau_approver}),
    ("adjustment", "approve"): frozenset({Role.bureau_approver}),
    ("count", "open"): ENTERPRISE_ROLES | {Role.inspector},
    ("count", "submit"): ENTERPRISE_ROLES | {Role.inspector},
    ("count", "approve"): frozenset({Role.bureau_approver}),
    ("import", "run"): ENTERPRISE_ROLES,
}


def can(user: User, action: str, resource: str) -> bool:
    return user.role in PERMISSIONS.get((resource, action), frozenset())


def require(user: User, action: str, resource: str) -> None:
    if not can(user, action, resource):
        raise Forbidden(_l("%(role)s may not %(action)s %(resource)s",
                           role=user.role, action=action, resource=resource))


def org_kind(session: Session, user: User) -> str:
    """Cached on the session (a request or task): every scoped query asks, and the kind cannot change."""
    cache = session.info.setdefault("org_kinds", {})
    if user.org_id not in cache:
        org = session.get(Organisation, user.org_id)
        cache[user.org_id] = org.kind if org else ""
    return cache[user.org_id]


def remember_org_kind(session: Session, user: User, kind: str) -> None:
    """For callers that loaded the kind with the user anyway (token authentication)."""
    session.info.setdefault("org_kinds", {})[user.org_id] = kind


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


def _stock_reach(session: Session, user: User) -> str:
    """'all', 'bureau' (materials in its remit), 'enterprise' (its own stock) or 'none'."""
    if sees_whole_city(session, user):
        return "all"
    kind = org_kind(session, user)
    if kind == OrgKind.bureau:
        return "bureau"
    if kind == OrgKind.enterprise:
        return "enterprise"
    return "none"


def materials_query(session: Session, user: User) -> SelectOfScalar[Material]:
    """The catalogue is public to every signed-in user: it holds no enterprise's data."""
    return select(Material)


def facilities_query(session: Session, user: User) -> SelectOfScalar[Facility]:
    reach = _stock_reach(session, user)
    query = select(Facility)
    if reach in {"all", "bureau"}:
        return query
    if reach == "enterprise":
        return query.where(Facility.enterprise_id == user.org_id)
    return query.where(false())


def lots_query(session: Session, user: User) -> SelectOfScalar[Lot]:
    return select(Lot).where(lot_filter(session, user))


def lot_filter(session: Session, user: User):
    """A WHERE clause over ``Lot`` for this user's stock; reused by summaries, exports and scans."""
    reach = _stock_reach(session, user)
    if reach == "all":
        return true()
    if reach == "bureau":
        return Lot.material_id.in_(select(Material.id).where(Material.bureau_id == user.org_id))
    if reach == "enterprise":
        return Lot.enterprise_id == user.org_id
    return false()


def enterprise_rows_query(session: Session, user: User, model):
    """Rows of an enterprise-owned workflow table (transfers, adjustments, counts, mismatches, imports)."""
    reach = _stock_reach(session, user)
    query = select(model)
    if reach == "all":
        return query
    if reach == "enterprise":
        if model is Transfer:
            return query.where(or_(Transfer.enterprise_id == user.org_id, Transfer.to_enterprise_id == user.org_id))
        return query.where(model.enterprise_id == user.org_id)
    if reach == "bureau" and model is not ImportJob:
        return query.where(model.enterprise_id.in_(select(Organisation.id).where(Organisation.kind == OrgKind.enterprise)))
    return query.where(false())


def visible_lot(session: Session, user: User, lot_id: int) -> Lot:
    """The lot if this user may see it; otherwise 404, never revealing another tenant's rows."""
    lot = session.exec(lots_query(session, user).where(Lot.id == lot_id)).first()
    if lot is None:
        raise NotFound(_l("lot not found"))
    return lot


def visible_facility(session: Session, user: User, code: str) -> Facility:
    facility = session.exec(facilities_query(session, user).where(Facility.code == code)).first()
    if facility is None:
        raise NotFound(_l("facility %(code)s not found", code=code))
    return facility


def require_enterprise_action(session: Session, user: User, action: str, resource: str, enterprise_id: int) -> None:
    """An enterprise acts only on its own stock; administrators are not stock keepers."""
    require(user, action, resource)
    if user.role in ENTERPRISE_ROLES and enterprise_id != user.org_id:
        raise NotFound(_l("%(resource)s not found", resource=resource))
    if user.role == Role.inspector and _stock_reach(session, user) == "enterprise" and enterprise_id != user.org_id:
        raise NotFound(_l("%(resource)s not found", resource=resource))


def require_bureau_decision(session: Session, user: User, resource: str, material_ids: set[int]) -> None:
    """A bureau approver decides only when every material concerned is in its bureau's remit."""
    require(user, "approve", resource)
    bureaus = set(session.exec(select(Material.bureau_id).where(Material.id.in_(material_ids))))
    if bureaus != {user.org_id}:
        raise Forbidden(_l("this %(resource)s concerns materials outside your bureau's remit", resource=resource))


def may_change_material(user: User, action: str, bureau_id: int) -> bool:
    return can(user, action, "material") and (user.role == Role.admin or bureau_id == user.org_id)


def require_material_owner(session: Session, user: User, action: str, bureau_id: int) -> None:
    require(user, action, "material")
    if not may_change_material(user, action, bureau_id):
        raise Forbidden(_l("the material belongs to another bureau"))


def require_facility_owner(session: Session, user: User, action: str, enterprise_id: int) -> None:
    require(user, action, "facility")
    if user.role != Role.admin and enterprise_id != user.org_id:
        raise Forbidden(_l("the facility belongs to another enterprise"))

