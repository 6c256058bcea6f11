"""Directory pages: organisations, users (deactivation by administrators) and districts, limited by scope."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from inventory import scope
from inventory.core.errors import DomainError
from inventory.db import get_session
from inventory.services.accounts import directory, queries
from inventory.services.accounts import districts as district_service
from inventory.web.accounts.forms import EmptyForm, PopulationForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _require(action: str, resource: str) -> None:
    if not scope.can(current_user, action, resource):
        abort(403)


@bp.get("/organisations")
@login_required
def organisations():
    _require("view", "organisation")
    session = get_session()
    return render_template("accounts/organisations.html",
                           orgs=queries.organisations(session=session, user=current_user),
                           districts=queries.districts_by_id(session=session))


@bp.get("/users")
@login_required
def users():
    _require("view", "user")
    session = get_session()
    return render_template("accounts/users.html", users=queries.users(session=session, user=current_user),
                           orgs=queries.organisations_by_id(session=session, user=current_user),
                           can_manage=scope.can(current_user, "create", "user"), toggle_form=EmptyForm())


@bp.post("/users/<int:user_id>/<any(activate, deactivate):change>")
@login_required
def set_active(user_id: int, change: str):
    """Deactivating a user ends all of their sessions at once (and their API tokens stop working)."""
    _require("create", "user")
    if not EmptyForm().validate_on_submit():
        abort(400)
    session = get_session()
    try:
        user = directory.set_active(session=session, actor=current_user, user_id=user_id, active=change == "activate")
    except DomainError as error:
        session.rollback()
        if error.status in (403, 404):
            raise
        flash(error.message, "danger")
        return redirect(url_for("admin.users"))
    session.commit()
    flash(_("%(user)s is active again.", user=user.username) if user.active
          else _("%(user)s is deactivated and logged out everywhere.", user=user.username), "success")
    return redirect(url_for("admin.users"))


@bp.route("/districts", methods=["GET", "POST"])
@login_required
def districts():
    """Resident populations are data the city edits, not constants in code."""
    _require("view", "district")
    session = get_session()
    form = PopulationForm()
    if request.method == "POST":
        _require("update", "district")
        district_id = request.form.get("district_id", "")
        if form.validate_on_submit() and district_id.isascii() and district_id.isdigit() and int(district_id) < 2**31:
            try:
                district_service.update_population(session=session, actor=current_user, district_id=int(district_id),
                                                   population=form.population.data, year=form.population_year.data,
                                                   source=form.population_source.data)
                session.commit()
                flash(_("Population saved."), "success")
            except DomainError as exc:
                session.rollback()
                flash(exc.message, "danger")
        else:
            flash(_("Enter a whole number of residents."), "danger")
        return redirect(url_for("admin.districts"))
    return render_template("accounts/districts.html", districts=queries.districts(session=session), form=form,
                           can_edit=scope.can(current_user, "update", "district"))
