"""Administration pages: the audit log, organisations and users, each limited by scope."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlmodel import select
from wtforms.fields import SelectChoice

from inventory import scope
from inventory.db import get_session
from inventory.models import AuditEvent, District, Organisation, User
from inventory.services.accounts import districts as district_service
from inventory.services.system import checks
from inventory.core.errors import DomainError
from inventory.core.clock import utcnow
from inventory.web.accounts.forms import AuditFilterForm, PopulationForm

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 50


def _require(action: str, resource: str) -> None:
    if not scope.can(current_user, action, resource):
        abort(403)


@bp.get("/audit")
@login_required
def audit():
    _require("view", "audit")
    session = get_session()
    form = AuditFilterForm(request.args)
    users = {u.id: u for u in session.exec(scope.users_query(session, current_user))}
    form.actor.choices = [SelectChoice("", "—")] + [SelectChoice(str(u.id), u.username) for u in users.values()]
    query = scope.audit_query(session, current_user)
    if form.entity.data:
        query = query.where(AuditEvent.entity == form.entity.data.strip())
    if form.action.data:
        query = query.where(AuditEvent.action.startswith(form.action.data.strip()))
    if form.actor.data and form.actor.data.isdigit():
        query = query.where(AuditEvent.actor_id == int(form.actor.data))
    before = request.args.get("before", "")
    if before.isdigit():
        query = query.where(AuditEvent.id < int(before))
    events = list(session.exec(query.order_by(AuditEvent.id.desc()).limit(PAGE_SIZE)))
    actors = {e.actor_id for e in events if e.actor_id}
    names = {u.id: u.username for u in session.exec(select(User).where(User.id.in_(actors)))} if actors else {}
    older = events[-1].id if len(events) == PAGE_SIZE else None
    return render_template("audit/events.html", form=form, events=events, names=names, older=older)


@bp.get("/organisations")
@login_required
def organisations():
    _require("view", "organisation")
    session = get_session()
    orgs = list(session.exec(scope.organisations_query(session, current_user).order_by(Organisation.kind, Organisation.code)))
    districts = {d.id: d for d in session.exec(select(District))}
    return render_template("accounts/organisations.html", orgs=orgs, districts=districts)


@bp.get("/users")
@login_required
def users():
    _require("view", "user")
    session = get_session()
    rows = list(session.exec(scope.users_query(session, current_user).order_by(User.username)))
    orgs = {o.id: o for o in session.exec(scope.organisations_query(session, current_user))}
    return render_template("accounts/users.html", users=rows, orgs=orgs)


@bp.get("/system")
@login_required
def system_health():
    """Database, broker and when beat last reached a worker and the database."""
    _require("view", "system")
    session = get_session()
    state = checks.status(session=session)
    return render_template("system/health.html", state=state, heartbeats=checks.heartbeats(session=session),
                           now=utcnow())


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
        if form.validate_on_submit() and district_id.isdigit():
            try:
                district_service.update_population(session=session, actor=current_user, district_id=int(district_id),
                                                   population=form.population.data)
                session.commit()
                flash(_("Population saved."), "success")
            except DomainError as exc:
                session.rollback()
                flash(exc.message, "danger")
        else:
            flash(_("Enter a whole number of residents."), "danger")
        return redirect(url_for("admin.districts"))
    rows = list(session.exec(select(District).order_by(District.area, District.id)))
    return render_template("accounts/districts.html", districts=rows, form=form,
                           can_edit=scope.can(current_user, "update", "district"))
