"""Receive and release instructions (入库/出库指令) on the web: the list, the bureau's own instruction, and the
instruction's page with the steps its reader may take (acknowledge, refuse or call off with a reason), an
execution form for the enterprise and the bureau's consent to another lot.

The rules live in services/workflows/instructions.py; what a page shows in instruction_views.py. An instruction
the reader may not see is a 404 (scope); a refused step shows its reasons on the form and writes nothing.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms.fields import SelectChoice

from inventory import scope
from inventory.core.errors import DomainError
from inventory.core.quantities import quantity_text
from inventory.core.vocab import InspectionResult, InstructionKind, InstructionStatus, ReplenishmentStatus
from inventory.core.vocab import WorkflowAction as A
from inventory.db import get_session
from inventory.models import Instruction, Lot
from inventory.services import paging
from inventory.services.stock import queries
from inventory.services.stock.lots import Receipt
from inventory.services.stock.names import material_name
from inventory.services.workflows import dispatch_views, engine, instruction_views, instructions
from inventory.web.service_errors import mark_fields, show_refusal
from inventory.web.stock.lookups import enterprise_choices, facility_choices
from inventory.web.workflows.instruction_forms import (
    AcknowledgeForm, CancelInstructionForm, ConsentForm, InstructionFilterForm, IssueInstructionForm, ReceiveForm,
    RefuseForm, release_form,
)

bp = Blueprint("instructions", __name__, url_prefix="/instructions")
PAGE_SIZE = 50
#: the page's step forms, by the action they take (and the prefix of their fields)
STEP_FORMS: dict[str, type[FlaskForm]] = {A.acknowledge: AcknowledgeForm, A.refuse: RefuseForm,
                                          A.cancel: CancelInstructionForm}


def _render(template: str, **context):
    return render_template(template, InstructionKind=InstructionKind, InstructionStatus=InstructionStatus,
                           ReplenishmentStatus=ReplenishmentStatus, InspectionResult=InspectionResult, **context)


@bp.get("/")
@login_required
def index():
    if not scope.can(current_user, "view", "instruction"):
        abort(403)
    session = get_session()
    form = InstructionFilterForm(request.args)
    rows: list[Instruction] = []
    next_args = None
    if form.validate():
        query = instructions.instructions_query(session, current_user)
        if form.status.data:
            query = query.where(Instruction.status == form.status.data)
        if form.kind.data:
            query = query.where(Instruction.kind == form.kind.data)
        try:
            rows, cursor = paging.page(session, query, [Instruction.id], limit=form.limit.data or PAGE_SIZE,
                                       cursor=form.cursor.data or None)
        except DomainError as error:
            mark_fields(form, error)
        else:
            next_args = {**request.args.to_dict(), "cursor": cursor} if cursor else None
    return _render("workflows/instructions/list.html", form=form, next_args=next_args,
                   rows=dispatch_views.instruction_rows(session=session, rows=rows),
                   may_issue=scope.can(current_user, "issue", "instruction"))


def _issue_form() -> IssueInstructionForm:
    session = get_session()
    form = IssueInstructionForm()
    form.enterprise.choices = [SelectChoice("", "—"), *enterprise_choices(session, current_user)]
    form.material.choices = [SelectChoice("", "—"), *(
        SelectChoice(m.code, f"{material_name(m)} · {m.code} ({m.unit})")
        for m in dispatch_views.draftable_materials(session=session, actor=current_user))]
    return form


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    """A bureau's own instruction (a rotation, a replenishment's receipt), for a material of its remit."""
    if not scope.can(current_user, "issue", "instruction"):
        abort(403)
    form = _issue_form()
    if form.validate_on_submit():
        session = get_session()
        given = instructions.InstructionInput(
            kind=form.kind.data, enterprise=form.enterprise.data or "", material=form.material.data or "",
            quantity=(form.quantity.data or "").strip(), deadline=form.deadline.data, reason=form.reason.data or "")
        try:
            made = instructions.issue_instruction(session=session, actor=current_user, given=given)
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("Instruction %(code)s is issued.", code=made.code), "success")
            return redirect(url_for(".show", instruction_id=made.id))
    return _render("workflows/instructions/form.html", form=form), 422 if form.is_submitted() else 200


def _execution_form(view: instruction_views.InstructionView, formdata=None):
    """The enterprise's execution form: a quantity per instructed lot (release) or a receipt (receive)."""
    if view.instruction.kind == InstructionKind.release:
        kwargs = {} if formdata is not False else {"formdata": None}
        return release_form([line.lot.id for line in view.lots], prefix="execute", **kwargs)
    form = ReceiveForm(prefix="execute", **({} if formdata is not False else {"formdata": None}))
    form.facility.choices = facility_choices(get_session(), current_user)
    return form


def _consent_form(view: instruction_views.InstructionView, formdata=None) -> ConsentForm:
    """The lots of the instruction's enterprise and material it does not name yet, for the bureau to add."""
    form = ConsentForm(prefix="consent", **({} if formdata is not False else {"formdata": None}))
    named = {line.lot.id for line in view.lots}
    query = queries.lots(session=get_session(), actor=current_user,
                         filters=queries.LotFilter(material=view.material.code, enterprise=view.enterprise.code))
    form.lot.choices = [SelectChoice(lot.id, f"{lot.lot_code} · {quantity_text(lot.on_hand)} {view.material.unit}"
                                             f" · {lot.expiry_date.isoformat()}")
                        for lot in get_session().exec(query.order_by(Lot.expiry_date, Lot.id))
                        if lot.id not in named and lot.on_hand > 0]
    return form


def _render_page(instruction_id: int, *, action: str = "", failed: FlaskForm | None = None, status: int = 200):
    """The instruction's page; ``failed`` is the refused form of ``action``, shown with its errors."""
    session = get_session()
    view = instruction_views.instruction_view(session=session, actor=current_user, instruction_id=instruction_id)
    forms = {name: failed if name == action and failed is not None else form(prefix=name, formdata=None)
             for name, form in STEP_FORMS.items()}
    execution = consent = None
    if view.may_execute:
        execution = failed if action == "execute" and failed is not None else _execution_form(view, formdata=False)
    if view.may_consent:
        consent = failed if action == "consent" and failed is not None else _consent_form(view, formdata=False)
    return _render("workflows/instructions/show.html", view=view, forms=forms, execution=execution,
                   consent=consent, lot_codes={line.lot.id: line.lot.lot_code for line in view.lots}), status


@bp.get("/<int:instruction_id>")
@login_required
def show(instruction_id: int):
    return _render_page(instruction_id)


@bp.post("/<int:instruction_id>/<any(acknowledge, refuse, cancel):action>")
@login_required
def decide(instruction_id: int, action: str):
    """Acknowledge, refuse with a reason, call off with a reason: decided exactly once by the workflow engine."""
    session = get_session()
    form = STEP_FORMS[action](prefix=action)
    if form.validate_on_submit():
        try:
            engine.take(session, flow=instructions.INSTRUCTION, row_id=instruction_id, action=action,
                        actor=current_user, note=form.note.data if "note" in form else "")
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash({A.acknowledge: _("The instruction is acknowledged."),
                   A.refuse: _("The instruction is refused; the refusal is recorded against the enterprise."),
                   A.cancel: _("The instruction is called off.")}[A(action)], "success")
            return redirect(url_for(".show", instruction_id=instruction_id))
    return _render_page(instruction_id, action=action, failed=form, status=422)


@bp.post("/<int:instruction_id>/execute")
@login_required
def execute(instruction_id: int):
    """One go of the enterprise's execution: lots and quantities out, or a lot received."""
    session = get_session()
    view = instruction_views.instruction_view(session=session, actor=current_user, instruction_id=instruction_id)
    if not scope.can(current_user, "execute", "instruction"):
        abort(403)
    form = _execution_form(view)
    if form.validate_on_submit():
        given = []
        try:
            if view.instruction.kind == InstructionKind.release:
                given = [(lot_id, field) for lot_id, field in form.lot_fields() if (field.data or "").strip()]
                done = instructions.execute(
                    session=session, actor=current_user, instruction_id=instruction_id,
                    release=instructions.ReleaseInput(picks=tuple((lot_id, field.data.strip()) for lot_id, field in given),
                                                      note=form.note.data or ""))
            else:
                done = instructions.execute(
                    session=session, actor=current_user, instruction_id=instruction_id,
                    receipt=Receipt(material="", facility=form.facility.data, lot_code=form.lot_code.data,
                                    quantity=form.quantity.data, production_date=form.production_date.data,
                                    expiry_date=form.expiry_date.data,
                                    inspection_result=form.inspection_result.data, note=form.note.data or "",
                                    certificates=form.certificates()))
        except DomainError as error:
            show_refusal(form, type(error)(error.message, code=error.code,
                                           fields=_place_pick_errors(given, error.fields)))
        else:
            session.commit()
            flash(_("The execution is recorded: %(done)s of %(total)s.", done=quantity_text(done.instruction.executed),
                    total=quantity_text(done.instruction.quantity)), "success")
            return redirect(url_for(".show", instruction_id=instruction_id))
    return _render_page(instruction_id, action="execute", failed=form, status=422)


def _place_pick_errors(given: list, fields: dict[str, list[str]]) -> dict[str, list[str]]:
    """``lots[i].quantity`` / ``lots[i].lot`` name the i-th lot given: put them on that lot's quantity input and
    return the other fields' messages."""
    left = {}
    for name, messages in fields.items():
        if name.startswith("lots[") and "]" in name and int(name[5:name.index("]")]) < len(given):
            field = given[int(name[5:name.index("]")])][1]
            field.errors = [*field.errors, *messages]
        else:
            left[name] = messages
    return left


@bp.post("/<int:instruction_id>/consent")
@login_required
def consent(instruction_id: int):
    """The bureau consents to a release from a lot the instruction did not propose."""
    session = get_session()
    view = instruction_views.instruction_view(session=session, actor=current_user, instruction_id=instruction_id)
    if not scope.can(current_user, "consent", "instruction"):
        abort(403)
    form = _consent_form(view)
    if form.validate_on_submit():
        try:
            instructions.add_lot(session=session, actor=current_user, instruction_id=instruction_id,
                                 lot_id=form.lot.data)
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("The lot is added to the instruction."), "success")
            return redirect(url_for(".show", instruction_id=instruction_id))
    return _render_page(instruction_id, action="consent", failed=form, status=422)
