"""The plan alert kinds (docs/plans.md): the catalogue's review falling due (reserve-materials-measures §二(二),
"定期评估，动态调整") and a temporary addition's period ending (§二(四)).

``catalogue_review_due`` opens ``CATALOGUE_REVIEW_REMIND_DAYS`` (30) days before the review date of the version in
force, critical once the date has passed, and resolves when a newer version is in force. ``addition_ending`` opens
``ADDITION_ENDING_REMIND_DAYS`` (14) days before an addition's last day, critical once the period has ended, and
stays open until the bureau or a coordinator lets it lapse or proposes it into the catalogue.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, String, case, cast, literal, select
from sqlmodel import Session

from inventory.core import settings
from inventory.core.vocab import AdditionStatus, AlertSeverity, PlanStatus
from inventory.models import CatalogueVersion, Material, TemporaryAddition
from inventory.services.alerts.registry import SUBJECT_PAGES, Scan, register
from inventory.services.alerts.sql import days_between, payload


def _key(kind: str, column) -> object:
    return literal(f"{kind}:") + cast(column, String)


def catalogue_review_due(session: Session, as_of: date) -> Select:
    """The version in force whose review date is near or past."""
    soon = as_of + timedelta(days=settings.catalogue_review_remind_days())
    return select(
        _key("catalogue_review_due", CatalogueVersion.id).label("dedup_key"),
        case((CatalogueVersion.review_due_on < as_of, AlertSeverity.critical.value),
             else_=AlertSeverity.warning.value).label("severity"),
        literal("catalogue").label("subject_type"), CatalogueVersion.id.label("subject_id"),
        payload(code=CatalogueVersion.code, review_due_on=CatalogueVersion.review_due_on,
                days_left=days_between(literal(as_of), CatalogueVersion.review_due_on)).label("payload"),
    ).where(CatalogueVersion.status == PlanStatus.in_force, CatalogueVersion.review_due_on.is_not(None),
            CatalogueVersion.review_due_on <= soon)


def addition_ending(session: Session, as_of: date) -> Select:
    """Additions in force whose last day is near, or past and not decided yet."""
    soon = as_of + timedelta(days=settings.addition_ending_remind_days())
    return select(
        _key("addition_ending", TemporaryAddition.id).label("dedup_key"),
        case((TemporaryAddition.ends_on < as_of, AlertSeverity.critical.value),
             else_=AlertSeverity.warning.value).label("severity"),
        literal("temporary_addition").label("subject_type"), TemporaryAddition.id.label("subject_id"),
        TemporaryAddition.enterprise_id.label("enterprise_id"), TemporaryAddition.material_id.label("material_id"),
        TemporaryAddition.bureau_id.label("bureau_id"), Material.category.label("category"),
        payload(code=TemporaryAddition.code, ends_on=TemporaryAddition.ends_on,
                days_left=days_between(literal(as_of), TemporaryAddition.ends_on)).label("payload"),
    ).join(Material, Material.id == TemporaryAddition.material_id).where(
        TemporaryAddition.status == AdditionStatus.in_force, TemporaryAddition.ends_on <= soon)


register(Scan("catalogue_review_due", _l("Catalogue review due"), catalogue_review_due, group="plans"))
register(Scan("addition_ending", _l("Temporary addition ending"), addition_ending, group="plans"))
SUBJECT_PAGES.update({"catalogue": ("catalogue_versions.show", "version_id"),
                      "annual_plan": ("annual_plans.show", "plan_id"),
                      "temporary_addition": ("temporary_additions.show", "addition_id")})
