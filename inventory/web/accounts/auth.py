"""Login and logout, throttled against brute force; a session lives only as long as the user's epoch."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session as cookie, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_limiter.util import get_remote_address

from inventory.db import get_session
from inventory.extensions import limiter
from inventory.models import User
from inventory.services.accounts import directory
from inventory.services.audit import trail
from inventory.web.accounts.forms import EmptyForm, LoginForm
from inventory.web.main import same_site_path

bp = Blueprint("auth", __name__)

#: the key in the signed session cookie that holds the user's session epoch at login
EPOCH_KEY = "epoch"


def load_user(user_id: str) -> User | None:
    """The session's user, unless the session was issued before a logout, password change or deactivation."""
    if not user_id.isascii() or not user_id.isdigit():
        return None
    user = get_session().get(User, int(user_id))
    if user is None or cookie.get(EPOCH_KEY) != user.session_epoch:
        return None
    return user


def remember_epoch(epoch: int) -> None:
    """Keep the current session alive after the epoch moved on (a password change ends only the others)."""
    cookie[EPOCH_KEY] = epoch


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
            remember_epoch(user.session_epoch)
            return redirect(same_site_path(request.args.get("next")) or url_for("main.index"))
        flash(_("Wrong username or password."), "danger")
    return render_template("accounts/login.html", form=form), 200 if request.method == "GET" else 401


@bp.post("/logout")
@login_required
def logout():
    """Ends every session of the user, not only this browser's: a copied cookie stops working too."""
    if EmptyForm().validate_on_submit():
        session = get_session()
        directory.logout(session=session, user=current_user._get_current_object())
        session.commit()
        logout_user()
        cookie.pop(EPOCH_KEY, None)
        flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))
