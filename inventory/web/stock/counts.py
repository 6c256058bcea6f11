"""Physical counts (盘点): open a count, enter or upload counted quantities, submit for the bureau."""
from __future__ import annotations


from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from inventory import scope
from inventory.db import get_session
from inventory.services.stock import queries
from inventory.services.stock import counts
from inventory.core import settings
from inventory.core.vocab import WorkflowAction
from inventory.services.stock.flows import COUNT
from inventory.services.workflows import engine
from inventory.core.errors import DomainError
from inventory.web.service_errors import show_refusal
from inventory.web.stock.forms import CancelCountForm, ConfirmForm, CountCsvForm, DecisionForm, OpenCountForm, counted_form
from inventory.services.stock.names import names_for, user_names
from inventory.web.stock.lookups import bureau_choices, facility_choices

bp = Blueprint("counts", __name__, url_prefix="/counts")
LIST_SIZE = 100


def _require_any() -> None:
    if not scope.can(current_user, "view", "count"):
        abort(403)


def _open_form(**kwargs) -> OpenCountForm:
    form = OpenCountForm(**kwargs)
    form.facility.choices = facility_choices(get_session(), current_user)
    form.bureau.choices = bureau_choices(get_session())
    return form


def _render_index(form: OpenCountForm, status: int = 200):
    session = get_session()
    rows, facilities = queries.recent_counts(session=session, actor=current_user, limit=LIST_SIZE)
    return render_template("stock/counts/index.html", counts=rows, facilities=facilities, form=form,
                           can_open=scope.can(current_user, "open", "count")), status


@bp.get("/")
@login_required
def index():
    _require_any()
    return _render_index(_open_form(formdata=None))


@bp.post("/")
@login_required
def open_count():
    session = get_session()
    form = _open_form()
    if form.validate_on_submit():
        try:
            count = counts.open_count(session=session, actor=current_user, facility_code=form.facility.data,
                                      note=form.note.data, bureau_code=form.bureau.data or None)
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("Count %(id)s is open: enter what you counted for each lot.", id=count.id), "success")
            return redirect(url_for("counts.show", count_id=count.id))
    return _render_index(form, status=422)


def _render_count(count_id: int, *, entry: FlaskForm | None = None, upload: CountCsvForm | None = None,
                  cancel: CancelCountForm | None = None, status: int = 200):
    session = get_session()
    count, views = counts.lines(session=session, actor=current_user, count_id=count_id)
    mismatched = counts.mismatched_lots(session=session, count=count)
    steps = engine.timeline(session, flow=COUNT, row_id=count.id)
    entry = entry or counted_form([v.lot.id for v in views], {v.lot.id: v.line.counted for v in views},
                                  formdata=None)
    return render_template(
        "stock/counts/show.html", count=count, views=views, facility=counts.facility_of(session, count),
        names=names_for(session, current_user, [v.lot for v in views]), mismatched=mismatched,
        people=user_names(session, (count.opened_by, count.submitted_by, count.decided_by)),
        steps=steps, step_people=user_names(session, (s.actor_id for s in steps)),
        cancel=cancel or CancelCountForm(prefix="cancel", formdata=None),
        can_cancel=engine.may_take(session, current_user, COUNT, count, WorkflowAction.cancel),
        entry=entry, upload=upload or CountCsvForm(formdata=None), submit_form=ConfirmForm(formdata=None),
        decision=DecisionForm(prefix=f"count-{count.id}", formdata=None),
        tolerance=settings.count_tolerance(),
        can_enter=count.status == "open" and scope.can(current_user, "submit", "count"),
        can_decide=count.status == "submitted" and scope.can(current_user, "approve", "count"),
    ), status


@bp.get("/<int:count_id>")
@login_required
def show(count_id: int):
    _require_any()
    return _render_count(count_id)


@bp.post("/<int:count_id>/counted")
@login_required
def record_counted(count_id: int):
    session = get_session()
    views = counts.lines(session=session, actor=current_user, count_id=count_id)[1]
    form = counted_form([v.lot.id for v in views], {})
    if form.validate_on_submit():
        try:
            counts.record_counted(session=session, actor=current_user, count_id=count_id, counted=form.counted())
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("The counted quantities are saved."), "success")
            return redirect(url_for("counts.show", count_id=count_id))
    return _render_count(count_id, entry=form, status=422)


@bp.post("/<int:count_id>/upload")
@login_required
def upload(count_id: int):
    session = get_session()
    form = CountCsvForm()
    if form.validate_on_submit():
        text = form.file.data.read().decode("utf-8-sig", errors="replace")
        try:
            counted = counts.counted_from_csv(session=session, actor=current_user, count_id=count_id, text=text)
            counts.record_counted(session=session, actor=current_user, count_id=count_id, counted=counted)
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("%(n)s counted quantities were read from the file.", n=len(counted)), "success")
            return redirect(url_for("counts.show", count_id=count_id))
    return _render_count(count_id, upload=form, status=422)


@bp.post("/<int:count_id>/submit")
@login_required
def submit(count_id: int):
    session = get_session()
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            counts.submit(session=session, actor=current_user, count_id=count_id)
        except DomainError as error:
            show_refusal(form, error)
            return _render_count(count_id, status=422)
        session.commit()
        flash(_("The count is submitted to the bureau for approval."), "success")
    return redirect(url_for("counts.show", count_id=count_id))


@bp.post("/<int:count_id>/cancel")
@login_required
def cancel(count_id: int):
    """The enterprise manager or whoever opened the count calls it off, with a reason (issue 7 item 2)."""
    session = get_session()
    form = CancelCountForm(prefix="cancel")
    if form.validate_on_submit():
        try:
            counts.cancel(session=session, actor=current_user, count_id=count_id, note=form.note.data)
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("The count is cancelled."), "success")
            return redirect(url_for("counts.show", count_id=count_id))
    return _render_count(count_id, cancel=form, status=422)
