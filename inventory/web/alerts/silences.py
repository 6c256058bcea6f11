"""Silences: mute the deliveries of matching alerts for a while, with a reason; the alerts stay on their pages."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlmodel import select
from wtforms.fields.choices import SelectChoice

from inventory import scope
from inventory.core.clock import BUSINESS_TZ, utcnow
from inventory.core.errors import DomainError
from inventory.db import get_session
from inventory.models import Facility, Material, Organisation, Silence
from inventory.services.alerts import queries, silences
from inventory.services.stock.names import user_names
from inventory.web.alerts.forms import ConfirmForm, SilenceForm
from inventory.web.service_errors import show_refusal
from inventory.web.stock.forms import ALL

bp = Blueprint("silences", __name__, url_prefix="/silences")
#: ended silences shown below the active ones, newest first
ENDED_SHOWN = 50


@bp.before_request
@login_required
def _readers_only():
    if not scope.can(current_user, "view", "silence"):
        abort(403)


def _form(**kwargs) -> SilenceForm:
    form = SilenceForm(**kwargs)
    form.kind.choices = [ALL, *(SelectChoice(k, v) for k, v in queries.kinds().items())]
    return form


def _utc(local: datetime | None) -> datetime | None:
    """The form's times are business time (Asia/Shanghai), as every page shows them."""
    return local.replace(tzinfo=BUSINESS_TZ).astimezone(UTC) if local else None


def _render(form: SilenceForm, status: int = 200):
    session = get_session()
    now = utcnow()
    rows = list(session.exec(silences.visible(session=session, actor=current_user)
                             .where(Silence.ends_at > now)))
    ended = list(session.exec(silences.visible(session=session, actor=current_user)
                              .where(Silence.ends_at <= now).limit(ENDED_SHOWN)))
    shown = rows + ended

    def named(model, ids):
        wanted = {i for i in ids if i is not None}
        return {r.id: r for r in session.exec(select(model).where(model.id.in_(wanted)))} if wanted else {}

    may_create = scope.can(current_user, "create", "silence")
    return render_template(
        "alerts/silences.html", form=form, active=rows, ended=ended, now=now, kinds=queries.kinds(),
        orgs=named(Organisation, [s.enterprise_id for s in shown]),
        facilities=named(Facility, [s.facility_id for s in shown]),
        materials=named(Material, [s.material_id for s in shown]),
        people=user_names(session, [s.created_by for s in shown]), may_create=may_create,
        confirm=ConfirmForm(formdata=None)), status


@bp.get("/")
def index():
    return _render(_form(formdata=None))


@bp.post("/")
def create():
    form = _form()
    if form.validate_on_submit():
        session = get_session()
        try:
            silences.create(session=session, actor=current_user, reason=form.reason.data,
                            starts_at=_utc(form.starts_at.data), ends_at=_utc(form.ends_at.data),
                            kind=form.kind.data or None, enterprise=form.enterprise.data or None,
                            facility=form.facility.data or None, material=form.material.data or None)
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("The silence is in place."), "success")
            return redirect(url_for(".index"))
    return _render(form, status=422)


@bp.post("/<int:silence_id>/end")
def end(silence_id: int):
    form = ConfirmForm()
    if form.validate_on_submit():
        session = get_session()
        try:
            silences.end(session=session, actor=current_user, silence_id=silence_id)
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("The silence has ended."), "success")
    else:
        flash(_("Nothing was saved: %(reason)s", reason=_("the form expired")), "danger")
    return redirect(url_for(".index"))
