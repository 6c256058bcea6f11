"""Tenancy of cold-chain monitoring (docs/coldchain.md, "Who sees and does what").

Sensors, readings and excursions belong to a facility and are seen by whoever sees the facility
(``facilities_query``: the enterprise its own, bureaus and the city-wide roles all). The enterprise's clerks and
managers (their gateways' tokens) send readings to their own facilities; managers and administrators register
sensors; rules and the storage class are set, and excursions acknowledged, by the bureaus responsible for what the
facility stores (a material of a lot in it, or of a category it is declared for) and administrators, never by the
enterprise watched. The daily check is recorded by the facility's keeper (or,
while none is named, a clerk of the enterprise) or the enterprise's manager.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_
from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

from inventory.core.errors import Forbidden, NotFound
from inventory.core.vocab import Role
from inventory.models import Excursion, Facility, Lot, Material, Sensor, User
from inventory.scope.rules import ALL_ROLES, ENTERPRISE_ROLES, declare_audited, require
from inventory.scope.stock import facilities_query, visible_facility

PERMISSIONS: dict[tuple[str, str], frozenset[str]] = {
    ("coldchain", "view"): ALL_ROLES - {Role.blood_officer},
    ("sensor", "register"): frozenset({Role.admin, Role.enterprise_manager}),
    ("reading", "ingest"): ENTERPRISE_ROLES | {Role.admin},
    ("coldchain_rule", "set"): frozenset({Role.admin, Role.bureau_officer, Role.bureau_approver}),
    ("excursion", "acknowledge"): frozenset({Role.admin, Role.bureau_officer, Role.bureau_approver, Role.inspector}),
    ("daily_check", "record"): ENTERPRISE_ROLES,
    # lifting an excursion's quality hold, with the result: the responsible bureau's inspector only
    ("excursion_hold", "release"): frozenset({Role.inspector}),
}


def coldchain_facility(session: Session, user: User, code: str) -> Facility:
    """The facility if this user may see its monitoring; 404 otherwise, as for one that does not exist."""
    require(user, "view", "coldchain")
    return visible_facility(session, user, code)


def coldchain_facilities_query(session: Session, user: User) -> SelectOfScalar[Facility]:
    """The facilities whose monitoring this user may see (the overview page): whoever sees the facility, as on
    its own page; the blood station none."""
    require(user, "view", "coldchain")
    return facilities_query(session, user)


def require_facility_writer(session: Session, user: User, action: str, resource: str, code: str) -> Facility:
    """A facility the user sees and may act on: enterprise users act only on their own enterprise's facilities."""
    facility = visible_facility(session, user, code)
    require(user, action, resource)
    if user.role in ENTERPRISE_ROLES and facility.enterprise_id != user.org_id:
        raise Forbidden(_l("the facility belongs to another enterprise"))
    return facility


def require_responsible_bureau(session: Session, user: User, facility: Facility) -> None:
    """Administrators, or a bureau responsible for what the facility stores: a material of one of its lots, or of
    a category it is declared for. Another bureau watching a store it is not responsible for changes nothing."""
    if user.role == Role.admin:
        return
    categories = [c for c in (facility.categories or "").split(",") if c]
    concerned = select(Material.id).where(Material.bureau_id == user.org_id, or_(
        Material.id.in_(select(Lot.material_id).where(Lot.facility_id == facility.id)),
        Material.category.in_(categories)))
    if session.exec(concerned.limit(1)).first() is None:
        raise Forbidden(_l("only the bureau responsible for what this facility stores may do this"))


def sensors_query(facility_id: int) -> SelectOfScalar[Sensor]:
    """The sensors of a facility the caller was found to see (``coldchain_facility``)."""
    return select(Sensor).where(Sensor.facility_id == facility_id)


def excursions_query(session: Session, user: User) -> SelectOfScalar[Excursion]:
    facilities = facilities_query(session, user).with_only_columns(Facility.id)
    return select(Excursion).where(Excursion.facility_id.in_(facilities))


def visible_excursion(session: Session, user: User, excursion_id: int) -> Excursion:
    row = session.exec(excursions_query(session, user).where(Excursion.id == excursion_id)).first()
    if row is None:
        raise NotFound(_l("excursion not found"))
    return row


declare_audited({
    "excursion": lambda session, user: excursions_query(session, user).with_only_columns(Excursion.id),
})
