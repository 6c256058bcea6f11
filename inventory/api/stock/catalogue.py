"""Materials and facilities over the API."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from flask import jsonify, request
from pydantic import Field
from spectree import Response

from inventory import scope
from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.idempotency import idempotent
from inventory.api.pagination import page
from inventory.api.schemas import ErrorBody, StrictBody, decimal_text, iso_or_none
from inventory.api.spec import spec
from inventory.db import get_session
from inventory.models import Facility, Material, Organisation
from inventory.services.stock import catalogue
from inventory.services.stock import facilities
from inventory.core.errors import NotFound

Category = Literal["grain", "edible_oil", "meat", "salt", "vegetables", "eggs", "disaster_relief", "flood_control",
                   "epidemic", "small_package"]
FacilityKind = Literal["warehouse", "cold_store", "pre_cooling", "distribution_centre", "reefer_vehicle",
                       "medical_cold_store", "ultra_low_freezer"]
ERRORS = {"HTTP_403": ErrorBody, "HTTP_409": ErrorBody, "HTTP_422": ErrorBody}


class MaterialCreate(StrictBody):
    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=128, description="Chinese name")
    name_en: str = Field(default="", max_length=128)
    category: Category
    unit: str = Field(min_length=1, max_length=16)
    shelf_life_days: int = Field(gt=0, le=36500)
    storage_class: Literal["ambient", "chilled", "frozen", "ultra_low"]
    policy: Literal["rotate", "scrap"]
    rotation_lead_days: int = Field(default=30, ge=0, le=3650)
    bureau: str | None = Field(default=None, description="responsible bureau code; default: the caller's bureau")


class MaterialUpdate(StrictBody):
    name: str | None = Field(default=None, min_length=1, max_length=128)
    name_en: str | None = Field(default=None, max_length=128)
    category: Category | None = None
    unit: str | None = Field(default=None, min_length=1, max_length=16)
    shelf_life_days: int | None = Field(default=None, gt=0, le=36500)
    storage_class: Literal["ambient", "chilled", "frozen", "ultra_low"] | None = None
    policy: Literal["rotate", "scrap"] | None = None
    rotation_lead_days: int | None = Field(default=None, ge=0, le=3650)
    active: bool | None = Field(default=None, description="false takes the material out of the catalogue (定期评估，动态调整)")


class FacilityCreate(StrictBody):
    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=128)
    enterprise: str = Field(min_length=1, max_length=32, description="organisation code of the storage enterprise")
    district: str | None = Field(default=None, max_length=32)
    kind: FacilityKind
    temp_min: Decimal | None = Field(default=None, ge=-100, le=100, decimal_places=2)
    temp_max: Decimal | None = Field(default=None, ge=-100, le=100, decimal_places=2)
    capacity: Decimal | None = Field(default=None, gt=0, decimal_places=3, max_digits=18)
    capacity_unit: str = Field(default="", max_length=16)
    address: str = Field(default="", max_length=255)
    categories: list[Category] = Field(min_length=1, max_length=10,
                                       description="the material categories the facility stores")
    keeper: str | None = Field(default=None, max_length=64, description="user name of the responsible keeper")
    fire_safety: bool = False
    fire_checked_on: date | None = None
    theft_safety: bool = False
    theft_checked_on: date | None = None
    flood_safety: bool = False
    flood_checked_on: date | None = None


def material_public(m: Material) -> dict:
    return {"id": m.id, "code": m.code, "name": m.name_zh, "name_en": m.name_en, "category": m.category,
            "unit": m.unit, "shelf_life_days": m.shelf_life_days, "storage_class": m.storage_class,
            "policy": m.policy, "rotation_lead_days": m.rotation_lead_days, "active": m.active}


def facility_public(f: Facility, codes: dict[int, str]) -> dict:
    return {"id": f.id, "code": f.code, "name": f.name, "enterprise": codes.get(f.enterprise_id), "kind": f.kind,
            "district_id": f.district_id, "address": f.address, "temp_min": decimal_text(f.temp_min, 2),
            "temp_max": decimal_text(f.temp_max, 2), "capacity": decimal_text(f.capacity),
            "capacity_unit": f.capacity_unit,
            "safety": {name: {"in_place": getattr(f, f"{name}_safety"),
                              "checked_on": iso_or_none(getattr(f, f"{name}_checked_on"))}
                       for name in ("fire", "theft", "flood")}}


def org_codes() -> dict[int, str]:
    return dict(get_session().execute(scope.organisations_query(get_session(), current_user())
                                   .with_only_columns(Organisation.id, Organisation.code)).all())


@bp.get("/materials")
@spec.validate(tags=["catalogue"])
def list_materials():
    """The catalogue (`?category=`)."""
    query = scope.materials_query(get_session(), current_user())
    if request.args.get("category"):
        query = query.where(Material.category == request.args["category"])
    return jsonify(page(query, [Material.id], material_public))


@bp.post("/materials")
@spec.validate(json=MaterialCreate, resp=Response(**ERRORS), tags=["catalogue"])
@idempotent
def create_material():
    """Add a material to the catalogue (the responsible bureau or an administrator)."""
    body, session = request.context.json, get_session()
    values = body.model_dump(exclude={"code", "bureau", "name"})
    material = catalogue.create_material(session=session, actor=current_user(), code=body.code, bureau=body.bureau,
                                       name_zh=body.name, **values)
    session.commit()
    return jsonify(material_public(material)), 201


@bp.patch("/materials/<code>")
@spec.validate(json=MaterialUpdate, resp=Response(HTTP_404=ErrorBody, **ERRORS), tags=["catalogue"])
def update_material(code: str):
    """Change a material (the responsible bureau or an administrator); omitted fields stay as they are."""
    body, session = request.context.json, get_session()
    material = session.exec(scope.materials_query(session, current_user()).where(Material.code == code)).first()
    if material is None:
        raise NotFound(f"material {code} not found")
    changes = body.model_dump(exclude_none=True)
    if "name" in changes:
        changes["name_zh"] = changes.pop("name")
    catalogue.update_material(session=session, actor=current_user(), material=material, **changes)
    session.commit()
    return jsonify(material_public(material))


@bp.get("/facilities")
@spec.validate(tags=["catalogue"])
def list_facilities():
    """Facilities visible to the caller (`?enterprise=&kind=`)."""
    session, user = get_session(), current_user()
    query = scope.facilities_query(session, user)
    if request.args.get("kind"):
        query = query.where(Facility.kind == request.args["kind"])
    if request.args.get("enterprise"):
        query = query.where(Facility.enterprise_id == Organisation.id, Organisation.code == request.args["enterprise"])
    codes = org_codes()
    return jsonify(page(query, [Facility.id], lambda f: facility_public(f, codes)))


@bp.post("/facilities")
@spec.validate(json=FacilityCreate, resp=Response(**ERRORS), tags=["catalogue"])
@idempotent
def create_facility():
    """Register a facility of a storage enterprise (its manager or an administrator)."""
    body, session = request.context.json, get_session()
    facility = facilities.create_facility(session=session, actor=current_user(), **body.model_dump())
    session.commit()
    return jsonify(facility_public(facility, org_codes())), 201
