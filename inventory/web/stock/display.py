"""How stock looks on a page: translated labels, expiry colours, quantities and local times.

Kept out of the templates so every stock page colours and words things the same way.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import Flask
from flask_babel import get_locale
from flask_login import current_user
from flask_babel import lazy_gettext as _l

from inventory import scope
from inventory.models import Lot, Material
from inventory.services.labels import KIND_LABELS, REQUEST_STATUS_LABELS, STATUS_LABELS
from inventory.timeutil import BUSINESS_TZ, business_today

#: expiry warnings: within this many days a lot is shown as expiring soon
SOON_DAYS = 30

STATUS_BADGES = {
    "available": "text-bg-success",
    "quality_hold": "text-bg-warning",
    "quarantined": "text-bg-danger",
    "expired": "text-bg-dark",
    "depleted": "text-bg-secondary",
}
CATEGORY_LABELS = {
    "grain": _l("Grain"),
    "edible_oil": _l("Edible oil"),
    "meat": _l("Meat"),
    "salt": _l("Salt"),
    "vegetables": _l("Vegetables"),
    "eggs": _l("Eggs"),
    "disaster_relief": _l("Disaster relief"),
    "flood_control": _l("Flood control"),
    "epidemic": _l("Epidemic emergency"),
    "small_package": _l("Small-package emergency goods"),
}
FACILITY_KIND_LABELS = {
    "warehouse": _l("Warehouse"),
    "cold_store": _l("Cold store"),
    "pre_cooling": _l("Pre-cooling"),
    "distribution_centre": _l("Cold-chain distribution centre"),
    "reefer_vehicle": _l("Refrigerated vehicle"),
    "medical_cold_store": _l("Medical cold store"),
    "ultra_low_freezer": _l("Ultra-low freezer"),
}
#: expiry state -> (row class, label)
EXPIRY_STATES = {
    "expired": ("table-danger", _l("Expired")),
    "soon": ("table-warning", _l("Expires within 30 days")),
    "rotation": ("table-info", _l("Within the rotation lead time")),
    "ok": ("", _l("Fine")),
}


def expiry_state(lot: Lot, material: Material, today: date | None = None) -> str:
    """expired, soon (30 days), rotation (within the material's rotation lead days) or ok."""
    days_left = (lot.expiry_date - (today or business_today())).days
    if days_left < 0:
        return "expired"
    if days_left <= SOON_DAYS:
        return "soon"
    if days_left <= material.rotation_lead_days:
        return "rotation"
    return "ok"


def days_left(expiry: date) -> int:
    return (expiry - business_today()).days


def quantity_text(value: Decimal | None, signed: bool = False) -> str:
    """Thousands separators and no trailing zeros: 3,200 and 950.25 rather than 3200.000."""
    if value is None:
        return "—"
    text = f"{value:+,.3f}" if signed else f"{value:,.3f}"
    return text.rstrip("0").rstrip(".")


def local_time(value: datetime | None) -> str:
    return value.astimezone(BUSINESS_TZ).strftime("%Y-%m-%d %H:%M:%S") if value else "—"


def material_name(material: Material | None) -> str:
    if material is None:
        return "—"
    if str(get_locale()) == "en" and material.name_en:
        return material.name_en
    return material.name_zh


def register(app: Flask) -> None:
    app.jinja_env.filters.update(qty=quantity_text, local_time=local_time)

    @app.context_processor
    def _stock_helpers() -> dict:
        return {
            "expiry_state": expiry_state, "expiry_states": EXPIRY_STATES, "days_left": days_left,
            "material_name": material_name, "status_labels": STATUS_LABELS, "status_badges": STATUS_BADGES,
            "category_labels": CATEGORY_LABELS, "kind_labels": KIND_LABELS,
            "facility_kind_labels": FACILITY_KIND_LABELS, "request_status_labels": REQUEST_STATUS_LABELS,
            "user_can": lambda action, resource: scope.can(current_user, action, resource),
        }
