"""The alerts list (filters, bulk acknowledge) and an alert's page with its history, deliveries and silences.

The other alert pages (subscriptions, silences, notifications, deliveries) are blueprints of their own, nested
under this one (``/alerts/…``), so registering this blueprint registers them all.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from inventory import scope
from inventory.core.errors import DomainError
from inventory.core.vocab import AlertSeverity, AlertState, Channel, DeliveryState
from inventory.db import get_session
from inventory.models import Alert
from inventory.services import paging
from inventory.services.alerts import actions, deliveries, queries, silences
from inventory.services.alerts.registry import SUBJECT_LABELS, SUBJECT_NAMES, SUBJECT_PAGES, SUBJECT_PAYLOAD_PAGES
from inventory.services.stock.names import user_names
from inventory.services.workflows.registry import FLOWS
from inventory.web.alerts import deliveries as delivery_pages
from inventory.web.alerts import notifications, subscriptions
from inventory.web.alerts import silences as silence_pages
from inventory.web.alerts.forms import AcknowledgeForm, AlertFilterForm
from inventory.web.service_errors import mark_fields, show_refusal
from inventory.web.stock.forms import ALL
from inventory.web.stock.lookups import category_choices, enterprise_choices

bp = Blueprint("alerts", __name__, url_prefix="/alerts")
for _pages in (subscriptions, silence_pages, notifications, delivery_pages):
    bp.register_blueprint(_pages.bp)
PAGE_SIZE = 50
#: how the scans' history notes read (a person's note is shown as written)
SYSTEM_NOTES = {"opened": _l("condition found"), "condition returned": _l("condition returned"),
                "severity changed": _l("severity changed"), "condition ended": _l("condition ended")}


def _require(action: str) -> None:
    if not scope.can(current_user, action, "alert"):
        abort(403)


def _filter_form() -> AlertFilterForm:
    form = AlertFilterForm(request.args)
    form.kind.choices = [ALL, *(SelectChoice(k, v) for k, v in queries.kinds().items())]
    form.severity.choices = [ALL, *(SelectChoice(k, v) for k, v in AlertSeverity.labels().items())]
    form.state.choices = [ALL, *(SelectChoice(k, v) for k, v in AlertState.labels().items())]
    form.enterprise.choices = [ALL, *enterprise_choices(get_session(), current_user)]
    form.category.choices = [ALL, *category_choices()]
    return form


def subject_link(alert: Alert) -> str | None:
    """The page about the alert's subject, or the lot its payload names."""
    if alert.subject_type in SUBJECT_PAGES:
        endpoint, arg = SUBJECT_PAGES[alert.subject_type]
        return url_for(endpoint, **{arg: alert.subject_id})
    if alert.subject_type in SUBJECT_PAYLOAD_PAGES:
        endpoint, arg, member = SUBJECT_PAYLOAD_PAGES[alert.subject_type]
        named = (alert.payload or {}).get(member)
        return url_for(endpoint, **{arg: named}) if named else None
    lot_id = (alert.payload or {}).get("lot_id")
    return url_for("stock.lot_page", lot_id=lot_id) if lot_id else None


def _render(template: str, **context):
    subjects = {**SUBJECT_LABELS, **{name: flow.label for name, flow in FLOWS.items()}}
    return render_template(template, kinds=queries.kinds(), subject_link=subject_link, subjects=subjects,
                           subject_names=SUBJECT_NAMES,
                           AlertSeverity=AlertSeverity,
                           AlertState=AlertState, system_notes=SYSTEM_NOTES, **context)


@bp.get("/")
@login_required
def index():
    _require("view")
    session = get_session()
    form = _filter_form()
    rows: list[Alert] = []
    next_args = None
    if form.validate():
        filters = queries.AlertFilter(kind=form.kind.data or None, severity=form.severity.data or None,
                                      state=form.state.data or None, enterprise=form.enterprise.data or None,
                                      category=form.category.data or None)
        query = queries.alerts(session=session, actor=current_user, filters=filters)
        try:
            rows, cursor = paging.page(session, query, [Alert.id], limit=form.limit.data or PAGE_SIZE,
                                       cursor=form.cursor.data or None)
        except DomainError as error:
            mark_fields(form, error)
        else:
            next_args = {**request.args.to_dict(), "cursor": cursor} if cursor else None
    return _render("alerts/list.html", form=form, alerts=rows, names=queries.names_for(session=session, alerts=rows),
                   next_args=next_args, ack=AcknowledgeForm(formdata=None),
                   may_acknowledge=scope.can(current_user, "acknowledge", "alert"))


@bp.get("/<int:alert_id>")
@login_required
def show(alert_id: int):
    session = get_session()
    alert, history = queries.alert_with_history(session=session, actor=current_user, alert_id=alert_id)
    return _render("alerts/show.html", alert=alert, history=history,
                   deliveries=deliveries.for_alert(session=session, actor=current_user, alert_id=alert.id),
                   silenced=silences.active_on(session=session, alert=alert), Channel=Channel,
                   DeliveryState=DeliveryState,
                   names=queries.names_for(session=session, alerts=[alert]),
                   people=user_names(session, [event.actor_id for event in history]),
                   ack=AcknowledgeForm(formdata=None, alerts=[alert.id]),
                   may_acknowledge=scope.can(current_user, "acknowledge", "alert"))


@bp.post("/acknowledge")
@login_required
def acknowledge():
    """Acknowledge the ticked alerts (or the one of an alert's page): all of them, or none."""
    form = AcknowledgeForm()
    back = request.form.get("back") == "alert" and form.alerts.data
    if form.validate_on_submit():
        try:
            done = actions.acknowledge(session=get_session(), actor=current_user, alert_ids=form.alerts.data,
                                       note=form.note.data or "")
        except DomainError as error:
            show_refusal(form, error)
        else:
            get_session().commit()
            flash(_("%(count)s alerts acknowledged.", count=len(done)), "success")
    else:
        reasons = [str(m) for field in (form.alerts, form.note) for m in field.errors] or [_("the form expired")]
        flash(_("Nothing was saved: %(reason)s", reason="; ".join(reasons)), "danger")
    if back and len(form.alerts.data) == 1:
        return redirect(url_for("alerts.show", alert_id=form.alerts.data[0]))
    return redirect(url_for("alerts.index"))
