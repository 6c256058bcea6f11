"""The role inbox: what waits for the signed-in user in every registered workflow, and the decision forms."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from inventory.core.errors import DomainError
from inventory.core.vocab import WorkflowAction
from inventory.db import get_session
from inventory.services.stock.names import user_names
from inventory.services.workflows import inbox
from inventory.services.workflows.registry import FLOWS
from inventory.web.service_errors import show_refusal
from inventory.web.stock.forms import DecisionForm

bp = Blueprint("inbox", __name__, url_prefix="/inbox")


@bp.get("/")
@login_required
def index():
    session = get_session()
    items = inbox.items_for(session=session, user=current_user)
    return render_template("workflows/inbox.html", items=items, flows=FLOWS,
                           people=user_names(session, [item.entry.requested_by for item in items]),
                           form_for=lambda flow, item_id: DecisionForm(prefix=f"{flow}-{item_id}", formdata=None))


@bp.post("/<flow>/<int:item_id>")
@login_required
def decide(flow: str, item_id: int):
    if flow not in FLOWS:
        abort(404)
    session = get_session()
    form = DecisionForm(prefix=f"{flow}-{item_id}")
    if form.validate_on_submit():
        try:
            inbox.decide(session=session, actor=current_user, flow=flow, row_id=item_id, action=form.action,
                         note=form.note.data)
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("Approved.") if form.action == WorkflowAction.approve else _("Rejected."), "success")
    else:
        flash(_("Nothing was saved: %(reason)s", reason="; ".join(form.note.errors)), "danger")
    return redirect(url_for("inbox.index"))
