"""Emergency authorisations (紧急调用授权, reserve-materials-measures §四(一)) for administrators: the list, recording
the government's authorisation of a department with its document and period, and revoking one early.

The rules live in services/workflows/emergency.py.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, SubmitField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from inventory import scope
from inventory.core.clock import business_today
from inventory.core.errors import DomainError
from inventory.core.vocab import OrgKind
from inventory.db import get_session
from inventory.models import Organisation
from inventory.services.accounts import queries as accounts_queries
from inventory.services.stock.names import user_names
from inventory.services.workflows import emergency
from inventory.services.workflows.dispatch_views import rows_by_id
from inventory.web.service_errors import show_refusal

bp = Blueprint("authorisations", __name__, url_prefix="/admin/emergency-authorisations")
#: the organisations a government authorisation may name
AUTHORISABLE = (OrgKind.bureau, OrgKind.coordinator, OrgKind.government)


class AuthorisationForm(FlaskForm):
    org = SelectField(_l("Department"), choices=[], validate_choice=False)
    reference = StringField(_l("Reference of the authorising document"), validators=[DataRequired(), Length(max=100)])
    valid_from = DateField(_l("Valid from"), validators=[InputRequired()])
    valid_until = DateField(_l("Valid until"), validators=[InputRequired()])
    note = StringField(_l("Note"), validators=[Length(max=500)], default="")
    submit = SubmitField(_l("Record the authorisation"))


class RevokeForm(FlaskForm):
    submit = SubmitField(_l("Revoke"))


def _form(**kwargs) -> AuthorisationForm:
    form = AuthorisationForm(**kwargs)
    orgs = accounts_queries.organisations(session=get_session(), user=current_user)
    form.org.choices = [SelectChoice("", "—"),
                        *(SelectChoice(o.code, f"{o.name} · {o.code}") for o in orgs if o.kind in AUTHORISABLE)]
    return form


def _page(form: AuthorisationForm, status: int = 200):
    session = get_session()
    rows = emergency.authorisations(session=session, actor=current_user)
    return render_template("workflows/authorisations/index.html", form=form, rows=rows, revoke=RevokeForm(),
                           orgs=rows_by_id(session, Organisation, (r.org_id for r in rows)),
                           people=user_names(session, [*(r.recorded_by for r in rows), *(r.revoked_by for r in rows)]),
                           today=business_today(), may_record=scope.can(current_user, "record",
                                                                         "emergency_authorisation")), status


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    if not scope.can(current_user, "view", "emergency_authorisation"):
        abort(403)
    form = _form()
    if form.is_submitted() and not scope.can(current_user, "record", "emergency_authorisation"):
        abort(403)
    if form.validate_on_submit():
        session = get_session()
        try:
            made = emergency.record_authorisation(session=session, actor=current_user, org=form.org.data or "",
                                                  reference=form.reference.data, valid_from=form.valid_from.data,
                                                  valid_until=form.valid_until.data, note=form.note.data or "")
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("The authorisation %(reference)s is recorded.", reference=made.reference), "success")
            return redirect(url_for(".index"))
    return _page(form, 422 if form.is_submitted() else 200)


@bp.post("/<int:authorisation_id>/revoke")
@login_required
def revoke(authorisation_id: int):
    if not scope.can(current_user, "record", "emergency_authorisation"):
        abort(403)
    session = get_session()
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            emergency.revoke_authorisation(session=session, actor=current_user, authorisation_id=authorisation_id)
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("The authorisation is revoked."), "success")
            return redirect(url_for(".index"))
    return _page(_form(formdata=None), 422)
