"""Lot lists and the stock summary as CSV or XLSX downloads, with the lot list's filters and scoping."""
from __future__ import annotations

from typing import Literal

from flask import request
from flask_babel import get_locale

from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.schemas import Query, errors
from inventory.api.spec import file_download, spec
from inventory.api.stock.lots import LotFilters
from inventory.core.vocab import SummaryGroup
from inventory.db import get_session
from inventory.http import XLSX_MIMETYPE, download
from inventory.services.stock import exports

FILES = ("text/csv", XLSX_MIMETYPE)


class FileFormat(Query):
    format: Literal["csv", "xlsx"] = "csv"


class LotExportQuery(LotFilters, FileFormat):
    pass


class SummaryExportQuery(FileFormat):
    group_by: SummaryGroup = SummaryGroup.material


@bp.get("/lots/export")
@spec.validate(query=LotExportQuery, resp=errors(403, 422), tags=["exports"])
@file_download(*FILES)
def export_lots():
    """The lots visible to the caller as a CSV or XLSX file, filtered like `GET /lots`, earliest expiry first."""
    query, session = request.context.query, get_session()
    table = exports.lot_table(session=session, actor=current_user(), filters=query.lot_filter(), fmt=query.format,
                              language=str(get_locale()))
    return download(table, query.format, session=session)


@bp.get("/stock/summary/export")
@spec.validate(query=SummaryExportQuery, resp=errors(403, 422), tags=["exports"])
@file_download(*FILES)
def export_summary():
    """The stock summary (`?group_by=`) as a CSV or XLSX file."""
    query = request.context.query
    table = exports.summary_table(session=get_session(), actor=current_user(), group_by=query.group_by,
                                  fmt=query.format)
    return download(table, query.format)
