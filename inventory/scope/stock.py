"""Tenancy of the stock domain: the catalogue, facilities, lots and the stock workflows' tables."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, false, true
from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

from inventory.core.errors import Forbidden, NotFound
from inventory.core.vocab import Role
from inventory.models import (
    Adjustment, CountMismatch, Facility, ImportJob, Lot, Material, StockCount, StockCountLine, Transfer, User,
)
from inventory.scope.rules import (
    ALL_ROLES, ENTERPRISE_ROLES, Ownership, can, declare_audited, declare_ownership, enterprise_rows_query,
    remit_materials, require, stock_reach,
)

PERMISSIONS: dict[tuple[str, str], frozenset[str]] = {
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
    ("lot", "relocate"): ENTERPRISE_ROLES,
    ("lot", "hold"): frozenset({Role.enterprise_manager, Role.bureau_officer, Role.bureau_approver, Role.inspector}),
    ("lot", "export"): ALL_ROLES - {Role.blood_officer},
    ("transfer", "request"): ENTERPRISE_ROLES,
    ("transfer", "approve"): frozenset({Role.bureau_approver}),
    ("transfer", "withdraw"): ENTERPRISE_ROLES,
    ("adjustment", "withdraw"): ENTERPRISE_ROLES,
    ("adjustment", "approve"): frozenset({Role.bureau_approver}),
    ("count", "view"): ALL_ROLES - {Role.blood_officer},
    ("count", "open"): ENTERPRISE_ROLES | {Role.inspector},
    ("count", "submit"): ENTERPRISE_ROLES | {Role.inspector},
    ("count", "approve"): frozenset({Role.bureau_approver}),
    ("count", "cancel"): ENTERPRISE_ROLES | {Role.inspector},
    ("import", "run"): ENTERPRISE_ROLES,
}


def _lot_of_material(lot_column):
    """A row whose lot is of one of ``materials`` (a subquery of material ids)."""
    return lambda materials: lot_column.in_(select(Lot.id).where(Lot.material_id.in_(materials)))


def _count_of_material(materials):
    return exists(select(StockCountLine.id).join(Lot, Lot.id == StockCountLine.lot_id)
                  .where(StockCountLine.count_id == StockCount.id, Lot.material_id.in_(materials)))


def _ids(model):
    return lambda session, user: enterprise_rows_query(session, user, model).with_only_columns(model.id)


declare_audited({
    "lot": lambda session, user: lots_query(session, user).with_only_columns(Lot.id),
    "material": lambda session, user: remit_materials(user),
    "transfer": _ids(Transfer),
    "adjustment": _ids(Adjustment),
    "count": _ids(StockCount),
})

declare_ownership(
    Ownership(Transfer, (Transfer.enterprise_id, Transfer.to_enterprise_id), _lot_of_material(Transfer.lot_id)),
    Ownership(Adjustment, (Adjustment.enterprise_id,), _lot_of_material(Adjustment.lot_id)),
    Ownership(StockCount, (StockCount.enterprise_id,), _count_of_material),
    Ownership(CountMismatch, (CountMismatch.enterprise_id,), _lot_of_material(CountMismatch.lot_id)),
    Ownership(ImportJob, (ImportJob.enterprise_id,)),
)


def materials_query(session: Session, user: User) -> SelectOfScalar[Material]:
    """The catalogue is public to every signed-in user: it holds no enterprise's data."""
    return select(Material)


def facilities_query(session: Session, user: User) -> SelectOfScalar[Facility]:
    reach = stock_reach(session, user)
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
    reach = stock_reach(session, user)
    if reach == "all":
        return true()
    if reach == "bureau":
        return Lot.material_id.in_(select(Material.id).where(Material.bureau_id == user.org_id))
    if reach == "enterprise":
        return Lot.enterprise_id == user.org_id
    return false()


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
    if user.role == Role.inspector and stock_reach(session, user) == "enterprise" and enterprise_id != user.org_id:
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

