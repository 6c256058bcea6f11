"""Facility list and facility page: its lots, temperature range, capacity and safety checks (§二(六)3)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func
from sqlmodel import select

from inventory import scope
from inventory.db import get_session
from inventory.models import District, Facility, Lot, Organisation
from inventory.services.stock import facilities
from inventory.services.stock import queries
from inventory.core.errors import DomainError
from inventory.web.service_errors import show_refusal
from inventory.web.stock.forms import SafetyCheckForm
from inventory.services.stock.names import names_for

bp = Blueprint("facilities", __name__, url_prefix="/facilities")
LOTS_SHOWN = 100


def _require_view() -> None:
    if not scope.can(current_user, "view", "facility"):
        abort(403)


@bp.get("/")
@login_required
def index():
    _require_view()
    session = get_session()
    rows = list(session.exec(scope.facilities_query(session, current_user).order_by(Facility.code)))
    ids = [f.id for f in rows]
    stock = dict(session.execute(
        select(Lot.facility_id, func.count(Lot.id)).where(scope.lot_filter(session, current_user), Lot.on_hand > 0,
                                                          Lot.facility_id.in_(ids)).group_by(Lot.facility_id)).all())
    orgs = {o.id: o for o in session.exec(select(Organisation).where(
        Organisation.id.in_({f.enterprise_id for f in rows})))}
    districts = {d.id: d for d in session.exec(select(District))}
    return render_template("stock/facilities/index.html", facilities=rows, lot_counts=stock, orgs=orgs,
                           districts=districts)


def _render(code: str, form: SafetyCheckForm, status: int = 200):
    session = get_session()
    facility = scope.visible_facility(session, current_user, code)
    query = queries.lots(session=session, actor=current_user,
                               filters=queries.LotFilter(facility=facility.code))
    lots = list(session.exec(query.where(Lot.on_hand > 0).order_by(Lot.expiry_date, Lot.id).limit(LOTS_SHOWN + 1)))
    return render_template(
        "stock/facilities/show.html", facility=facility, enterprise=session.get(Organisation, facility.enterprise_id),
        district=session.get(District, facility.district_id) if facility.district_id else None,
        lots=lots[:LOTS_SHOWN], more_lots=len(lots) > LOTS_SHOWN, names=names_for(session, current_user, lots),
        form=form, can_check=_may_record_checks(facility),
    ), status


def _may_record_checks(facility: Facility) -> bool:
    """Ask scope the question the service will ask, so the form shows only where it can succeed."""
    try:
        scope.require_facility_owner(get_session(), current_user, "update", facility.enterprise_id)
    except DomainError:
        return False
    return True


@bp.get("/<code>")
@login_required
def show(code: str):
    _require_view()
    facility = scope.visible_facility(get_session(), current_user, code)
    return _render(code, SafetyCheckForm(obj=facility, formdata=None))


@bp.post("/<code>/safety")
@login_required
def record_safety(code: str):
    session = get_session()
    facility = scope.visible_facility(session, current_user, code)
    form = SafetyCheckForm()
    if form.validate_on_submit():
        try:
            facilities.record_safety_check(session=session, actor=current_user, facility=facility, **form.checks())
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("The safety check is recorded."), "success")
            return redirect(url_for("facilities.show", code=facility.code))
    return _render(code, form, status=422)
