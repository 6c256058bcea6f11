"""Downloads of lot lists and the stock summary as CSV (streamed) and XLSX."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import NumberRange, Optional

from inventory import scope
from inventory.db import get_session
from inventory.http import download
from inventory.services.stock import exports
from inventory.services.stock import queries
from inventory.core.errors import Forbidden
from inventory.core.vocab import Category, LotStatus, SummaryGroup

bp = Blueprint("exports", __name__, url_prefix="/exports")
ALL = SelectChoice("", "—")


class ExportForm(FlaskForm):
    """The lot-list filters and the summary grouping; sent by GET, so no CSRF token."""

    class Meta:
        csrf = False

    material = StringField(_l("Material code"))
    facility = StringField(_l("Facility code"))
    enterprise = StringField(_l("Enterprise code"))
    category = SelectField(_l("Category"), choices=[ALL, *(SelectChoice(k, v) for k, v in Category.labels().items())])
    status = SelectField(_l("Status"), choices=[ALL, *(SelectChoice(k, v) for k, v in LotStatus.labels().items())])
    expiring_within_days = IntegerField(_l("Expiring within (days)"), validators=[Optional(), NumberRange(min=0)])
    group_by = SelectField(_l("Group the summary by"),
                           choices=[SelectChoice(k, v) for k, v in SummaryGroup.labels().items()])


@bp.get("/")
@login_required
def index():
    if not scope.can(current_user, "export", "lot"):
        raise Forbidden(_l("you may not export stock"))
    return render_template("stock/exports.html", form=ExportForm(request.args))


@bp.get("/lots.<fmt>")
@login_required
def lots(fmt: str):
    session = get_session()
    table = exports.lot_table(session=session, actor=current_user, filters=queries.LotFilter.from_args(request.args),
                              fmt=exports.check_format(fmt), language=str(get_locale()))
    return download(table, fmt, session=session)


@bp.get("/summary.<fmt>")
@login_required
def summary(fmt: str):
    table = exports.summary_table(session=get_session(), actor=current_user, fmt=exports.check_format(fmt),
                                  group_by=request.args.get("group_by", "material"))
    return download(table, fmt)
