"""Enterprises' storage qualification on the web (§二(五)1, §六(二)): the enterprises the reader may look at with
their state, one enterprise's selections, decision trail, contracts and evaluations, and the bureau's selection
record form. Scoped by scope.plans (404 for an enterprise the reader may not see)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from inventory import scope
from inventory.core.errors import DomainError
from inventory.core.vocab import (
    ContractStatus, EvaluationStatus, QualificationState, SanctionKind, SanctionStatus, SelectionMethod,
)
from inventory.db import get_session
from inventory.models import Organisation
from inventory.services.plans import plan_views, qualification_views, selections
from inventory.web.plans.contract_forms import SelectionForm
from inventory.web.service_errors import show_refusal

bp = Blueprint("qualifications", __name__, url_prefix="/qualifications")


def _render(template: str, **context):
    return render_template(template, QualificationState=QualificationState, SelectionMethod=SelectionMethod,
                           SanctionKind=SanctionKind, SanctionStatus=SanctionStatus, ContractStatus=ContractStatus,
                           EvaluationStatus=EvaluationStatus, **context)


@bp.get("/")
@login_required
def index():
    if not scope.can(current_user, "view", "selection"):
        abort(403)
    return _render("plans/qualifications/list.html",
                   enterprises=qualification_views.enterprises(get_session(), current_user),
                   may_record=scope.can(current_user, "record", "selection"))


@bp.get("/<code>")
@login_required
def show(code: str):
    if not scope.can(current_user, "view", "selection"):
        abort(403)
    view = qualification_views.qualification_view(session=get_session(), actor=current_user, code=code)
    return _render("plans/qualifications/show.html", view=view,
                   may_record=scope.can(current_user, "record", "selection"))


@bp.route("/selections/new", methods=["GET", "POST"])
@login_required
def new_selection():
    if not scope.can(current_user, "record", "selection"):
        abort(403)
    session = get_session()
    form = SelectionForm()
    form.enterprise.choices = [(o.code, f"{o.code} · {o.name}")
                               for o in plan_views.enterprises(session, current_user, active=True)]
    if request.method == "GET" and request.args.get("enterprise"):
        form.enterprise.data = request.args["enterprise"]
    if form.validate_on_submit():
        try:
            row = selections.record(session=session, actor=current_user, given=selections.SelectionInput(
                enterprise=form.enterprise.data or "", method=form.method.data, reference=form.reference.data,
                decided_on=form.decided_on.data, valid_until=form.valid_until.data, note=form.note.data or ""))
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("The selection is recorded."), "success")
            enterprise = session.get(Organisation, row.enterprise_id)
            return redirect(url_for(".show", code=enterprise.code))
    return _render("plans/qualifications/selection_form.html", form=form), 422 if request.method == "POST" else 200
