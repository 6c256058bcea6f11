"""A user's own profile: password, and API tokens (create, see when last used, revoke)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from inventory.core.errors import DomainError
from inventory.db import get_session
from inventory.services.accounts import directory
from inventory.web.accounts.auth import remember_epoch
from inventory.web.accounts.forms import EmptyForm, PasswordForm, TokenForm
from inventory.web.service_errors import show_refusal

bp = Blueprint("profile", __name__, url_prefix="/profile")


def _page(*, new_token: str | None = None, password_form: PasswordForm | None = None, status: int = 200):
    session = get_session()
    return render_template(
        "accounts/profile.html",
        org=directory.organisation_of(session=session, user=current_user),
        tokens=directory.user_tokens(session=session, user=current_user),
        token_form=TokenForm(formdata=None),
        revoke_form=EmptyForm(),
        password_form=password_form or PasswordForm(formdata=None),
        new_token=new_token,
    ), status


@bp.get("/")
@login_required
def show():
    return _page()


@bp.post("/password")
@login_required
def change_password():
    """A new password ends every other session of the user; this browser stays logged in."""
    form = PasswordForm()
    if not form.validate_on_submit():
        return _page(password_form=form, status=422)
    session = get_session()
    try:
        epoch = directory.change_password(session=session, user=current_user._get_current_object(),
                                          current=form.current_password.data, new=form.new_password.data)
    except DomainError as error:
        show_refusal(form, error)
        return _page(password_form=form, status=422)
    session.commit()
    remember_epoch(epoch)
    flash(_("Your password is changed; every other session has ended."), "success")
    return redirect(url_for("profile.show"))


@bp.post("/tokens")
@login_required
def create_token():
    form = TokenForm()
    session = get_session()
    if not form.validate_on_submit():
        flash(_("Give the token a name."), "danger")
        return redirect(url_for("profile.show"))
    token = directory.issue_token(session=session, user=current_user, name=form.name.data)
    session.commit()
    return _page(new_token=token)


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    if EmptyForm().validate_on_submit():
        session = get_session()
        directory.revoke_token(session=session, user=current_user, token_id=token_id)
        session.commit()
        flash(_("The token is revoked."), "info")
    return redirect(url_for("profile.show"))
