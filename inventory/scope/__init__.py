"""Tenancy and permissions: the one place that says what each user may see and do.

Every view, API handler, export and scan asks this package for its base query (``*_query``) and for
permission (``can``/``require``). Each domain declares its permission table and row rules in
``scope/<domain>.py``; they are collected here. Row visibility follows the user's organisation:
administrators, coordinators and the government see the whole city; a bureau sees its remit; an
enterprise or the blood station sees only its own rows.
"""
from __future__ import annotations

from inventory.scope import accounts, alerts, blood, coldchain, dispatch, inspections, plans, rotation, stock
from inventory.scope.alerts import alert_filter, alerts_query, subscriber_sees, visible_alert
from inventory.scope.accounts import audit_query, organisations_query, users_query
from inventory.scope.dispatch import dispatches_query, visible_dispatch, visible_instruction, visible_replenishment
from inventory.scope.inspections import inspections_query, visible_inspection
from inventory.scope.rotation import visible_rotation, visible_scrap
from inventory.scope.rules import (
    ALL_ROLES, BUREAU_ROLES, CITY_WIDE_ROLES, ENTERPRISE_ROLES, PERMISSIONS, can, declare_permissions,
    enterprise_rows_query, org_kind, remember_org_kind, remit_materials, require, sees_whole_city, stock_reach,
)
from inventory.scope.stock import (
    facilities_query, lot_filter, lots_query, materials_query, may_change_material, require_bureau_decision,
    require_enterprise_action, require_facility_owner, require_material_owner, visible_facility, visible_lot,
)

for _domain in (accounts, stock, alerts, dispatch, blood, coldchain, inspections, rotation, plans):
    declare_permissions(_domain.PERMISSIONS)

__all__ = [
    "alert_filter", "alerts_query", "subscriber_sees", "visible_alert", "dispatches_query", "visible_dispatch",
    "visible_instruction", "visible_replenishment", "inspections_query", "visible_inspection", "visible_rotation",
    "visible_scrap",
    "ALL_ROLES", "BUREAU_ROLES", "CITY_WIDE_ROLES", "ENTERPRISE_ROLES", "PERMISSIONS", "audit_query", "can",
    "enterprise_rows_query", "facilities_query", "lot_filter", "lots_query", "materials_query",
    "may_change_material", "org_kind", "organisations_query", "remember_org_kind", "remit_materials", "require",
    "require_bureau_decision", "require_enterprise_action", "require_facility_owner", "require_material_owner",
    "sees_whole_city", "stock_reach", "users_query", "visible_facility", "visible_lot",
]
