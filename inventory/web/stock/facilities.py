"""Facility list and facility page: its lots, temperature range, capacity and safety checks (§二(六)3)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields import SelectChoice

from inventory import scope
from inventory.db import get_session
from inventory.models import Facility
from inventory.services.stock import facilities
from inventory.services.stock import queries
from inventory.core.errors import DomainError
from inventory.web.service_errors import show_refusal
from inventory.web.stock.forms import SafetyCheckForm, StorageForm
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
    overview = queries.facility_overview(session=session, actor=current_user)
    return render_template("stock/facilities/index.html", facilities=overview.facilities,
                           lot_counts=overview.lot_counts, orgs=overview.orgs, districts=overview.districts)


def _storage_form(facility: Facility, **kwargs) -> StorageForm:
    form = StorageForm(prefix="storage", **kwargs)
    form.keeper.choices = [SelectChoice("", "—")] + [
        SelectChoice(u.username, u.display_name or u.username)
        for u in queries.enterprise_users(session=get_session(), enterprise_id=facility.enterprise_id)]
    return form


def _render(code: str, form: SafetyCheckForm, status: int = 200, storage: StorageForm | None = None):
    session = get_session()
    page = queries.facility_page(session=session, actor=current_user, code=code, lots_shown=LOTS_SHOWN)
    facility = page.facility
    if storage is None:
        storage = _storage_form(facility, formdata=None, data={
            "categories": [c for c in facility.categories.split(",") if c],
            "keeper": page.keeper.username if page.keeper else ""})
    return render_template(
        "stock/facilities/show.html", facility=facility, enterprise=page.enterprise, district=page.district,
        keeper=page.keeper, lots=page.lots, more_lots=page.more_lots,
        names=names_for(session, current_user, page.lots), form=form, storage=storage,
        can_check=_may_record_checks(facility),
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


@bp.post("/<code>/storage")
@login_required
def declare_storage(code: str):
    """Issue 7 item 7: the enterprise manager declares what the facility stores and names its keeper."""
    session = get_session()
    facility = scope.visible_facility(session, current_user, code)
    form = _storage_form(facility)
    if form.validate_on_submit():
        try:
            facilities.set_storage(session=session, actor=current_user, facility=facility,
                                   categories=form.categories.data, keeper=form.keeper.data or None)
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("The storage declaration is saved."), "success")
            return redirect(url_for("facilities.show", code=facility.code))
    return _render(code, SafetyCheckForm(obj=facility, formdata=None), status=422, storage=form)
