"""Rotations (轮换, reserve-materials-measures §三) on the web: the list with filters, the enterprise's proposal, and
the rotation's page with what went out and came in (with prices), the timeline and only the reader's allowed steps.

The rules live in services/workflows/rotations.py; a rotation the reader may not see is a 404 (scope).
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from inventory import scope
from inventory.core.errors import DomainError
from inventory.core.vocab import RotationMode, RotationStatus
from inventory.db import get_session
from inventory.models import Rotation
from inventory.services import paging
from inventory.services.workflows import rotation_lists, rotation_views, rotations
from inventory.web.service_errors import mark_fields, show_refusal
from inventory.web.workflows.rotation_forms import (
    RotationFilterForm, RotationInForm, RotationOutForm, RotationProposalForm, StepForm,
)

bp = Blueprint("rotations", __name__, url_prefix="/rotations")
PAGE_SIZE = 50
DONE = {"submit": _l("The rotation is submitted to the bureau."), "approve": _l("The rotation is approved: its "
                                                                                  "window has started."),
        "reject": _l("The rotation is rejected."), "complete": _l("The rotation is completed."),
        "cancel": _l("The rotation is cancelled.")}


def _render(template: str, **context):
    return render_template(template, RotationStatus=RotationStatus, RotationMode=RotationMode, **context)


@bp.get("/")
@login_required
def index():
    if not scope.can(current_user, "view", "rotation"):
        abort(403)
    session = get_session()
    form = RotationFilterForm(request.args)
    rows: list[Rotation] = []
    next_args = None
    if form.validate():
        try:
            query = rotation_lists.rotations_listed(session, current_user, form.filters())
            rows, cursor = paging.page(session, query, [Rotation.id], limit=form.limit.data or PAGE_SIZE,
                                       cursor=form.cursor.data or None)
        except DomainError as error:
            mark_fields(form, error)
        else:
            next_args = {**request.args.to_dict(), "cursor": cursor} if cursor else None
    materials, enterprises = rotation_views.names(session, rows)
    return _render("workflows/rotations/list.html", form=form, rotations=rows, next_args=next_args,
                   materials=materials, enterprises=enterprises,
                   prices=rotation_lists.prices(session, (r.id for r in rows)),
                   may_request=scope.can(current_user, "request", "rotation"))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if not scope.can(current_user, "request", "rotation"):
        abort(403)
    form = RotationProposalForm()
    form.lots.choices = [(lot.id, f"{material.code} · {lot.lot_code} · {lot.on_hand} · {lot.expiry_date}")
                         for lot, material in rotation_views.rotatable_lots(get_session(), current_user)]
    if form.validate_on_submit():
        session = get_session()
        try:
            made = rotations.propose(session=session, actor=current_user, given=rotations.RotationInput(
                lots=tuple(form.lots.data), quantity=form.quantity.data.strip(), mode=form.mode.data,
                sale_price=form.sale_price.data.strip(), window_days=form.window_days.data,
                note=form.note.data or ""))
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("The rotation %(code)s is saved: submit it to the bureau.", code=made.code), "success")
            return redirect(url_for(".show", rotation_id=made.id))
    return _render("workflows/rotations/form.html", form=form), 422 if request.method == "POST" else 200


def _execution_forms(view, out: RotationOutForm | None, came: RotationInForm | None):
    out = out or RotationOutForm(formdata=None, prefix="out")
    came = came or RotationInForm(formdata=None, prefix="in")
    out.lot.choices = [(lot.id, f"{lot.lot_code} · {lot.on_hand}") for lot in view.lots]
    came.facility.choices = [(f.code, f"{f.code} · {f.name}") for f in view.facilities]
    return out, came


def _render_page(rotation_id: int, *, step: StepForm | None = None, out: RotationOutForm | None = None,
                 came: RotationInForm | None = None, status: int = 200):
    view = rotation_views.rotation_view(session=get_session(), actor=current_user, rotation_id=rotation_id)
    out, came = _execution_forms(view, out, came)
    return _render("workflows/rotations/show.html", view=view, step=step or StepForm(formdata=None), out=out,
                   came=came), status


@bp.get("/<int:rotation_id>")
@login_required
def show(rotation_id: int):
    return _render_page(rotation_id)


@bp.post("/<int:rotation_id>/steps")
@login_required
def step(rotation_id: int):
    session = get_session()
    form = StepForm()
    if form.validate_on_submit():
        try:
            rotations.decide(session=session, actor=current_user, rotation_id=rotation_id, action=form.action.data,
                             note=form.note.data or "")
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(str(DONE.get(form.action.data, _("Done."))), "success")
            return redirect(url_for(".show", rotation_id=rotation_id))
    return _render_page(rotation_id, step=form, status=422)


@bp.post("/<int:rotation_id>/out")
@login_required
def take_out(rotation_id: int):
    session = get_session()
    view = rotation_views.rotation_view(session=session, actor=current_user, rotation_id=rotation_id)
    form, _in = _execution_forms(view, RotationOutForm(prefix="out"), None)
    if form.validate_on_submit():
        try:
            rotations.rotate_out(session=session, actor=current_user, rotation_id=rotation_id, lot_id=form.lot.data,
                                 quantity=form.quantity.data.strip(), unit_price=(form.unit_price.data or "").strip(),
                                 note=form.note.data or "")
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("What went out is recorded."), "success")
            return redirect(url_for(".show", rotation_id=rotation_id))
    return _render_page(rotation_id, out=form, status=422)


@bp.post("/<int:rotation_id>/in")
@login_required
def bring_in(rotation_id: int):
    session = get_session()
    view = rotation_views.rotation_view(session=session, actor=current_user, rotation_id=rotation_id)
    _out, form = _execution_forms(view, None, RotationInForm(prefix="in"))
    if form.validate_on_submit():
        try:
            rotations.rotate_in(session=session, actor=current_user, rotation_id=rotation_id,
                                given=rotations.RotationIn(
                                    material=view.material.code, facility=form.facility.data,
                                    lot_code=form.lot_code.data, quantity=form.quantity.data.strip(),
                                    unit_price=form.unit_price.data.strip(),
                                    production_date=form.production_date.data, expiry_date=form.expiry_date.data,
                                    inspection_result=form.inspection_result.data, note=form.note.data or "",
                                    certificates=form.certificates()))
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("What came in is recorded."), "success")
            return redirect(url_for(".show", rotation_id=rotation_id))
    return _render_page(rotation_id, came=form, status=422)
