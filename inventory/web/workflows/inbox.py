"""The bureau approver's desk: pending transfers, write-downs and submitted counts in their remit."""
from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlmodel import Session, select

from inventory import scope
from inventory.db import get_session
from inventory.models import Facility, Lot, User
from inventory.services import approvals, counts, lots, transfers
from inventory.services.errors import DomainError
from inventory.web.service_errors import show_refusal
from inventory.web.stock_forms import DecisionForm
from inventory.web.stock_lookups import names_for, user_names

bp = Blueprint("approvals", __name__, url_prefix="/approvals")

#: kind -> the service call that decides it
DECIDERS: dict[str, Callable[..., object]] = {
    "transfer": lambda session, actor, item_id, action, note: transfers.decide_transfer(
        session=session, actor=actor, transfer_id=item_id, action=action, note=note),
    "adjustment": lambda session, actor, item_id, action, note: lots.decide_adjustment(
        session=session, actor=actor, adjustment_id=item_id, action=action, note=note),
    "count": lambda session, actor, item_id, action, note: counts.decide(
        session=session, actor=actor, count_id=item_id, action=action, note=note),
}


def _require() -> None:
    if not scope.can(current_user, "approve", "transfer"):
        abort(403)


def _pending(session: Session, user: User) -> dict:
    awaiting = approvals.awaiting_decision(session=session, actor=user)
    pending_transfers, pending_adjustments, submitted = awaiting.transfers, awaiting.adjustments, awaiting.counts
    lot_ids = {t.lot_id for t in pending_transfers} | {a.lot_id for a in pending_adjustments}
    lot_rows = {lot.id: lot for lot in session.exec(select(Lot).where(Lot.id.in_(lot_ids)))}
    facility_ids = {t.to_facility_id for t in pending_transfers} | {c.facility_id for c in submitted}
    return {
        "transfers": pending_transfers, "adjustments": pending_adjustments, "counts": submitted, "lots": lot_rows,
        "names": names_for(session, user, lot_rows.values()),
        "facilities": {f.id: f for f in session.exec(select(Facility).where(Facility.id.in_(facility_ids)))},
        "people": user_names(session, [t.requested_by for t in pending_transfers]
                             + [a.requested_by for a in pending_adjustments] + [c.submitted_by for c in submitted]),
    }


@bp.get("/")
@login_required
def index():
    _require()
    session = get_session()
    return render_template("approvals/index.html", form_for=lambda kind, item_id: DecisionForm(
        prefix=f"{kind}-{item_id}", formdata=None), **_pending(session, current_user))


@bp.post("/<kind>/<int:item_id>")
@login_required
def decide(kind: str, item_id: int):
    if kind not in DECIDERS:
        abort(404)
    session = get_session()
    form = DecisionForm(prefix=f"{kind}-{item_id}")
    if form.validate_on_submit():
        try:
            DECIDERS[kind](session, current_user, item_id, form.action, form.note.data)
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("Approved.") if form.action == "approve" else _("Rejected."), "success")
    else:
        flash(_("Nothing was saved: %(reason)s", reason="; ".join(form.note.errors)), "danger")
    return redirect(url_for("approvals.index"))
