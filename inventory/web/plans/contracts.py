"""Storage contracts (承储合同, reserve-materials-measures §二(五)2) on the web: the list with filters, the bureau's
draft form with its lines, and the contract's page with terms, lines, signatures, timeline and only the reader's
allowed steps. The rules live in services/plans/contracts.py; a contract the reader may not see is a 404 (scope)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from inventory import scope
from inventory.core.errors import DomainError
from inventory.core.vocab import ContractStatus
from inventory.db import get_session
from inventory.models import Organisation, StorageContract
from inventory.services.plans import contract_views, contracts, plan_views
from inventory.services.workflows.dispatch_views import rows_by_id
from inventory.web.plans.contract_forms import ContractFilterForm, ContractForm, ContractStepForm
from inventory.web.plans.pages import listed
from inventory.web.service_errors import show_refusal

bp = Blueprint("contracts", __name__, url_prefix="/contracts")
DONE = {"submit": _l("The contract is sent for signature."), "sign": _l("Your signature is recorded."),
        "activate": _l("The contract is active."), "terminate": _l("The contract is terminated."),
        "cancel": _l("The contract is cancelled.")}


def _render(template: str, **context):
    return render_template(template, ContractStatus=ContractStatus, **context)


@bp.get("/")
@login_required
def index():
    if not scope.can(current_user, "view", "contract"):
        abort(403)
    session = get_session()
    form = ContractFilterForm(request.args)

    def query():
        query = contracts.contracts_query(session, current_user)
        if form.status.data:
            query = query.where(StorageContract.status == form.status.data)
        if form.enterprise.data:
            query = query.join(Organisation, Organisation.id == StorageContract.enterprise_id).where(
                Organisation.code == form.enterprise.data.strip())
        return query

    rows, next_args = listed(form, query, StorageContract)
    orgs = rows_by_id(session, Organisation, [i for r in rows for i in (r.bureau_id, r.enterprise_id)])
    return _render("plans/contracts/list.html", form=form, contracts=rows, orgs=orgs, next_args=next_args,
                   may_draft=scope.can(current_user, "draft", "contract"))


def _form(form: ContractForm, kept: Organisation | None = None) -> ContractForm:
    """The enterprises the reader may contract with (none suspended or revoked), and an edited draft's own, so that
    saving it never changes its enterprise unseen (the service checks its qualification again: 409)."""
    enterprises = plan_views.enterprises(get_session(), current_user, receiving=True)
    if kept is not None and kept.id not in {o.id for o in enterprises}:
        enterprises.append(kept)
    form.enterprise.choices = [(o.code, f"{o.code} · {o.name}") for o in enterprises]
    return form


def _save(form: ContractForm, contract_id: int | None):
    session = get_session()
    given, rows = form.given()
    try:
        if contract_id is None:
            row = contracts.draft(session=session, actor=current_user, given=given)
        else:
            row = contracts.edit(session=session, actor=current_user, contract_id=contract_id, given=given)
    except DomainError as error:
        form.place_line_errors(error, rows)
        show_refusal(form, error)
        return None
    session.commit()
    flash(_("The contract %(number)s is saved.", number=row.number), "success")
    return redirect(url_for(".show", contract_id=row.id))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if not scope.can(current_user, "draft", "contract"):
        abort(403)
    form = _form(ContractForm())
    if request.method == "GET":
        form.number.data = contracts.new_number()
    if form.validate_on_submit():
        done = _save(form, None)
        if done is not None:
            return done
    return _render("plans/contracts/form.html", form=form, contract=None), 422 if request.method == "POST" else 200


@bp.route("/<int:contract_id>/edit", methods=["GET", "POST"])
@login_required
def edit(contract_id: int):
    view = contract_views.contract_view(session=get_session(), actor=current_user, contract_id=contract_id)
    if not view.may_edit:
        abort(403)
    form = _form(ContractForm(obj=view.contract) if request.method == "GET" else ContractForm(), view.enterprise)
    if request.method == "GET":
        form.enterprise.data = view.enterprise.code
        form.rotation_floor_share.data = "" if view.contract.rotation_floor_share is None \
            else f"{view.contract.rotation_floor_share:f}"
        form.storage_fee.data = f"{view.contract.storage_fee:f}"
        for index, (line, material, facility) in enumerate(view.lines[:len(form.lines)]):
            row = form.lines[index].form
            row.material.data, row.facility.data = material.code, facility.code
            row.quantity.data, row.quality_standard.data = f"{line.quantity:f}", line.quality_standard
    if form.validate_on_submit():
        done = _save(form, contract_id)
        if done is not None:
            return done
    return _render("plans/contracts/form.html", form=form, contract=view.contract), \
        422 if request.method == "POST" else 200


def _render_page(contract_id: int, step: ContractStepForm | None = None, status: int = 200):
    view = contract_views.contract_view(session=get_session(), actor=current_user, contract_id=contract_id)
    return _render("plans/contracts/show.html", view=view, step=step or ContractStepForm(formdata=None)), status


@bp.get("/<int:contract_id>")
@login_required
def show(contract_id: int):
    return _render_page(contract_id)


@bp.post("/<int:contract_id>/steps")
@login_required
def step(contract_id: int):
    session = get_session()
    form = ContractStepForm()
    if form.validate_on_submit():
        try:
            _row, refused = contracts.decide(session=session, actor=current_user, contract_id=contract_id,
                                             action=form.action.data, note=form.note.data or "")
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(str(DONE.get(form.action.data, _("Done."))), "success")
            if refused is not None:
                flash(refused.message, "warning")
            return redirect(url_for(".show", contract_id=contract_id))
    return _render_page(contract_id, form, 422)
