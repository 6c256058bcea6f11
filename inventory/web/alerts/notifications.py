"""The in-app notifications (the ``inbox`` channel): the reader's list, marking read, the unread badge."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from inventory.core.errors import DomainError
from inventory.core.vocab import AlertEventKind, AlertSeverity
from inventory.db import get_session
from inventory.models import Delivery
from inventory.services.alerts import deliveries, queries
from inventory.web.alerts.forms import MarkReadForm, PageForm
from inventory.web.alerts.listing import newest_first
from inventory.web.service_errors import mark_fields, show_refusal

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
PAGE_SIZE = 50


@bp.app_context_processor
def _unread_badge() -> dict:
    """The navigation's unread count: one COUNT, run only when a page for a signed-in user draws the bar.

    An error page drawn because the database failed must still draw: the badge is then left out.
    """
    def unread() -> int:
        if not current_user.is_authenticated:
            return 0
        try:
            return deliveries.unread_count(session=get_session(), actor=current_user)
        except SQLAlchemyError as failure:
            current_app.logger.warning("unread notifications not counted: %s", failure)
            return 0
    return {"unread_notifications": unread}


@bp.get("/")
@login_required
def index():
    session = get_session()
    form = PageForm(request.args)
    rows, next_args = [], None
    if form.validate():
        try:
            rows, cursor = newest_first(session, deliveries.inbox(session=session, actor=current_user), Delivery.id,
                                        lambda row: row[0].id, limit=form.limit.data or PAGE_SIZE,
                                        cursor=form.cursor.data or None)
        except DomainError as error:
            mark_fields(form, error)
        else:
            next_args = {**request.args.to_dict(), "cursor": cursor} if cursor else None
    return render_template("alerts/notifications.html", form=form, rows=rows, next_args=next_args,
                           names=queries.names_for(session=session, alerts=[row[1] for row in rows]),
                           kinds=queries.kinds(), AlertSeverity=AlertSeverity, AlertEventKind=AlertEventKind,
                           read_form=MarkReadForm(formdata=None))


@bp.post("/read")
@login_required
def mark_read():
    """The ticked notifications, or all of them (``all``), become read."""
    form = MarkReadForm()
    if form.validate_on_submit():
        session = get_session()
        try:
            done = deliveries.mark_read(session=session, actor=current_user,
                                        delivery_ids=None if form.all.data else form.ids.data)
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("%(count)s notifications marked read.", count=done), "success")
    else:
        reasons = [str(m) for m in form.ids.errors] or [_("the form expired")]
        flash(_("Nothing was saved: %(reason)s", reason="; ".join(reasons)), "danger")
    return redirect(url_for(".index"))
