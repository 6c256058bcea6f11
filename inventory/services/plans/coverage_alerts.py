"""``below_plan`` (docs/plans.md, "Coverage"): available stock below the plan in force, for a material in the city
and for an enterprise's share of a material, unless the rules allow the whole shortfall (a rotation within its
window, an open replenishment within its due date, a dispatch in progress, ``coverage.allowances``).

Severity by the ratio: critical below ``COVERAGE_CRITICAL_RATIO`` (0.7), warning below ``COVERAGE_WARNING_RATIO``
(0.9), information above. The payload carries plan, available, allowed part, shortfall and ratio as decimal
strings and the allowances behind the allowed part. One set-based SELECT over the coverage aggregates;
``flask scan coverage`` runs it.
"""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, Select, String, and_, case, cast, func, literal, null, select, union_all
from sqlmodel import Session

from inventory.core import settings
from inventory.core.vocab import AlertSeverity
from inventory.models import Material, Organisation
from inventory.services.alerts.registry import Scan, register
from inventory.services.alerts.sql import payload, spelled
from inventory.services.plans import coverage

PER_MILLE = 1000


#: a quantity as a decimal string with three places ("770.000"): SQLite keeps thousandths (models/types.py)
quantity_text = spelled("quantity_text", String(), postgresql="CAST(ROUND({0}, 3) AS TEXT)",
                        sqlite="printf('%.3f', ({0}) / 1000.0)")
#: ``part / whole`` as a decimal string with four places ("0.7700")
ratio_text = spelled("ratio_text", String(), postgresql="CAST(ROUND({0} / {1}, 4) AS TEXT)",
                     sqlite="printf('%.4f', ({0}) * 1.0 / {1})")
#: the allowances of a group as one text, "kind:code" joined by commas, in order
reason_list = spelled("reason_list", String(), postgresql="string_agg({0}, ',' ORDER BY {0})",
                      sqlite="group_concat({0}, ',')")


def _severity(rows):
    """Compared in thousandths of the target, exact on both databases."""
    critical = int(settings.coverage_critical_ratio() * PER_MILLE)
    warning = int(settings.coverage_warning_ratio() * PER_MILLE)
    scaled = rows.c.available * literal(PER_MILLE, Integer)
    return case((scaled < rows.c.target * literal(critical, Integer), AlertSeverity.critical.value),
                (scaled < rows.c.target * literal(warning, Integer), AlertSeverity.warning.value),
                else_=AlertSeverity.info.value)


def _part(session: Session, as_of: date, *, per_enterprise: bool) -> Select:
    rows = coverage.grain(session, as_of, None, per_enterprise=per_enterprise)
    allowed = coverage.allowances(as_of).subquery()
    ids = ([allowed.c.enterprise_id, allowed.c.material_id] if per_enterprise else [allowed.c.material_id])
    ordered = select(allowed).order_by(allowed.c.kind, allowed.c.code).subquery()
    ordered_ids = [ordered.c[column.name] for column in ids]
    reasons = select(*ordered_ids, reason_list(ordered.c.kind + literal(":") + ordered.c.code).label("reasons")) \
        .group_by(*ordered_ids).subquery()
    shortfall = rows.c.target - rows.c.available
    if per_enterprise:
        key = literal("below_plan:enterprise:") + cast(rows.c.enterprise_id, String) + literal(":") \
            + cast(rows.c.material_id, String)
        joined = and_(reasons.c.enterprise_id == rows.c.enterprise_id, reasons.c.material_id == rows.c.material_id)
        enterprise, district = rows.c.enterprise_id, Organisation.district_id
    else:
        key = literal("below_plan:material:") + cast(rows.c.material_id, String)
        joined = reasons.c.material_id == rows.c.material_id
        enterprise, district = cast(null(), Integer), cast(null(), Integer)
    query = select(
        key.label("dedup_key"), _severity(rows).label("severity"), literal("material").label("subject_type"),
        rows.c.material_id.label("subject_id"), enterprise.label("enterprise_id"),
        rows.c.material_id.label("material_id"), Material.bureau_id.label("bureau_id"),
        district.label("district_id"), cast(null(), Integer).label("facility_id"),
        Material.category.label("category"),
        payload(scope=literal("enterprise" if per_enterprise else "city"), material=Material.code,
                unit=Material.unit, plan=quantity_text(rows.c.target), available=quantity_text(rows.c.available),
                allowed=quantity_text(rows.c.allowed), shortfall=quantity_text(shortfall),
                coverage=ratio_text(rows.c.available, rows.c.target),
                reasons=func.coalesce(reasons.c.reasons, "")).label("payload"),
    ).select_from(rows).join(Material, Material.id == rows.c.material_id).outerjoin(reasons, joined)
    if per_enterprise:
        query = query.join(Organisation, Organisation.id == rows.c.enterprise_id)
    return query.where(rows.c.target.is_not(None), rows.c.available < rows.c.target, shortfall > rows.c.allowed)


def below_plan(session: Session, as_of: date) -> Select:
    """Materials of the city and enterprises' shares of a material below their plan beyond what is allowed."""
    return union_all(_part(session, as_of, per_enterprise=False), _part(session, as_of, per_enterprise=True))


register(Scan("below_plan", _l("Below plan"), below_plan, group="coverage"))
