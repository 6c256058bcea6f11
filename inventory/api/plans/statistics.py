"""Statistics reports over the API (统计报告制度, reserve-materials-measures §五(四); docs/plans.md, "Statistics
report"): the stored reports a reader may see, one report as JSON or an XLSX workbook, and one produced on demand."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from flask import request
from pydantic import Field, ValidationError

from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.pagination import page
from inventory.api.schemas import BODY, Blank, Out, PageQuery, Query, StrictBody, Timestamp, errors, page_of
from inventory.api.spec import file_download, spec
from inventory.core.errors import Invalid
from inventory.db import get_session
from inventory.http import XLSX_MIMETYPE
from inventory.models import StatisticsReport
from inventory.services.plans import statistics, statistics_export

TAGS = ["statistics"]


class ReportQuery(PageQuery):
    scope: Annotated[str, Blank] = Field(default=None, max_length=24, description="`city` or `bureau:<id>`")


class ReportFormat(Query):
    format: Literal["json", "xlsx"] = "json"


class ReportCreate(StrictBody):
    period_start: date = Field(description="the first day of an ended period of the configured kind")
    scope: str = Field(default="city", min_length=1, max_length=32, description="`city` or a bureau's code")


class ReportOut(Out):
    id: int
    period_start: date
    period_end: date
    scope_key: str = Field(description="`city` or `bureau:<id>`")
    bureau_id: int | None
    generated_at: Timestamp


class ReportDetail(ReportOut):
    content: dict[str, Any] = Field(description="materials, categories, enterprises, districts, movements, "
                                                "expiring (docs/api.md)")


ReportPage = page_of(ReportOut)


@bp.get("/statistics-reports")
@spec.validate(query=ReportQuery, resp=errors(403, 422, HTTP_200=ReportPage), tags=TAGS)
def list_statistics_reports():
    """The stored reports the caller may see (a bureau its own; the city every one), oldest first."""
    params, session = request.context.query, get_session()
    query = statistics.reports_query(session, current_user())
    if params.scope:
        query = query.where(StatisticsReport.scope_key == params.scope)
    rows, cursor = page(query, [StatisticsReport.id], params)
    return ReportPage(items=[ReportOut.model_validate(r) for r in rows], next_cursor=cursor)


@bp.get("/statistics-reports/<int:report_id>")
@spec.validate(query=ReportFormat, resp=errors(403, 404, HTTP_200=ReportDetail), tags=TAGS, skip_validation=True)
@file_download(XLSX_MIMETYPE, or_json=True)
def get_statistics_report(report_id: int):
    """One report: JSON, or `?format=xlsx` for the workbook (a sheet per breakdown)."""
    # validated here, not by spectree, which would read the workbook as a JSON body
    try:
        fmt = ReportFormat.model_validate(request.args.to_dict()).format
    except ValidationError:
        raise Invalid.field("format", "json or xlsx") from None
    report = statistics.visible(get_session(), current_user(), report_id)
    if fmt == "xlsx":
        return statistics_export.workbook(report), 200, {
            "Content-Type": XLSX_MIMETYPE,
            "Content-Disposition": f"attachment; filename={statistics_export.filename(report)}"}
    return ReportDetail.model_validate(report)


@bp.post("/statistics-reports")
@spec.validate(json=ReportCreate, resp=errors(*BODY, 403, HTTP_200=ReportDetail, HTTP_201=ReportDetail), tags=TAGS)
def produce_statistics_report():
    """Produce one period's report now (coordinators, administrators): 201 when stored, 200 with the stored one
    when it exists already."""
    body, session = request.context.json, get_session()
    report, new = statistics.produce_on_demand(session, actor=current_user(), period_start=body.period_start,
                                               bureau=body.scope)
    session.commit()
    return ReportDetail.model_validate(report), 201 if new else 200
