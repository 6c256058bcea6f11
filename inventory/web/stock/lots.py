"""The lot list and the lot page with its ledger and its issue, adjustment, hold and transfer forms."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import and_, or_
from sqlmodel import select

from inventory import scope
from inventory.db import get_session
from inventory.models import Adjustment, Facility, Lot, Material, Movement, Organisation, Transfer
from inventory.services.stock import lots
from inventory.services.stock import queries
from inventory.services.stock import transfers
from inventory.core.errors import DomainError
from inventory.web.service_errors import mark_fields, show_refusal
from inventory.web.stock.forms import ALL, AdjustmentForm, HoldForm, IssueForm, LotFilterForm, TransferForm
from inventory.core.vocab import LotStatus
from inventory.web.stock.display import quantity_text
from inventory.services.stock.names import names_for, user_names
from inventory.web.stock.lookups import (
    category_choices, enterprise_choices, facility_choices, material_choices, status_choices,
)

bp = Blueprint("stock", __name__, url_prefix="/stock")
PAGE_SIZE = 50
LEDGER_PAGE = 200
T = TypeVar("T")


def _require(action: str, resource: str) -> None:
    if not scope.can(current_user, action, resource):
        abort(403)


def _filter_form() -> LotFilterForm:
    session = get_session()
    form = LotFilterForm(request.args)
    form.material.choices = [ALL, *material_choices(session, current_user)]
    form.enterprise.choices = [ALL, *enterprise_choices(session, current_user)]
    form.facility.choices = [ALL, *facility_choices(session, current_user)]
    form.category.choices = [ALL, *category_choices()]
    form.status.choices = [ALL, *status_choices()]
    return form


@bp.get("/lots")
@login_required
def lot_list():
    _require("view", "lot")
    session = get_session()
    form = _filter_form()
    rows: list[Lot] = []
    next_args = None
    if form.validate():
        filters = queries.LotFilter(
            material=form.material.data or None, enterprise=form.enterprise.data or None,
            facility=form.facility.data or None, category=form.category.data or None,
            status=form.status.data or None, expiring_within_days=form.expiring_within_days.data)
        try:
            query = queries.lots(session=session, actor=current_user, filters=filters)
        except DomainError as error:
            mark_fields(form, error)
        else:
            if form.after_date.data and form.after_id.data:
                query = query.where(or_(Lot.expiry_date > form.after_date.data,
                                        and_(Lot.expiry_date == form.after_date.data, Lot.id > form.after_id.data)))
            limit = form.limit.data or PAGE_SIZE
            rows = list(session.exec(query.order_by(Lot.expiry_date, Lot.id).limit(limit + 1)))
            if len(rows) > limit:
                rows = rows[:limit]
                next_args = {**request.args.to_dict(), "after_date": rows[-1].expiry_date.isoformat(),
                             "after_id": rows[-1].id}
    return render_template("stock/lots.html", form=form, lots=rows, names=names_for(session, current_user, rows),
                           next_args=next_args, first_args=_without_cursor() if form.after_id.data else None)


def _without_cursor() -> dict[str, str]:
    return {k: v for k, v in request.args.items() if k not in ("after_date", "after_id")}


class LotForms:
    """The action forms of a lot page; each has a prefix so their fields keep distinct ids."""

    def __init__(self, **submitted: FlaskForm):
        self.issue = submitted.get("issue") or IssueForm(prefix="issue", formdata=None)
        self.adjust = submitted.get("adjust") or AdjustmentForm(prefix="adjust", formdata=None)
        self.hold = submitted.get("hold") or HoldForm(prefix="hold", formdata=None)
        self.transfer = submitted.get("transfer") or TransferForm(prefix="transfer", formdata=None)


def _render_lot(lot_id: int, forms: LotForms, status: int = 200):
    session = get_session()
    lot = scope.visible_lot(session, current_user, lot_id)
    after_seq = request.args.get("after_seq", type=int) or 0
    movements = list(session.exec(select(Movement).where(Movement.lot_id == lot.id, Movement.seq > after_seq)
                                  .order_by(Movement.seq).limit(LEDGER_PAGE + 1)))
    later = movements[LEDGER_PAGE - 1].seq if len(movements) > LEDGER_PAGE else None
    movements = movements[:LEDGER_PAGE]
    targets = list(session.exec(scope.facilities_query(session, current_user)
                                .where(Facility.id != lot.facility_id).order_by(Facility.code)))
    pending_transfers = list(session.exec(scope.enterprise_rows_query(session, current_user, Transfer)
                                          .where(Transfer.lot_id == lot.id, Transfer.status == "pending")))
    pending_adjustments = list(session.exec(scope.enterprise_rows_query(session, current_user, Adjustment)
                                            .where(Adjustment.lot_id == lot.id, Adjustment.status == "pending")))
    return render_template(
        "stock/lot.html", lot=lot, material=session.get(Material, lot.material_id),
        facility=session.get(Facility, lot.facility_id), enterprise=session.get(Organisation, lot.enterprise_id),
        movements=movements, actors=user_names(session, (m.actor_id for m in movements)), later=later,
        forms=forms, transfer_targets=targets, pending_transfers=pending_transfers,
        pending_adjustments=pending_adjustments,
        facility_codes={f.id: f.code for f in targets},
        can={action: scope.can(current_user, action, resource) for action, resource in
             (("issue", "lot"), ("adjust", "lot"), ("hold", "lot"), ("request", "transfer"))},
    ), status


@bp.get("/lots/<int:lot_id>")
@login_required
def lot_page(lot_id: int):
    _require("view", "lot")
    return _render_lot(lot_id, LotForms())


def _run(form: FlaskForm, action: Callable[[FlaskForm], T]) -> T | None:
    """The action's result, committed; None when the form or the service refused (nothing written)."""
    if not form.validate_on_submit():
        return None
    try:
        result = action(form)
    except DomainError as error:
        show_refusal(form, error)
        return None
    get_session().commit()
    return result


def _back(lot_id: int):
    return redirect(url_for("stock.lot_page", lot_id=lot_id))


@bp.post("/lots/<int:lot_id>/issue")
@login_required
def issue(lot_id: int):
    form = IssueForm(prefix="issue")
    movement = _run(form, lambda f: lots.issue(session=get_session(), actor=current_user, lot_id=lot_id,
                                                amount=f.quantity.data, note=f.note.data))
    if movement is None:
        return _render_lot(lot_id, LotForms(issue=form), status=422)
    flash(_("Issued %(quantity)s.", quantity=quantity_text(-movement.quantity)), "success")
    return _back(lot_id)


@bp.post("/lots/<int:lot_id>/adjust")
@login_required
def adjust(lot_id: int):
    form = AdjustmentForm(prefix="adjust")
    result = _run(form, lambda f: lots.adjust(session=get_session(), actor=current_user, lot_id=lot_id,
                                              amount=f.quantity.data, note=f.note.data))
    if result is None:
        return _render_lot(lot_id, LotForms(adjust=form), status=422)
    if isinstance(result, Movement):
        flash(_("The adjustment is posted."), "success")
    else:
        flash(_("The write-down of %(quantity)s exceeds the tolerance and awaits bureau approval.",
                quantity=quantity_text(-result.quantity)), "warning")
    return _back(lot_id)


@bp.post("/lots/<int:lot_id>/hold")
@login_required
def hold(lot_id: int):
    form = HoldForm(prefix="hold")
    lot = _run(form, lambda f: lots.set_hold(session=get_session(), actor=current_user, lot_id=lot_id,
                                             status=f.status.data, reason=f.reason.data))
    if lot is None:
        return _render_lot(lot_id, LotForms(hold=form), status=422)
    flash(_("The lot's status is now: %(status)s.", status=LotStatus.label_of(lot.status)), "success")
    return _back(lot_id)


@bp.post("/lots/<int:lot_id>/transfer")
@login_required
def transfer(lot_id: int):
    form = TransferForm(prefix="transfer")
    result = _run(form, lambda f: transfers.request_transfer(
        session=get_session(), actor=current_user, lot_id=lot_id, to_facility=f.to_facility.data.strip(),
        amount=f.quantity.data, reason=f.reason.data))
    if result is None:
        return _render_lot(lot_id, LotForms(transfer=form), status=422)
    if result.status == "executed":
        moved = get_session().get(Lot, result.to_lot_id)
        flash(_("Transferred; the stock is now lot %(lot)s.", lot=moved.lot_code), "success")
    else:
        flash(_("The transfer awaits bureau approval."), "warning")
    return _back(lot_id)
