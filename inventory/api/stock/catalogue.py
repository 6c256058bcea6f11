"""Materials and facilities over the API.

Each field's type and bounds are written once, as an annotated type, and shared by the create, update and
response schemas of its resource.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from flask import request
from pydantic import BaseModel, Field, StrictBool, StrictInt, model_validator

from inventory import scope
from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.idempotency import idempotent
from inventory.api.pagination import page
from inventory.api.schemas import (
    BODY,
    Blank, Out, PageQuery, Quantity, StrictBody, Temperature, errors, page_of,
)
from inventory.api.spec import spec
from inventory.core.errors import NotFound
from inventory.core.vocab import Category, FacilityKind, SafetySystem, StockPolicy, StorageClass
from inventory.db import get_session
from inventory.models import Facility, Material, Organisation
from inventory.services.stock import catalogue, facilities

Code = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")]
Name = Annotated[str, Field(min_length=1, max_length=128, description="Chinese name")]
NameEn = Annotated[str, Field(max_length=128)]
Unit = Annotated[str, Field(min_length=1, max_length=16)]
#: JSON booleans are not integers (``true`` is no number of days)
ShelfLife = Annotated[StrictInt, Field(gt=0, le=36500)]
RotationLead = Annotated[StrictInt, Field(ge=0, le=3650)]
Celsius = Annotated[Decimal, Field(ge=-100, le=100, decimal_places=2, allow_inf_nan=False)]


class MaterialCreate(StrictBody):
    code: Code
    name: Name
    name_en: NameEn = ""
    category: Category
    unit: Unit
    shelf_life_days: ShelfLife
    storage_class: StorageClass
    policy: StockPolicy
    rotation_lead_days: RotationLead = 30
    bureau: str | None = Field(default=None, max_length=32,
                               description="responsible bureau code; default: the caller's bureau")


class MaterialUpdate(StrictBody):
    """Only the fields given change; at least one must be."""

    name: Name | None = None
    name_en: NameEn | None = None
    category: Category | None = None
    unit: Unit | None = None
    shelf_life_days: ShelfLife | None = None
    storage_class: StorageClass | None = None
    policy: StockPolicy | None = None
    rotation_lead_days: RotationLead | None = None
    active: StrictBool | None = Field(default=None,
                                      description="false takes the material out of the catalogue (定期评估，动态调整)")

    @model_validator(mode="after")
    def _something_to_change(self) -> MaterialUpdate:
        if not self.model_dump(exclude_none=True):
            raise ValueError("nothing to change: give at least one field")
        return self


class MaterialOut(Out):
    id: int
    code: str
    name: str = Field(validation_alias="name_zh")
    name_en: str
    category: Category
    unit: str
    shelf_life_days: int
    storage_class: StorageClass
    policy: StockPolicy
    rotation_lead_days: int
    active: bool


class MaterialQuery(PageQuery):
    category: Annotated[Category, Blank] = None


class FacilityCreate(StrictBody):
    code: Code
    name: Annotated[str, Field(min_length=1, max_length=128)]
    enterprise: str = Field(min_length=1, max_length=32, description="organisation code of the storage enterprise")
    district: str | None = Field(default=None, max_length=32, description="district code")
    kind: FacilityKind
    categories: list[Category] = Field(min_length=1, max_length=len(Category),
                                       description="the material categories the facility stores")
    keeper: str | None = Field(default=None, max_length=64, description="username of the enterprise's keeper")
    temp_min: Celsius | None = Field(default=None, description="default: the range of the kind")
    temp_max: Celsius | None = None
    capacity: Decimal | None = Field(default=None, gt=0, decimal_places=3, max_digits=18, allow_inf_nan=False)
    capacity_unit: str = Field(default="", max_length=16)
    address: str = Field(default="", max_length=255)
    fire_safety: StrictBool = False
    fire_checked_on: date | None = None
    theft_safety: StrictBool = False
    theft_checked_on: date | None = None
    flood_safety: StrictBool = False
    flood_checked_on: date | None = None


class SafetyOut(BaseModel):
    in_place: bool
    checked_on: date | None


class FacilityOut(Out):
    id: int
    code: str
    name: str
    enterprise: str | None = Field(description="organisation code")
    kind: FacilityKind
    district_id: int | None
    address: str
    temp_min: Temperature | None
    temp_max: Temperature | None
    capacity: Quantity | None
    capacity_unit: str
    categories: list[Category]
    keeper_id: int | None
    safety: dict[SafetySystem, SafetyOut]

    @classmethod
    def of(cls, facility: Facility, codes: dict[int, str]) -> FacilityOut:
        return cls.model_validate({
            **{name: getattr(facility, name) for name in cls.model_fields if hasattr(facility, name)},
            "enterprise": codes.get(facility.enterprise_id),
            "categories": [c for c in facility.categories.split(",") if c],
            "safety": {system: {"in_place": getattr(facility, f"{system}_safety"),
                                "checked_on": getattr(facility, f"{system}_checked_on")} for system in SafetySystem}})


class FacilityQuery(PageQuery):
    enterprise: Annotated[str, Blank] = Field(default=None, max_length=32, description="organisation code")
    kind: Annotated[FacilityKind, Blank] = None


MaterialPage, FacilityPage = page_of(MaterialOut), page_of(FacilityOut)


def org_codes() -> dict[int, str]:
    return dict(get_session().execute(scope.organisations_query(get_session(), current_user())
                                      .with_only_columns(Organisation.id, Organisation.code)).all())


@bp.get("/materials")
@spec.validate(query=MaterialQuery, resp=errors(422, HTTP_200=MaterialPage), tags=["catalogue"])
def list_materials():
    """The catalogue (`?category=`)."""
    params = request.context.query
    query = scope.materials_query(get_session(), current_user())
    if params.category:
        query = query.where(Material.category == params.category)
    rows, cursor = page(query, [Material.id], params)
    return MaterialPage(items=rows, next_cursor=cursor)


@bp.post("/materials")
@spec.validate(json=MaterialCreate, resp=errors(*BODY, 403, 409, HTTP_201=MaterialOut), tags=["catalogue"])
@idempotent
def create_material():
    """Add a material to the catalogue (the responsible bureau or an administrator)."""
    body, session = request.context.json, get_session()
    values = body.model_dump(exclude={"code", "bureau", "name"})
    material = catalogue.create_material(session=session, actor=current_user(), code=body.code, bureau=body.bureau,
                                         name_zh=body.name, **values)
    session.commit()
    return MaterialOut.model_validate(material), 201


@bp.patch("/materials/<code>")
@spec.validate(json=MaterialUpdate, resp=errors(*BODY, 403, 404, 409, HTTP_200=MaterialOut), tags=["catalogue"])
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
    return MaterialOut.model_validate(material)


@bp.get("/facilities")
@spec.validate(query=FacilityQuery, resp=errors(422, HTTP_200=FacilityPage), tags=["catalogue"])
def list_facilities():
    """Facilities visible to the caller (`?enterprise=&kind=`)."""
    session, user, params = get_session(), current_user(), request.context.query
    query = scope.facilities_query(session, user)
    if params.kind:
        query = query.where(Facility.kind == params.kind)
    if params.enterprise:
        query = query.where(Facility.enterprise_id == Organisation.id, Organisation.code == params.enterprise)
    rows, cursor = page(query, [Facility.id], params)
    codes = org_codes()
    return FacilityPage(items=[FacilityOut.of(f, codes) for f in rows], next_cursor=cursor)


@bp.post("/facilities")
@spec.validate(json=FacilityCreate, resp=errors(*BODY, 403, 409, HTTP_201=FacilityOut), tags=["catalogue"])
@idempotent
def create_facility():
    """Register a facility of a storage enterprise (its manager or an administrator)."""
    body, session = request.context.json, get_session()
    facility = facilities.create_facility(session=session, actor=current_user(), **body.model_dump())
    session.commit()
    return FacilityOut.of(facility, org_codes()), 201
