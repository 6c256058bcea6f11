"""Facilities of storage enterprises: kinds, default temperature ranges, safety systems."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from inventory import scope
from inventory.scope import ENTERPRISE_ROLES
from inventory.core.clock import business_today
from inventory.models import District, Facility, Lot, Material, Organisation, User
from inventory.core.vocab import Category, FacilityKind, OrgKind, SafetySystem
from inventory.services.audit import trail
from inventory.core.errors import Conflict, Invalid

#: facility kind -> default range in °C, from the storage class it serves (cold-chain opinions §二)
KIND_DEFAULT_RANGE: dict[FacilityKind, tuple[Decimal | None, Decimal | None]] = {
    FacilityKind.warehouse: (None, Decimal("25")),
    FacilityKind.cold_store: (Decimal("-30"), Decimal("-18")),
    FacilityKind.pre_cooling: (Decimal("0"), Decimal("4")),
    FacilityKind.distribution_centre: (Decimal("0"), Decimal("4")),
    FacilityKind.reefer_vehicle: (Decimal("-25"), Decimal("-18")),
    FacilityKind.medical_cold_store: (Decimal("2"), Decimal("8")),
    FacilityKind.ultra_low_freezer: (Decimal("-86"), Decimal("-60")),
}
SAFETY = SafetySystem.fields()


def create_facility(
    *, session: Session, actor: User, code: str, name: str, enterprise: str, kind: str,
    district: str | None = None, temp_min: Decimal | None = None, temp_max: Decimal | None = None,
    capacity: Decimal | None = None, capacity_unit: str = "", address: str = "", categories: list[str] | None = None,
    keeper: str | None = None, **safety,
) -> Facility:
    """A new facility declares the material categories it stores (required) and may name its keeper."""
    owner = session.exec(select(Organisation).where(Organisation.code == enterprise)).first()
    if owner is None or owner.kind != OrgKind.enterprise:
        raise Invalid.field("enterprise", _l("unknown storage enterprise %(enterprise)r", enterprise=enterprise))
    scope.require_facility_owner(session, actor, "create", owner.id)
    if kind not in FacilityKind.values():
        raise Invalid.field("kind", _l("one of %(choices)s", choices=", ".join(FacilityKind.values())))
    district_id = owner.district_id
    if district:
        row = session.exec(select(District).where(District.code == district)).first()
        if row is None:
            raise Invalid.field("district", _l("unknown district %(district)r", district=district))
        district_id = row.id
    _checked_in_the_past(safety)
    default_min, default_max = KIND_DEFAULT_RANGE[kind]
    temp_min = default_min if temp_min is None else temp_min
    temp_max = default_max if temp_max is None else temp_max
    if temp_min is not None and temp_max is not None and temp_min >= temp_max:
        raise Invalid.field("temp_max", _l("must be above temp_min"))
    if capacity is not None and capacity <= 0:
        raise Invalid.field("capacity", _l("must be positive"))
    declared = _categories(categories)
    keeper_id = _keeper_id(session, keeper, owner.id)
    if session.exec(select(Facility).where(Facility.code == code)).first():
        raise Conflict(_l("facility %(code)s exists", code=code), code="duplicate_code")
    facility = Facility(code=code, name=name, enterprise_id=owner.id, district_id=district_id, kind=kind,
                        temp_min=temp_min, temp_max=temp_max, capacity=capacity, capacity_unit=capacity_unit,
                        address=address, categories=declared, keeper_id=keeper_id,
                        **{k: v for k, v in safety.items() if k in SAFETY})
    session.add(facility)
    session.flush()
    trail.record(session, actor=actor, action="facility.create", entity="facility", entity_id=facility.id,
                 org_id=owner.id, after={"code": code, "kind": kind, "name": name, "categories": declared,
                                         "keeper": keeper})
    return facility


def _categories(categories: list[str] | None) -> str:
    chosen = sorted(set(categories or []))
    if not chosen:
        raise Invalid.field("categories", _l("name the material categories this facility stores"))
    unknown = [c for c in chosen if c not in Category.values()]
    if unknown:
        raise Invalid.field("categories", _l("one of %(choices)s", choices=", ".join(Category.values())))
    return ",".join(chosen)


def _keeper_id(session: Session, username: str | None, enterprise_id: int) -> int | None:
    if not username:
        return None
    keeper = session.exec(select(User).where(User.username == username, User.org_id == enterprise_id,
                                             User.role.in_(ENTERPRISE_ROLES))).first()
    if keeper is None:
        raise Invalid.field("keeper", _l("%(user)r is not a user of this enterprise", user=username))
    return keeper.id


def set_storage(*, session: Session, actor: User, facility: Facility, categories: list[str],
                keeper: str | None) -> Facility:
    """The enterprise manager declares what the facility stores and who keeps it (专仓专储, 专人保管); audited."""
    scope.require_facility_owner(session, actor, "update", facility.enterprise_id)
    before = {"categories": facility.categories, "keeper_id": facility.keeper_id}
    declared = _categories(categories)
    held = set(session.exec(select(Material.category).join(Lot, Lot.material_id == Material.id)
                            .where(Lot.facility_id == facility.id, Lot.on_hand > 0)))
    if held - set(declared.split(",")):
        raise Invalid.field("categories", _l("the facility still holds %(categories)s",
                                             categories=", ".join(str(Category.label_of(c)) for c in sorted(held))))
    facility.categories = declared
    facility.keeper_id = _keeper_id(session, keeper, facility.enterprise_id)
    session.add(facility)
    trail.record(session, actor=actor, action="facility.storage", entity="facility", entity_id=facility.id,
                 org_id=facility.enterprise_id, before=before,
                 after={"categories": facility.categories, "keeper_id": facility.keeper_id})
    return facility


def record_safety_check(*, session: Session, actor: User, facility: Facility, **checks) -> Facility:
    """Safety systems in place and their last check dates (§二(六)3)."""
    scope.require_facility_owner(session, actor, "update", facility.enterprise_id)
    _checked_in_the_past(checks)
    before = {k: str(getattr(facility, k)) for k in SAFETY}
    for key, value in checks.items():
        if key in SAFETY:
            setattr(facility, key, value)
    session.add(facility)
    trail.record(session, actor=actor, action="facility.safety", entity="facility", entity_id=facility.id,
                 org_id=facility.enterprise_id, before=before, after={k: str(getattr(facility, k)) for k in SAFETY})
    return facility


def _checked_in_the_past(checks: dict) -> None:
    for key, value in checks.items():
        if key.endswith("_checked_on") and value is not None and not date(2000, 1, 1) <= value <= business_today():
            raise Invalid.field(key, _l("a check date from 2000 to today"))


def facility_by_code(session: Session, code: str, *, field: str = "facility") -> Facility:
    facility = session.exec(select(Facility).where(Facility.code == code)).first()
    if facility is None:
        raise Invalid.field(field, _l("unknown facility %(code)r", code=code))
    return facility
