"""Stock coming in (the receipt form) and going out by material, earliest expiry first (FEFO)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from inventory import scope
from inventory.db import get_session
from inventory.services.stock import catalogue
from inventory.services.stock import lots
from inventory.core.errors import DomainError
from inventory.web.service_errors import show_refusal
from inventory.core.quantities import quantity_text
from inventory.web.stock.forms import FefoIssueForm, ReceiptForm
from inventory.services.stock.names import names_for
from inventory.web.stock.lookups import facility_choices, material_choices, materials_by_category

bp = Blueprint("stock_entry", __name__, url_prefix="/stock")


def _require(action: str) -> None:
    if not scope.can(current_user, action, "lot"):
        abort(403)


@bp.route("/receive", methods=["GET", "POST"])
@login_required
def receive():
    _require("receive")
    session = get_session()
    form = ReceiptForm()
    form.material.choices = materials_by_category(session, current_user)
    form.facility.choices = facility_choices(session, current_user)
    if form.validate_on_submit():
        receipt = lots.Receipt(
            material=form.material.data, facility=form.facility.data, lot_code=form.lot_code.data,
            quantity=form.quantity.data, production_date=form.production_date.data,
            expiry_date=form.expiry_date.data, received_on=form.received_on.data,
            quality_grade=form.quality_grade.data, inspection_result=form.inspection_result.data, note=form.note.data,
            certificates=form.certificates())
        try:
            lot = lots.receive_lot(session=session, actor=current_user, receipt=receipt)
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("Lot %(code)s is received.", code=lot.lot_code), "success")
            return redirect(url_for("stock.lot_page", lot_id=lot.id))
    status = 422 if form.is_submitted() else 200
    return render_template("stock/receive.html", form=form), status


@bp.route("/issue", methods=["GET", "POST"])
@login_required
def fefo_issue():
    """Propose the FEFO lots first; only the confirm button writes, re-picking at that moment."""
    _require("issue")
    session = get_session()
    form = FefoIssueForm()
    form.material.choices = material_choices(session, current_user)
    picks = []
    if form.validate_on_submit():
        material = catalogue.material_by_code(session, form.material.data)
        try:
            if form.confirm.data:
                movements = lots.issue_fefo(session=session, actor=current_user, material_id=material.id,
                                            amount=form.quantity.data, note=form.note.data)
                session.commit()
                flash(_("Issued %(quantity)s %(unit)s from %(count)s lots.", quantity=quantity_text(form.quantity.data),
                        unit=material.unit, count=len(movements)), "success")
                return redirect(url_for("stock.lot_list", material=material.code))
            picks = lots.plan_fefo_issue(session=session, actor=current_user, material_id=material.id,
                                         amount=form.quantity.data)
        except DomainError as error:
            show_refusal(form, error)
    status = 422 if form.is_submitted() and not picks else 200
    return render_template("stock/fefo_issue.html", form=form, picks=picks,
                           names=names_for(session, current_user, [p.lot for p in picks])), status
