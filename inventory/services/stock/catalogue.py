"""The catalogue: categories, storage classes and their default temperature ranges, materials."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from inventory import scope
from inventory.models import Lot, Material, Organisation, User
from inventory.core import settings
from inventory.core.vocab import Category, OrgKind, StockPolicy, StorageClass
from inventory.services.audit import trail
from inventory.core.errors import Conflict, Invalid

#: storage class -> (lowest, highest) °C a facility may be kept at for it; None: no bound on that side.
#: Sources (docs/domain-rules.md, storage classes): GSP 2016 for ambient (≤ 30), cool (≤ 20) and medical (2–8);
#: GB 31605-2020 for chilled (0–4) and frozen food (≤ −18); the blood-station technical rules (2019) and
#: GB 18469-2012 for red cells (2–6), platelets (20–24, agitated) and plasma (≤ −18). Overridable per class
#: with the STORAGE_CLASS_RANGES setting.
STORAGE_CLASSES: dict[StorageClass, tuple[Decimal | None, Decimal | None]] = {
    StorageClass.ambient: (None, Decimal("30")),
    StorageClass.cool: (None, Decimal("20")),
    StorageClass.chilled: (Decimal("0"), Decimal("4")),
    StorageClass.medical: (Decimal("2"), Decimal("8")),
    StorageClass.red_cells: (Decimal("2"), Decimal("6")),
    StorageClass.platelets: (Decimal("20"), Decimal("24")),
    StorageClass.frozen: (None, Decimal("-18")),
    StorageClass.plasma: (None, Decimal("-18")),
    StorageClass.ultra_low: (None, Decimal("-60")),
}


def storage_range(storage_class: str) -> tuple[Decimal | None, Decimal | None]:
    """The class's range: the STORAGE_CLASS_RANGES setting where it names the class, else the cited default."""
    override = settings.storage_class_ranges().get(storage_class)
    if override is not None:
        low, high = override
        return (None if low is None else Decimal(str(low)), None if high is None else Decimal(str(high)))
    return STORAGE_CLASSES[StorageClass(storage_class)]


#: what a quantity of the material means: fixed while any lot holds it
FIXED_WHILE_STOCKED = ("unit", "category", "storage_class")
EDITABLE = ("name_zh", "name_en", "category", "unit", "shelf_life_days", "storage_class", "policy",
            "rotation_lead_days", "active")


def _validate(values: dict) -> None:
    if values.get("category") not in Category.values():
        raise Invalid.field("category", _l("one of %(choices)s", choices=", ".join(Category.values())))
    if values.get("storage_class") not in StorageClass.values():
        raise Invalid.field("storage_class", _l("one of %(choices)s", choices=", ".join(StorageClass.values())))
    if values.get("policy") not in StockPolicy.values():
        raise Invalid.field("policy", _l("rotate or scrap"))
    if int(values.get("shelf_life_days") or 0) <= 0:
        raise Invalid.field("shelf_life_days", _l("must be positive"))
    if int(values.get("rotation_lead_days") or 0) < 0:
        raise Invalid.field("rotation_lead_days", _l("must not be negative"))


def _bureau_for(session: Session, actor: User, bureau_code: str | None) -> Organisation:
    if bureau_code is None:
        bureau = session.get(Organisation, actor.org_id)
    else:
        bureau = session.exec(select(Organisation).where(Organisation.code == bureau_code)).first()
    if bureau is None or bureau.kind != OrgKind.bureau:
        raise Invalid.field("bureau", _l("the responsible bureau must be a bureau organisation"))
    return bureau


def create_material(*, session: Session, actor: User, code: str, bureau: str | None = None, **values) -> Material:
    scope.require(actor, "create", "material")
    values.setdefault("rotation_lead_days", 30)
    _validate(values)
    owner = _bureau_for(session, actor, bureau)
    scope.require_material_owner(session, actor, "create", owner.id)
    if session.exec(select(Material).where(Material.code == code)).first():
        raise Conflict(_l("material %(code)s exists", code=code), code="duplicate_code")
    material = Material(code=code, bureau_id=owner.id, **{k: v for k, v in values.items() if k in EDITABLE})
    session.add(material)
    session.flush()
    trail.record(session, actor=actor, action="material.create", entity="material", entity_id=material.id,
                 org_id=owner.id, after={"code": code, **{k: str(v) for k, v in values.items()}})
    return material


def update_material(*, session: Session, actor: User, material: Material, **changes) -> Material:
    scope.require_material_owner(session, actor, "update", material.bureau_id)
    before = {k: getattr(material, k) for k in EDITABLE}
    merged = {**before, **{k: v for k, v in changes.items() if k in EDITABLE}}
    _validate(merged)
    meaning = [k for k in FIXED_WHILE_STOCKED if merged[k] != before[k]]
    if meaning and session.exec(select(Lot.id).where(Lot.material_id == material.id, Lot.on_hand > 0)).first():
        raise Conflict(_l("%(fields)s cannot change while the material is in stock: 10,000 t would silently become "
                          "10,000 kg", fields=", ".join(meaning)), code="material_in_stock")
    for key, value in merged.items():
        setattr(material, key, value)
    session.add(material)
    trail.record(session, actor=actor, action="material.update", entity="material", entity_id=material.id,
                 org_id=material.bureau_id, before={k: str(v) for k, v in before.items()},
                 after={k: str(v) for k, v in merged.items()})
    return material


def material_by_code(session: Session, code: str, *, field: str = "material") -> Material:
    material = session.exec(select(Material).where(Material.code == code)).first()
    if material is None:
        raise Invalid.field(field, _l("unknown material %(code)r", code=code))
    return material
