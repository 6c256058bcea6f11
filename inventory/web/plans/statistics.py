"""Statistics reports and the performance evaluation on the web (统计报告制度 §五(四), 绩效评价 §五(六);
docs/plans.md, "Statistics report"): the stored reports, one report with its tables and chart, its printable A4 page
and XLSX workbook, producing one on demand, and the measures across years."""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length, Optional

from inventory import scope
from inventory.core import settings
from inventory.core.clock import business_today, utcnow
from inventory.core.errors import DomainError
from inventory.core.vocab import Category, MovementKind
from inventory.db import get_session
from inventory.http import XLSX_MIMETYPE
from inventory.models import StatisticsReport
from inventory.services.plans import performance, statistics, statistics_export
from inventory.web.service_errors import show_refusal

bp = Blueprint("statistics", __name__, url_prefix="/plans/statistics")
LISTED = 200


class ProduceForm(FlaskForm):
    period_start = DateField(_l("Period start"), validators=[DataRequired()])
    scope = StringField(_l("Scope (city or a bureau's code)"), default="city", validators=[Optional(), Length(max=32)])


def bars(rows: list[dict], label: str, value: str) -> list[dict]:
    """Horizontal bars for a chart: each row's label, value and share of the largest (0…1)."""
    values = [Decimal(r[value]) if r[value] is not None else Decimal(0) for r in rows]
    top = max(values, default=Decimal(0)) or Decimal(1)
    return [{"label": r[label], "value": v, "share": float(v / top)} for r, v in zip(rows, values)]


@bp.get("/")
@login_required
def index():
    if not scope.can(current_user, "view", "statistics"):
        abort(403)
    session = get_session()
    reports = list(session.exec(statistics.reports_query(session, current_user)
                                .order_by(StatisticsReport.period_start.desc(), StatisticsReport.scope_key)
                                .limit(LISTED)))
    may_produce = scope.can(current_user, "produce", "statistics")
    form = ProduceForm(formdata=None, data={"period_start": statistics.previous_period(
        business_today(), settings.statistics_period())[0], "scope": "city"})
    return render_template("plans/statistics/list.html", reports=reports, may_produce=may_produce, form=form,
                           period=settings.statistics_period())


@bp.post("/")
@login_required
def produce():
    session, form = get_session(), ProduceForm()
    if form.validate_on_submit():
        try:
            report, new = statistics.produce_on_demand(session, actor=current_user,
                                                       period_start=form.period_start.data,
                                                       bureau=(form.scope.data or "city").strip())
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("The report is produced.") if new else _("The report was produced already."), "success")
            return redirect(url_for(".show", report_id=report.id))
    else:
        flash(_("Nothing was saved: give the first day of a period."), "danger")
    return redirect(url_for(".index"))


def _report(report_id: int) -> StatisticsReport:
    return statistics.visible(get_session(), current_user, report_id)


def _context(report: StatisticsReport) -> dict:
    content = report.content
    return {"report": report, "c": content, "Category": Category, "MovementKind": MovementKind,
            "chart": bars([r for r in content["materials"] if r["coverage"] is not None], "material_name",
                          "coverage")}


@bp.get("/<int:report_id>")
@login_required
def show(report_id: int):
    return render_template("plans/statistics/show.html", **_context(_report(report_id)))


@bp.get("/<int:report_id>/print")
@login_required
def print_report(report_id: int):
    return render_template("plans/statistics/print.html", printed_at=utcnow(), **_context(_report(report_id)))


@bp.get("/<int:report_id>/workbook")
@login_required
def workbook(report_id: int):
    report = _report(report_id)
    return Response(statistics_export.workbook(report), mimetype=XLSX_MIMETYPE, headers={
        "Content-Disposition": f"attachment; filename={statistics_export.filename(report)}"})


@bp.get("/performance")
@login_required
def performance_page():
    if not scope.can(current_user, "view", "performance"):
        abort(403)
    years = performance.performance(get_session(), actor=current_user)
    charts = [
        (_("Mean coverage"), [{"label": y.year, "value": y.mean_coverage} for y in years], True),
        (_("Dispatches completed"), [{"label": y.year, "value": y.dispatches_completed} for y in years], False),
        (_("Replenishments fulfilled on time"), [{"label": y.year, "value": y.on_time_share} for y in years], True),
        (_("Mean final evaluation score"), [{"label": y.year, "value": y.mean_score} for y in years], False),
        (_("Temperature excursions"), [{"label": y.year, "value": y.excursions} for y in years], False),
        (_("Sanctions"), [{"label": y.year, "value": y.sanctions} for y in years], False),
    ]
    return render_template("plans/statistics/performance.html", years=years, bands=performance.BANDS,
                           charts=[(title, bars(rows, "label", "value"), ratio) for title, rows, ratio in charts])
