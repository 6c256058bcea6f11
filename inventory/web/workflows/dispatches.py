"""Dispatch plans (动用) on the web: the list, the plan form, the plan's page with the steps its reader may take,
and the printable dispatch order.

The plan's rules and its approval chain live in services/workflows/dispatch.py; these views parse the forms, call
one service and render. A plan the reader may not see is a 404 (scope), a step the reader may not take is not
offered, and a refused step shows its reasons on the form and writes nothing.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms.fields import SelectChoice

from inventory import scope
from inventory.core.clock import business_today, utcnow
from inventory.core.errors import DomainError
from inventory.core.quantities import quantity_text
from inventory.core.vocab import (
    DispatchParty, DispatchStatus, DispatchTrigger, InspectionResult, InstructionKind, InstructionStatus,
    ReplenishmentStatus,
)
from inventory.core.vocab import WorkflowAction as A
from inventory.db import get_session
from inventory.models import Dispatch
from inventory.services import paging
from inventory.services.accounts import queries as accounts_queries
from inventory.services.stock.names import material_name
from inventory.services.stock.lots import Receipt
from inventory.services.workflows import dispatch, dispatch_views, emergency, recoveries
from inventory.web.service_errors import mark_fields, show_refusal
from inventory.web.stock.lookups import facility_choices
from inventory.web.workflows.dispatch_forms import (
    ApproveForm, CancelForm, CompleteForm, DispatchFilterForm, ExecuteForm, FileForm, PlanForm, RecoveryForm,
    RejectForm, SubmitPlanForm, labelled,
)

bp = Blueprint("dispatches", __name__, url_prefix="/dispatches")
PAGE_SIZE = 50
#: the page's step forms, by the action they take (and the prefix of their fields)
STEP_FORMS: dict[str, type[FlaskForm]] = {A.submit: SubmitPlanForm, A.approve: ApproveForm, A.reject: RejectForm,
                                          A.cancel: CancelForm, A.execute: ExecuteForm, A.complete: CompleteForm,
                                          A.file: FileForm}


def _render(template: str, **context):
    return render_template(template, DispatchStatus=DispatchStatus, DispatchTrigger=DispatchTrigger,
                           DispatchParty=DispatchParty, InstructionKind=InstructionKind,
                           InstructionStatus=InstructionStatus, ReplenishmentStatus=ReplenishmentStatus,
                           InspectionResult=InspectionResult, **context)


def _require(action: str) -> None:
    if not scope.can(current_user, action, "dispatch"):
        abort(403)


@bp.get("/")
@login_required
def index():
    _require("view")
    session = get_session()
    form = DispatchFilterForm(request.args)
    rows: list[Dispatch] = []
    next_args = None
    if form.validate():
        query = dispatch_views.dispatches(session=session, actor=current_user, status=form.status.data or None)
        try:
            rows, cursor = paging.page(session, query, [Dispatch.id], limit=form.limit.data or PAGE_SIZE,
                                       cursor=form.cursor.data or None)
        except DomainError as error:
            mark_fields(form, error)
        else:
            next_args = {**request.args.to_dict(), "cursor": cursor} if cursor else None
    return _render("workflows/dispatches/list.html", form=form, dispatches=rows, next_args=next_args,
                   rows=dispatch_views.list_rows(session=session, rows=rows),
                   may_draft=scope.can(current_user, "draft", "dispatch"))


def _plan_form(**kwargs) -> PlanForm:
    session = get_session()
    form = PlanForm(**kwargs)
    form.set_choices(triggers=DispatchTrigger.labels(),
                     districts=[SelectChoice(d.code, d.name_zh) for d in accounts_queries.districts(session=session)],
                     materials=dispatch_views.draftable_materials(session=session, actor=current_user),
                     name_of=material_name)
    if emergency.authorisation_of(session, current_user.org_id) is None:
        # only an organisation holding an authorisation in force may dispatch at once (§四(一))
        del form.emergency
    return form


def _refuse_plan(form: PlanForm, error: DomainError) -> None:
    """Each line's messages on its row, the rest as ``show_refusal`` shows them."""
    left = form.place_line_errors(error.fields)
    show_refusal(form, type(error)(error.message, code=error.code, fields=left))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    _require("draft")
    form = _plan_form()
    if form.validate_on_submit():
        session = get_session()
        try:
            made = dispatch.draft_dispatch(session=session, actor=current_user, plan=form.plan())
        except DomainError as error:
            _refuse_plan(form, error)
        else:
            session.commit()
            flash(_("Dispatch plan %(code)s is saved as a draft.", code=made.code), "success")
            return redirect(url_for(".show", dispatch_id=made.id))
    return _render("workflows/dispatches/form.html", form=form, view=None), 422 if form.is_submitted() else 200


@bp.route("/<int:dispatch_id>/edit", methods=["GET", "POST"])
@login_required
def edit(dispatch_id: int):
    session = get_session()
    view = dispatch_views.dispatch_view(session=session, actor=current_user, dispatch_id=dispatch_id)
    if not view.editable:
        abort(403)
    form = _plan_form(data=PlanForm.stored(view))
    if form.validate_on_submit():
        try:
            dispatch.edit_dispatch(session=session, actor=current_user, dispatch_id=dispatch_id, plan=form.plan())
        except DomainError as error:
            _refuse_plan(form, error)
        else:
            session.commit()
            flash(_("The draft is saved."), "success")
            return redirect(url_for(".show", dispatch_id=dispatch_id))
    return _render("workflows/dispatches/form.html", form=form, view=view), 422 if form.is_submitted() else 200


def _may_recover(view: dispatch_views.DispatchView) -> bool:
    """An enterprise that released stock for the dispatch records what comes back, while it is executing."""
    return (view.dispatch.status == DispatchStatus.executing and scope.can(current_user, "recover", "dispatch")
            and any(row.instruction.enterprise_id == current_user.org_id and row.instruction.executed > 0
                    and row.instruction.kind == InstructionKind.release for row in view.instructions))


def _recovery_form(view: dispatch_views.DispatchView, **kwargs) -> RecoveryForm:
    form = RecoveryForm(prefix="recover", **kwargs)
    materials = {row.material.code: row.material for row in view.instructions
                 if row.instruction.enterprise_id == current_user.org_id and row.instruction.executed > 0
                 and row.instruction.kind == InstructionKind.release}
    form.material.choices = [SelectChoice(code, f"{material_name(m)} · {code} ({m.unit})")
                             for code, m in materials.items()]
    form.facility.choices = facility_choices(get_session(), current_user)
    return form


def _render_page(dispatch_id: int, *, action: str = "", failed: FlaskForm | None = None, status: int = 200):
    """The plan's page; ``failed`` is the form of the step ``action`` that was refused, shown with its errors."""
    session = get_session()
    view = dispatch_views.dispatch_view(session=session, actor=current_user, dispatch_id=dispatch_id)
    forms = {name: failed if name == action and failed is not None else form(prefix=name, formdata=None)
             for name, form in STEP_FORMS.items()}
    recovery = None
    if _may_recover(view):
        recovery = failed if action == "recover" and failed is not None else _recovery_form(view, formdata=None)
    if view.dispatch.status == DispatchStatus.cosigned:
        forms["approve"].submit.label.text = _("Approve the dispatch")
    preview, shortage = [], ""
    if A.approve in view.actions and view.dispatch.status == DispatchStatus.cosigned:
        preview, shortage = dispatch_views.allocation_preview(session=session, actor=current_user,
                                                              dispatch=view.dispatch)
    return _render("workflows/dispatches/show.html", view=view, forms=forms, preview=preview,
                   shortage=shortage, missing=labelled(view.missing), recovery=recovery,
                   filing_overdue=_filing_overdue(view.dispatch)), status


def _filing_overdue(row: Dispatch) -> bool:
    return (row.emergency and row.status == DispatchStatus.completed and row.filing_due_on is not None
            and business_today() > row.filing_due_on)


@bp.get("/<int:dispatch_id>")
@login_required
def show(dispatch_id: int):
    return _render_page(dispatch_id)



@bp.post("/<int:dispatch_id>/<any(submit, approve, reject, cancel, execute, complete, file):action>")
@login_required
def decide(dispatch_id: int, action: str):
    """Submit, co-sign or approve, reject with a reason, cancel, execute an emergency plan at once, complete
    (with the day an emergency's work ended), file: one service call, decided exactly once."""
    session = get_session()
    form = STEP_FORMS[action](prefix=action)
    if form.validate_on_submit():
        try:
            decided = dispatch.decide_dispatch(
                session=session, actor=current_user, dispatch_id=dispatch_id, action=action,
                note=form.note.data if "note" in form else "",
                work_ended_on=form.work_ended_on.data if "work_ended_on" in form else None,
                reference=form.reference.data if "reference" in form else "")
        except DomainError as error:
            show_refusal(form, type(error)(error.message, code=error.code, fields=labelled(error.fields)))
        else:
            session.commit()
            flash(_done(A(action), decided), "success")
            return redirect(url_for(".show", dispatch_id=dispatch_id))
    return _render_page(dispatch_id, action=action, failed=form, status=422)


def _done(action: A, decided: Dispatch) -> str:
    if action == A.approve and decided.status in (DispatchStatus.approved, DispatchStatus.executing):
        return _("The dispatch is approved, its stock allocated and its instructions sent.")
    return {A.submit: _("The plan is submitted for co-signature."), A.approve: _("Your signature is recorded."),
            A.reject: _("The plan is returned to draft."), A.cancel: _("The plan is cancelled."),
            A.execute: _("The emergency dispatch is executing: its instructions are sent."),
            A.complete: _("The dispatch is completed; its replenishments are proposed."),
            A.file: _("The emergency dispatch is filed with the government.")}[action]


@bp.post("/<int:dispatch_id>/recover")
@login_required
def recover(dispatch_id: int):
    """Stock delivered but unused comes back into one of the enterprise's facilities (回收)."""
    session = get_session()
    view = dispatch_views.dispatch_view(session=session, actor=current_user, dispatch_id=dispatch_id)
    if not scope.can(current_user, "recover", "dispatch"):
        abort(403)
    form = _recovery_form(view)
    if form.validate_on_submit():
        receipt = Receipt(material=form.material.data, facility=form.facility.data, lot_code=form.lot_code.data,
                          quantity=form.quantity.data, production_date=form.production_date.data,
                          expiry_date=form.expiry_date.data, inspection_result=form.inspection_result.data,
                          note=form.note.data or "", certificates=form.certificates())
        try:
            row = recoveries.recover(session=session, actor=current_user, dispatch_id=dispatch_id, receipt=receipt)
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("%(quantity)s recovered into a new lot.", quantity=quantity_text(row.quantity)), "success")
            return redirect(url_for(".show", dispatch_id=dispatch_id))
    return _render_page(dispatch_id, action="recover", failed=form, status=422)


@bp.get("/<int:dispatch_id>/print")
@login_required
def print_order(dispatch_id: int):
    """The dispatch order as filed (A4, in Chinese whatever the reader's language), with every step signed."""
    view = dispatch_views.dispatch_view(session=get_session(), actor=current_user, dispatch_id=dispatch_id)
    with force_locale("zh"):
        return _render("workflows/dispatches/print.html", view=view, printed_at=utcnow())
