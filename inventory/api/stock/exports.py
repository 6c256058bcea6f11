"""Lot lists and the stock summary as CSV or XLSX downloads, with the lot list's filters and scoping."""
from __future__ import annotations

from typing import Literal

from flask import request
from flask_babel import get_locale
from pydantic import BaseModel, Field
from spectree import Response

from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.schemas import ErrorBody
from inventory.api.spec import spec
from inventory.db import get_session
from inventory.services.stock import exports
from inventory.services.stock import queries
from inventory.http import download

ERRORS = {"HTTP_403": ErrorBody, "HTTP_422": ErrorBody}


class LotExportQuery(BaseModel):
    format: Literal["csv", "xlsx"] = "csv"
    material: str | None = Field(default=None, description="material code")
    enterprise: str | None = Field(default=None, description="organisation code")
    facility: str | None = Field(default=None, description="facility code")
    category: str | None = None
    status: str | None = None
    expiring_within_days: int | None = Field(default=None, ge=0)


class SummaryExportQuery(BaseModel):
    format: Literal["csv", "xlsx"] = "csv"
    group_by: Literal["material", "enterprise", "district", "category"] = "material"


@bp.get("/lots/export")
@spec.validate(query=LotExportQuery, resp=Response(**ERRORS), tags=["exports"])
def export_lots():
    """The lots visible to the caller as a CSV or XLSX file, filtered like `GET /lots`, earliest expiry first."""
    query = request.context.query
    filters = queries.LotFilter(**query.model_dump(exclude={"format"}))
    session = get_session()
    table = exports.lot_table(session=session, actor=current_user(), filters=filters, fmt=query.format,
                              language=str(get_locale()))
    return download(table, query.format, session=session)


@bp.get("/stock/summary/export")
@spec.validate(query=SummaryExportQuery, resp=Response(**ERRORS), tags=["exports"])
def export_summary():
    """The stock summary (`?group_by=`) as a CSV or XLSX file."""
    query = request.context.query
    table = exports.summary_table(session=get_session(), actor=current_user(), group_by=query.group_by,
                                  fmt=query.format)
    return download(table, query.format)
