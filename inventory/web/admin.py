"""Administration pages: the audit log, organisations and users, each limited by scope."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required
from sqlmodel import select

from inventory import scope
from inventory.db import get_session
from inventory.models import AuditEvent, District, Organisation, User
from inventory.web.forms import AuditFilterForm

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
    form.actor.choices = [("", "—")] + [(str(u.id), u.username) for u in users.values()]
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
    return render_template("admin/audit.html", form=form, events=events, names=names, older=older)


@bp.get("/organisations")
@login_required
def organisations():
    _require("view", "organisation")
    session = get_session()
    orgs = list(session.exec(scope.organisations_query(session, current_user).order_by(Organisation.kind, Organisation.code)))
    districts = {d.id: d for d in session.exec(select(District))}
    return render_template("admin/organisations.html", orgs=orgs, districts=districts)


@bp.get("/users")
@login_required
def users():
    _require("view", "user")
    session = get_session()
    rows = list(session.exec(scope.users_query(session, current_user).order_by(User.username)))
    orgs = {o.id: o for o in session.exec(scope.organisations_query(session, current_user))}
    return render_template("admin/users.html", users=rows, orgs=orgs)
