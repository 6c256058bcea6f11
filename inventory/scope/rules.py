"""The machinery of tenancy: who holds which permission, how far a user's organisation reaches, and
which rows of an owned table a user may see. Each domain declares its part in ``scope/<domain>.py``."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, false, or_
from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

from inventory.core.errors import Forbidden
from inventory.core.vocab import OrgKind, Role
from inventory.models import Material, Organisation, User

ALL_ROLES = frozenset(Role)
BUREAU_ROLES = frozenset({Role.bureau_officer, Role.bureau_approver, Role.health_officer})
ENTERPRISE_ROLES = frozenset({Role.enterprise_clerk, Role.enterprise_manager})
CITY_WIDE_ROLES = frozenset({Role.admin, Role.coordinator, Role.government_approver})

#: (resource, action) -> roles that may take it, filled by each domain's ``declare_permissions``
PERMISSIONS: dict[tuple[str, str], frozenset[str]] = {}


def declare_permissions(table: dict[tuple[str, str], frozenset[str]]) -> None:
    clash = PERMISSIONS.keys() & table.keys()
    if clash:
        raise RuntimeError(f"permissions declared twice: {sorted(clash)}")
    PERMISSIONS.update(table)


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


def stock_reach(session: Session, user: User) -> str:
    """'all', 'bureau' (materials in its remit), 'enterprise' (its own stock) or 'none'."""
    if sees_whole_city(session, user):
        return "all"
    kind = org_kind(session, user)
    if kind == OrgKind.bureau:
        return "bureau"
    if kind == OrgKind.enterprise:
        return "enterprise"
    return "none"


def remit_materials(user: User):
    """The ids of the materials a bureau user's organisation is responsible for, as a subquery."""
    return select(Material.id).where(Material.bureau_id == user.org_id)


@dataclass(frozen=True)
class Ownership:
    """How the rows of an enterprise-owned table are owned.

    ``enterprises``: the columns naming the enterprises whose users see a row (source and destination of a
    transfer, say). ``concerns``: given the ids of a bureau's materials, the condition that a row is about one
    of them; None when bureaus never see the table's rows.
    """

    model: type
    enterprises: tuple[Any, ...]
    concerns: Callable[[Any], ColumnElement[bool]] | None = None


OWNERSHIP: dict[type, Ownership] = {}

#: audited entity name -> the ids (as a query) of its rows a bureau user may see: a bureau reads the audit
#: events about its remit, declared by each domain (``declare_audited``)
AUDITED: dict[str, Callable[[Session, User], Any]] = {}


def declare_audited(subjects: dict[str, Callable[[Session, User], Any]]) -> None:
    AUDITED.update(subjects)


def declare_ownership(*owned: Ownership) -> None:
    for ownership in owned:
        OWNERSHIP[ownership.model] = ownership


def enterprise_rows_query(session: Session, user: User, model: type) -> SelectOfScalar:
    """The rows of an enterprise-owned table this user may see: the city for city-wide roles, its own
    enterprise's rows for an enterprise, rows about the materials of its remit for a bureau."""
    ownership = OWNERSHIP[model]
    query = select(model)
    reach = stock_reach(session, user)
    if reach == "all":
        return query
    if reach == "enterprise":
        return query.where(or_(*(column == user.org_id for column in ownership.enterprises)))
    if reach == "bureau" and ownership.concerns is not None:
        return query.where(ownership.concerns(remit_materials(user)))
    return query.where(false())
