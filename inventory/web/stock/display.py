"""How stock looks on a page: translated labels, expiry colours, quantities and local times.

Kept out of the templates so every stock page colours and words things the same way.
"""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask
from flask_login import current_user
from flask_babel import lazy_gettext as _l

from inventory import scope
from inventory.models import Lot, Material
from inventory.core.vocab import (
    Category, FacilityKind, ImportStatus, InspectionResult, LotStatus, MovementKind, RequestStatus, Role,
    WorkflowAction,
)
from inventory.core.quantities import quantity_text
from inventory.services.stock.names import material_name
from inventory.core.clock import BUSINESS_TZ, business_today

#: expiry warnings: within this many days a lot is shown as expiring soon
SOON_DAYS = 30

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


def local_time(value: datetime | None) -> str:
    return value.astimezone(BUSINESS_TZ).strftime("%Y-%m-%d %H:%M:%S") if value else "—"


def register(app: Flask) -> None:
    app.jinja_env.filters.update(qty=quantity_text, local_time=local_time)

    @app.context_processor
    def _stock_helpers() -> dict:
        return {
            "expiry_state": expiry_state, "expiry_states": EXPIRY_STATES, "days_left": days_left,
            "material_name": material_name, "LotStatus": LotStatus, "Category": Category,
            "MovementKind": MovementKind, "FacilityKind": FacilityKind, "RequestStatus": RequestStatus, "Role": Role,
            "WorkflowAction": WorkflowAction, "InspectionResult": InspectionResult, "ImportStatus": ImportStatus,
            "user_can": lambda action, resource: scope.can(current_user, action, resource),
        }
