"""Replenishments (补充, reserve-materials-measures §四(二)) on the web: the list, and the replenishment's page with
the bureau approver's confirmation (quantity and due date adjustable) and the receive instructions it sent.

The rules live in services/workflows/replenishments.py; a replenishment the reader may not see is a 404 (scope).
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from inventory import scope
from inventory.core.errors import DomainError
from inventory.core.vocab import InstructionKind, InstructionStatus, QualificationState, ReplenishmentStatus
from inventory.db import get_session
from inventory.models import Material, Organisation, Replenishment
from inventory.services import paging
from inventory.services.inspections import qualification
from inventory.services.workflows import instruction_views, instructions, replenishments
from inventory.services.workflows.dispatch_views import rows_by_id
from inventory.web.service_errors import mark_fields, show_refusal
from inventory.web.workflows.instruction_forms import ConfirmReplenishmentForm, ReplenishmentFilterForm

bp = Blueprint("replenishments", __name__, url_prefix="/replenishments")
PAGE_SIZE = 50


def _render(template: str, **context):
    return render_template(template, InstructionKind=InstructionKind, InstructionStatus=InstructionStatus,
                           ReplenishmentStatus=ReplenishmentStatus, **context)


@bp.get("/")
@login_required
def index():
    if not scope.can(current_user, "view", "replenishment"):
        abort(403)
    session = get_session()
    form = ReplenishmentFilterForm(request.args)
    rows: list[Replenishment] = []
    next_args = None
    if form.validate():
        query = replenishments.replenishments_query(session, current_user)
        if form.status.data:
            query = query.where(Replenishment.status == form.status.data)
        try:
            rows, cursor = paging.page(session, query, [Replenishment.id], limit=form.limit.data or PAGE_SIZE,
                                       cursor=form.cursor.data or None)
        except DomainError as error:
            mark_fields(form, error)
        else:
            next_args = {**request.args.to_dict(), "cursor": cursor} if cursor else None
    return _render("workflows/replenishments/list.html", form=form, replenishments=rows, next_args=next_args,
                   materials=rows_by_id(session, Material, (r.material_id for r in rows)),
                   enterprises=rows_by_id(session, Organisation, (r.enterprise_id for r in rows)),
                   barred=qualification.barred_among(session, (r.enterprise_id for r in rows
                                                               if r.status == ReplenishmentStatus.proposed)))


def _render_page(replenishment_id: int, *, failed: ConfirmReplenishmentForm | None = None, status: int = 200):
    view = instruction_views.replenishment_view(session=get_session(), actor=current_user,
                                                replenishment_id=replenishment_id)
    form = failed or ConfirmReplenishmentForm(prefix="confirm", formdata=None,
                                              data={"due_on": view.replenishment.due_on})
    keep = (_("Keep the proposed enterprise") if view.qualification not in QualificationState.barred()
            else _("Choose another enterprise: the proposed one may not receive"))
    form.enterprise.choices = [("", keep), *((org.code, f"{org.name} · {org.code}") for org in view.receivers
                                             if org.id != view.replenishment.enterprise_id)]
    return _render("workflows/replenishments/show.html", view=view, form=form), status


@bp.get("/<int:replenishment_id>")
@login_required
def show(replenishment_id: int):
    return _render_page(replenishment_id)


@bp.post("/<int:replenishment_id>/confirm")
@login_required
def confirm(replenishment_id: int):
    """The bureau approver confirms (or adjusts) the proposal; the enterprise is instructed to receive."""
    session = get_session()
    form = ConfirmReplenishmentForm(prefix="confirm")
    if form.validate_on_submit():
        try:
            replenishments.confirm(session=session, actor=current_user, replenishment_id=replenishment_id,
                                   quantity=(form.quantity.data or "").strip() or None, due_on=form.due_on.data,
                                   note=form.note.data or "", enterprise=form.enterprise.data or "")
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("The replenishment is confirmed and its enterprise instructed to receive."), "success")
            return redirect(url_for(".show", replenishment_id=replenishment_id))
    return _render_page(replenishment_id, failed=form, status=422)


@bp.post("/<int:replenishment_id>/reinstruct")
@login_required
def reinstruct(replenishment_id: int):
    """The bureau instructs the enterprise again after its receive instruction was refused or called off."""
    session = get_session()
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        row = instructions.reinstruct(session=session, actor=current_user, replenishment_id=replenishment_id)
    except DomainError as error:
        session.rollback()
        flash(error.message, "danger")
        if error.status == 404:
            abort(404)
        return redirect(url_for(".show", replenishment_id=replenishment_id))
    session.commit()
    flash(_("Receive instruction %(code)s sent.", code=row.code), "success")
    return redirect(url_for("instructions.show", instruction_id=row.id))
