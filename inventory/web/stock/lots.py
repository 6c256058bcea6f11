"""The lot list and the lot page with its ledger and its issue, adjustment, hold and transfer forms."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from inventory import scope
from inventory.db import get_session
from inventory.models import Lot, Movement
from inventory.services.coldchain import holds as coldchain_holds
from inventory.services.stock import lots
from inventory.services.stock import queries
from inventory.services import paging
from inventory.services.stock import transfers
from inventory.core.errors import DomainError
from inventory.web.service_errors import mark_fields, show_refusal
from inventory.services.stock.flows import ADJUSTMENT, TRANSFER
from inventory.services.workflows import engine, inbox
from inventory.services.workflows.registry import FLOWS
from inventory.web.stock.forms import (
    ALL, AdjustmentForm, HoldForm, IssueForm, LotFilterForm, RelocateForm, TransferForm, WithdrawForm,
)
from inventory.core.vocab import LotStatus, WorkflowAction
from inventory.core.quantities import quantity_text
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
            try:
                rows, cursor = paging.page(session, query, [Lot.expiry_date, Lot.id], limit=form.limit.data or PAGE_SIZE,
                                           cursor=form.cursor.data or None)
            except DomainError as error:
                mark_fields(form, error)
            else:
                next_args = {**request.args.to_dict(), "cursor": cursor} if cursor else None
    return render_template("stock/lots.html", form=form, lots=rows, names=names_for(session, current_user, rows),
                           next_args=next_args, first_args=_without_cursor() if form.cursor.data else None)


def _without_cursor() -> dict[str, str]:
    return {k: v for k, v in request.args.items() if k != "cursor"}


class LotForms:
    """The action forms of a lot page; each has a prefix so their fields keep distinct ids."""

    def __init__(self, **submitted: FlaskForm):
        self.issue = submitted.get("issue") or IssueForm(prefix="issue", formdata=None)
        self.adjust = submitted.get("adjust") or AdjustmentForm(prefix="adjust", formdata=None)
        self.hold = submitted.get("hold") or HoldForm(prefix="hold", formdata=None)
        self.transfer = submitted.get("transfer") or TransferForm(prefix="transfer", formdata=None)
        self.relocate = submitted.get("relocate") or RelocateForm(prefix="relocate", formdata=None)


def _render_lot(lot_id: int, forms: LotForms, status: int = 200):
    session = get_session()
    page = queries.lot_page(session=session, actor=current_user, lot_id=lot_id,
                            after_seq=min(request.args.get("after_seq", type=int) or 0, 2**31 - 1),
                            ledger_page=LEDGER_PAGE)
    lot, movements, pending_transfers, pending_adjustments = (page.lot, page.movements, page.pending_transfers,
                                                              page.pending_adjustments)
    references = queries.movement_references(session=session, movements=movements)
    excursion_hold = coldchain_holds.lot_hold(session, lot.id)
    timelines = {**{("transfer", t.id): engine.timeline(session, flow=TRANSFER, row_id=t.id) for t in pending_transfers},
                 **{("adjustment", a.id): engine.timeline(session, flow=ADJUSTMENT, row_id=a.id)
                    for a in pending_adjustments}}
    return render_template(
        "stock/lot.html", lot=lot, flows=FLOWS, material=page.material, facility=page.facility,
        enterprise=page.enterprise, movements=movements, later=page.later, references=references,
        actors=user_names(session, [m.actor_id for m in movements]
                          + [i for r in references.values() for i in (r.requested_by, r.decided_by)]),
        forms=forms, transfer_targets=page.transfer_targets, pending_transfers=pending_transfers,
        pending_adjustments=pending_adjustments,
        timelines=timelines, withdraw_form=WithdrawForm(formdata=None), step_people=user_names(session, (s.actor_id for steps in timelines.values() for s in steps)),
        held_by=page.held_by, excursion_hold=excursion_hold,
        hold_people=user_names(session, [excursion_hold.released_by] if excursion_hold else []),
        facility_codes={f.id: f.code for f in page.transfer_targets},
        can={action: scope.can(current_user, action, resource) for action, resource in
             (("issue", "lot"), ("adjust", "lot"), ("hold", "lot"), ("request", "transfer"), ("relocate", "lot"))},
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


@bp.post("/lots/<int:lot_id>/requests/<any(transfer, adjustment):flow>/<int:row_id>/withdraw")
@login_required
def withdraw(lot_id: int, flow: str, row_id: int):
    form = WithdrawForm()
    if _run(form, lambda f: inbox.decide(session=get_session(), actor=current_user, flow=flow, row_id=row_id,
                                         action=WorkflowAction.withdraw)) is None:
        return _render_lot(lot_id, LotForms(), status=422)
    flash(_("The request is withdrawn."), "success")
    return _back(lot_id)


@bp.post("/lots/<int:lot_id>/relocate")
@login_required
def relocate(lot_id: int):
    form = RelocateForm(prefix="relocate")
    lot = _run(form, lambda f: lots.relocate(session=get_session(), actor=current_user, lot_id=lot_id,
                                             position=f.position.data, reason=f.reason.data))
    if lot is None:
        return _render_lot(lot_id, LotForms(relocate=form), status=422)
    flash(_("The lot is now at %(position)s.", position=lot.position), "success")
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
