"""Coverage against the plan on the web (docs/plans.md, "Coverage"): a tab per group, any day, a bar per row, the
allowed shortfalls explained with links to their rotation, replenishment or dispatch, and the lots behind a row."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlmodel import col
from wtforms import DateField, SelectField
from wtforms.fields import SelectChoice
from wtforms.validators import Optional

from inventory import scope
from inventory.core.clock import business_today
from inventory.core.errors import Invalid
from inventory.core.vocab import AllowanceKind, CoverageGroup, LotStatus
from inventory.db import get_session
from inventory.models import Lot
from inventory.services.plans import coverage
from inventory.services.stock.names import names_for

bp = Blueprint("plans_coverage", __name__, url_prefix="/plans/coverage")
LOTS_SHOWN = 200
#: the page of the row behind each kind of allowance: (endpoint, its id argument)
ALLOWANCE_PAGES = {AllowanceKind.rotation: ("rotations.show", "rotation_id"),
                   AllowanceKind.replenishment: ("replenishments.show", "replenishment_id"),
                   AllowanceKind.dispatch: ("dispatches.show", "dispatch_id")}


class CoverageForm(FlaskForm):
    class Meta:
        csrf = False

    group_by = SelectField(_l("Group by"), choices=[SelectChoice(k, v) for k, v in CoverageGroup.labels().items()], default="material")
    as_of = DateField(_l("As of"), validators=[Optional()])


def _day(form: CoverageForm):
    """The form's day, or today; a day out of range lands on the field."""
    day = form.as_of.data or business_today()
    try:
        return coverage.check_day(day)
    except Invalid as refusal:
        form.as_of.errors = [*form.as_of.errors, *refusal.fields.get("as_of", [])]
        return business_today()


@bp.get("/")
@login_required
def show():
    if not scope.can(current_user, "view", "coverage"):
        abort(403)
    form = CoverageForm(request.args)
    valid = form.validate()
    group = form.group_by.data if valid else "material"
    day = _day(form) if valid else business_today()
    session = get_session()
    rows = coverage.coverage_rows(session, group=group, as_of=day, actor=current_user)
    details = coverage.allowance_details(session, group=group, as_of=day, actor=current_user)
    return render_template("plans/coverage/show.html", form=form, group=group, day=day, rows=rows,
                           details=details, groups=CoverageGroup, kinds=AllowanceKind,
                           pages=ALLOWANCE_PAGES), 422 if form.errors else 200


@bp.get("/<group>/<key>/lots")
@login_required
def lots(group: str, key: str):
    if not scope.can(current_user, "view", "coverage"):
        abort(403)
    form = CoverageForm(request.args, group_by=group)
    valid = form.validate()
    day = _day(form) if valid else business_today()
    if form.errors:
        abort(422)
    session = get_session()
    query = coverage.lots_of(session, group=group, key=key, as_of=day, actor=current_user)
    rows = list(session.exec(query.order_by(col(Lot.expiry_date), col(Lot.id)).limit(LOTS_SHOWN + 1)))
    shown = rows[:LOTS_SHOWN]
    return render_template("plans/coverage/lots.html", group=group, key=key, day=day, lots=shown,
                           more=len(rows) > LOTS_SHOWN, names=names_for(session, current_user, shown),
                           excluded={lot.id: coverage.excluded_because(lot, day) for lot in shown},
                           statuses=LotStatus, groups=CoverageGroup)
