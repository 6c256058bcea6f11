"""The stock summary page: on hand per material, category, enterprise or district, with an inline SVG chart.

The chart is drawn server-side as SVG because government intranets are offline: no chart library, no CDN.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from inventory import scope
from inventory.db import get_session
from inventory.services.stock import queries
from inventory.core.vocab import Category
from inventory.web.stock.forms import SummaryForm

bp = Blueprint("stock_summary", __name__, url_prefix="/stock")
MIN_SHARE = 0.004


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    share: float  # of the largest bar of its unit, at least a sliver so small stock stays visible


@dataclass(frozen=True)
class BarGroup:
    """Bars of one unit: tonnes and tents are never drawn on the same scale."""

    unit: str
    bars: list[Bar]


def bar_groups(rows: list[queries.SummaryRow], group_by: str) -> list[BarGroup]:
    by_unit: dict[str, list[queries.SummaryRow]] = {}
    for row in rows:
        by_unit.setdefault(row.unit or "", []).append(row)
    groups = []
    for unit, unit_rows in by_unit.items():
        largest = max(row.on_hand for row in unit_rows) or Decimal(1)
        ordered = sorted(unit_rows, key=lambda r: r.on_hand, reverse=True)
        bars = [Bar(_label(row, group_by), row.on_hand, max(float(row.on_hand / largest), MIN_SHARE))
                for row in ordered]
        groups.append(BarGroup(unit=unit, bars=bars))
    return groups


def _label(row: queries.SummaryRow, group_by: str) -> str:
    if group_by == "category":
        return str(Category.label_of(row.key))
    return row.name


@bp.get("/summary")
@login_required
def show():
    if not scope.can(current_user, "view", "lot"):
        abort(403)
    form = SummaryForm(request.args)
    group_by = form.group_by.data if form.validate() else "material"
    rows = queries.summary(session=get_session(), actor=current_user, group_by=group_by)
    return render_template("stock/summary.html", form=form, rows=rows, group_by=group_by,
                           to_replenish=group_by == "material" and scope.can(current_user, "view", "replenishment"),
                           labels={row.key: _label(row, group_by) for row in rows},
                           groups=bar_groups(rows, group_by)), 200 if not form.errors else 422
