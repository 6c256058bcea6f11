"""Translated names of the stored vocabularies (lot statuses, movement kinds, request states, decisions).

Shared by the pages and by the services' messages, so "quality_hold" reads 质量暂停 in both places.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "available": _l("Available"),
    "quality_hold": _l("Quality hold"),
    "quarantined": _l("Quarantined"),
    "expired": _l("Expired"),
    "depleted": _l("Depleted"),
}
KIND_LABELS = {
    "receipt": _l("Receipt"),
    "issue": _l("Issue"),
    "transfer_out": _l("Transfer out"),
    "transfer_in": _l("Transfer in"),
    "rotation_out": _l("Rotation out"),
    "rotation_in": _l("Rotation in"),
    "scrap": _l("Scrap"),
    "dispatch": _l("Dispatch"),
    "adjustment": _l("Adjustment"),
    "count_correction": _l("Count correction"),
}
REQUEST_STATUS_LABELS = {
    "pending": _l("Pending"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "executed": _l("Executed"),
    "open": _l("Open"),
    "submitted": _l("Submitted"),
}
GROUP_LABELS = {
    "material": _l("Material"),
    "category": _l("Category"),
    "enterprise": _l("Enterprise"),
    "district": _l("District"),
}
ACTION_LABELS = {
    "approve": _l("approve"),
    "reject": _l("reject"),
    "submit": _l("submit"),
}
ENTITY_LABELS = {
    "adjustment": _l("write-down"),
    "transfer": _l("transfer"),
    "stock_count": _l("count"),
}


def label(table: dict, code: str):
    """The translated name of ``code``, or the code itself when it has none."""
    return table.get(code, code)
