"""Temporary additions (临时储备, reserve-materials-measures §二(四)) on the web: the list by material and status, the
draft form, and an addition's page with its period, the timeline and only the reader's allowed steps — submit,
withdraw, the government's approval or rejection, and from its last day the decision to let it lapse or propose it
into the catalogue.

The rules live in services/plans/additions.py; an addition the reader may not see is a 404.
"""
from __future__ import annotations

from functools import partial

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from inventory import scope
from inventory.core.errors import DomainError
from inventory.db import get_session
from inventory.models import Material, TemporaryAddition
from inventory.services.plans import additions, plan_views
from inventory.services.stock.names import material_name
from inventory.web.plans.forms import AdditionFilterForm, AdditionForm, enterprise_choices, material_choices
from inventory.web.plans.pages import listed, render, stepped
from inventory.web.service_errors import show_refusal
from inventory.web.workflows.rotation_forms import StepForm

bp = Blueprint("temporary_additions", __name__, url_prefix="/plans/additions")


@bp.get("/")
@login_required
def index():
    if not scope.can(current_user, "view", "temporary_addition"):
        abort(403)
    session = get_session()
    form = AdditionFilterForm(request.args)

    def query():
        query = additions.additions_query(session, current_user)
        if form.status.data:
            query = query.where(TemporaryAddition.status == form.status.data)
        if form.material.data:
            query = query.join(Material, Material.id == TemporaryAddition.material_id).where(
                Material.code == form.material.data.strip())
        return query

    rows, next_args = listed(form, query, TemporaryAddition)
    materials, orgs = plan_views.list_names(session, rows)
    return render("plans/additions/list.html", form=form, additions=rows, next_args=next_args, materials=materials,
                  orgs=orgs, may_draft=scope.can(current_user, "draft", "temporary_addition"))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    if not scope.can(current_user, "draft", "temporary_addition"):
        abort(403)
    session = get_session()
    form = AdditionForm()
    form.material.choices = material_choices(plan_views.addition_materials(session, current_user), material_name)
    form.enterprise.choices = enterprise_choices(plan_views.enterprises(session, current_user))
    if form.validate_on_submit():
        try:
            made = additions.draft_addition(session=session, actor=current_user, given=form.given())
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("Temporary addition %(code)s is saved as a draft.", code=made.code), "success")
            return redirect(url_for(".show", addition_id=made.id))
    return render("plans/additions/form.html", form=form), 422 if form.is_submitted() else 200


def _page(addition_id: int, *, step: StepForm | None = None, status: int = 200):
    view = plan_views.addition_view(session=get_session(), actor=current_user, addition_id=addition_id)
    return render("plans/additions/show.html", view=view, step=step or StepForm(formdata=None)), status


@bp.get("/<int:addition_id>")
@login_required
def show(addition_id: int):
    return _page(addition_id)


@bp.post("/<int:addition_id>/steps")
@login_required
def step(addition_id: int):
    """submit, withdraw, approve, reject with a reason, lapse or propose: one ``additions.decide``."""
    return stepped(lambda action, note: additions.decide(session=get_session(), actor=current_user,
                                                         addition_id=addition_id, action=action, note=note),
                   url_for(".show", addition_id=addition_id), partial(_page, addition_id))
