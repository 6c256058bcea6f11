"""Administrators: the outbox by state (dead ones first in mind), and retrying dead deliveries."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from inventory import scope
from inventory.core.errors import DomainError
from inventory.core.vocab import Channel, DeliveryState
from inventory.db import get_session
from inventory.jobs import commit_then_enqueue
from inventory.models import Delivery
from inventory.services.alerts import deliveries, queries
from inventory.services.alerts.deliveries import DELIVER_TASK
from inventory.web.alerts.forms import DeliveryFilterForm, RetryForm
from inventory.web.alerts.listing import newest_first
from inventory.web.service_errors import mark_fields, show_refusal
from inventory.web.stock.forms import ALL

bp = Blueprint("deliveries", __name__, url_prefix="/deliveries")
PAGE_SIZE = 50


@bp.before_request
@login_required
def _administrators_only():
    if not scope.can(current_user, "view", "delivery"):
        abort(403)


@bp.get("/")
def index():
    session = get_session()
    form = DeliveryFilterForm(request.args)
    form.state.choices = [ALL, *(SelectChoice(k, v) for k, v in DeliveryState.labels().items())]
    rows, next_args = [], None
    if form.validate():
        try:
            query = deliveries.listing(session=session, actor=current_user, state=form.state.data or None)
            rows, cursor = newest_first(session, query, Delivery.id, lambda row: row[0].id,
                                        limit=form.limit.data or PAGE_SIZE, cursor=form.cursor.data or None)
        except DomainError as error:
            mark_fields(form, error)
        else:
            next_args = {**request.args.to_dict(), "cursor": cursor} if cursor else None
    return render_template("alerts/deliveries.html", form=form, rows=rows, next_args=next_args,
                           kinds=queries.kinds(), Channel=Channel, DeliveryState=DeliveryState,
                           retry_form=RetryForm(formdata=None),
                           may_retry=scope.can(current_user, "retry", "delivery"))


@bp.post("/retry")
def retry():
    """Dead deliveries go out again now: the ticked ones, or the one whose button was pressed; all or none."""
    form = RetryForm()
    if form.validate_on_submit():
        session = get_session()
        try:
            done = deliveries.retry(session=session, actor=current_user, delivery_ids=form.deliveries.data)
        except DomainError as error:
            show_refusal(form, error)
        else:
            # the broker down, beat's delivery sweep sends them within a minute
            commit_then_enqueue(session, DELIVER_TASK)
            flash(_("%(count)s deliveries will be sent again.", count=done), "success")
    else:
        reasons = [str(m) for m in form.deliveries.errors] or [_("the form expired")]
        flash(_("Nothing was saved: %(reason)s", reason="; ".join(reasons)), "danger")
    return redirect(url_for(".index", state=request.form.get("state", DeliveryState.dead.value)))
