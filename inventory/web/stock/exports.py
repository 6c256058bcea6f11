"""Downloads of lot lists and the stock summary as CSV (streamed) and XLSX."""
from __future__ import annotations

import os
from collections.abc import Iterator

from flask import Blueprint, render_template, request
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlmodel import Session
from werkzeug.wsgi import wrap_file
from wtforms import IntegerField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import NumberRange, Optional

from inventory import scope
from inventory.db import get_session
from inventory.services import exports, stock_queries
from inventory.services.errors import Forbidden
from inventory.services.labels import GROUP_LABELS, STATUS_LABELS
from inventory.web.stock_display import CATEGORY_LABELS

bp = Blueprint("exports", __name__, url_prefix="/exports")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ALL = SelectChoice("", "—")


class ExportForm(FlaskForm):
    """The lot-list filters and the summary grouping; sent by GET, so no CSRF token."""

    class Meta:
        csrf = False

    material = StringField(_l("Material code"))
    facility = StringField(_l("Facility code"))
    enterprise = StringField(_l("Enterprise code"))
    category = SelectField(_l("Category"), choices=[ALL, *(SelectChoice(k, v) for k, v in CATEGORY_LABELS.items())])
    status = SelectField(_l("Status"), choices=[ALL, *(SelectChoice(k, v) for k, v in STATUS_LABELS.items())])
    expiring_within_days = IntegerField(_l("Expiring within (days)"), validators=[Optional(), NumberRange(min=0)])
    group_by = SelectField(_l("Group the summary by"),
                           choices=[SelectChoice(k, v) for k, v in GROUP_LABELS.items()])


def _closing(chunks: Iterator[str], session: Session | None) -> Iterator[str]:
    try:
        yield from chunks
    finally:
        if session is not None:
            session.close()


def download(table: exports.Table, fmt: str, *, session: Session | None = None) -> tuple[Iterator, int, dict]:
    """The file as (body, status, headers): CSV streams from the query, XLSX from its temporary file.

    ``session`` is the one the table's rows read from. Flask's teardown closes it before the first CSV
    chunk goes out; the rows then reopen it (a closed Session can be used again), so the stream closes
    it once more when it ends or the client goes away. The body is an iterator, not a Response, because
    spectree's ``validate`` reads a returned Response whole, which would buffer the stream.
    """
    cells = exports.header(table.columns, gettext)
    headers = {"Content-Disposition": f"attachment; filename={table.filename}"}
    if fmt == "csv":
        body = _closing(exports.csv_chunks(cells, table.rows), session)
        return body, 200, {**headers, "Content-Type": "text/csv; charset=utf-8"}
    workbook = exports.xlsx_file(gettext(table.sheet), cells, table.rows)
    size = os.fstat(workbook.fileno()).st_size
    return wrap_file(request.environ, workbook), 200, {**headers, "Content-Type": XLSX_MIMETYPE,
                                                         "Content-Length": str(size)}


@bp.get("/")
@login_required
def index():
    if not scope.can(current_user, "export", "lot"):
        raise Forbidden(_l("you may not export stock"))
    return render_template("exports/index.html", form=ExportForm(request.args))


@bp.get("/lots.<fmt>")
@login_required
def lots(fmt: str):
    session = get_session()
    table = exports.lot_table(session=session, actor=current_user, filters=stock_queries.LotFilter.from_args(request.args),
                              fmt=exports.check_format(fmt), language=str(get_locale()))
    return download(table, fmt, session=session)


@bp.get("/summary.<fmt>")
@login_required
def summary(fmt: str):
    table = exports.summary_table(session=get_session(), actor=current_user, fmt=exports.check_format(fmt),
                                  group_by=request.args.get("group_by", "material"))
    return download(table, fmt)
