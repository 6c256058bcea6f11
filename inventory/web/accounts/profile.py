"""A user's own profile: their API tokens (create, see when last used, revoke)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from inventory.db import get_session
from inventory.models import Organisation
from inventory.services.accounts import directory
from inventory.web.accounts.forms import EmptyForm, TokenForm

bp = Blueprint("profile", __name__, url_prefix="/profile")


@bp.get("/")
@login_required
def show():
    session = get_session()
    return render_template(
        "accounts/profile.html",
        org=session.get(Organisation, current_user.org_id),
        tokens=directory.user_tokens(session=session, user=current_user),
        token_form=TokenForm(),
        revoke_form=EmptyForm(),
        new_token=None,
    )


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
    return render_template(
        "accounts/profile.html",
        org=session.get(Organisation, current_user.org_id),
        tokens=directory.user_tokens(session=session, user=current_user),
        token_form=TokenForm(formdata=None),
        revoke_form=EmptyForm(),
        new_token=token,
    )


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    if EmptyForm().validate_on_submit():
        session = get_session()
        directory.revoke_token(session=session, user=current_user, token_id=token_id)
        session.commit()
        flash(_("The token is revoked."), "info")
    return redirect(url_for("profile.show"))
