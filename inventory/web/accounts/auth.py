"""Login and logout, throttled against brute force."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required, login_user, logout_user
from flask_limiter.util import get_remote_address

from inventory.db import get_session
from inventory.extensions import limiter
from inventory.models import User
from inventory.services.accounts import directory
from inventory.services.audit import trail
from inventory.web.accounts.forms import EmptyForm, LoginForm

bp = Blueprint("auth", __name__)


def load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    return get_session().get(User, int(user_id))


def _login_key() -> str:
    return f"{get_remote_address()}|{request.form.get('username', '')[:64]}"


def _failed(response) -> bool:
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], key_func=_login_key,
               deduct_when=_failed)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        session = get_session()
        user = directory.authenticate(session=session, username=form.username.data, password=form.password.data)
        if user is not None:
            trail.record(session, actor=user, action="user.login", entity="user", entity_id=user.id, org_id=user.org_id)
            session.commit()
            login_user(user)
            target = request.args.get("next", "")
            return redirect(target if target.startswith("/") and not target.startswith("//") else url_for("main.index"))
        flash(_("Wrong username or password."), "danger")
    return render_template("accounts/login.html", form=form), 200 if request.method == "GET" else 401


@bp.post("/logout")
@login_required
def logout():
    if EmptyForm().validate_on_submit():
        logout_user()
        flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))
