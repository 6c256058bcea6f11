"""Blood emergencies on the web (docs/blood.md, "Levels", "Reporting clocks", "Responses"): the levels with those
awaiting the health commission's confirmation, confirming one (the warning is published), declaring Level II or I,
and a level's page with its reporting clocks and the "record report" form, its response checklist and, for Levels
II and I, the temporary blood-handling units, and its termination and review (§五). Only the actions the reader may
take are shown."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from inventory import scope
from inventory.core import clock
from inventory.core.clock import BUSINESS_TZ
from inventory.core.errors import DomainError
from inventory.core.vocab import (
    EmergencyLevel, EmergencyOrigin, EmergencyStatus, HandlingUnitDesignator, HandlingUnitKind, NoticeChannel,
    NoticeRecipient, TerminationAuthority,
)
from inventory.db import get_session
from inventory.services.blood import board as boards
from inventory.services.blood import clocks, emergency_views, levels, responses, termination
from inventory.web.blood.forms import (
    AssessForm, DeclareForm, NoteForm, NoticeForm, ReviewForm, TerminateForm, TickForm, UnitForm,
)
from inventory.web.form_steps import posted
from inventory.web.service_errors import show_refusal

bp = Blueprint("blood_emergencies", __name__, url_prefix="/blood/emergencies")


def _render(template: str, **context):
    return render_template(template, EmergencyLevel=EmergencyLevel, EmergencyStatus=EmergencyStatus,
                           EmergencyOrigin=EmergencyOrigin, NoticeRecipient=NoticeRecipient,
                           NoticeChannel=NoticeChannel, HandlingUnitKind=HandlingUnitKind,
                           HandlingUnitDesignator=HandlingUnitDesignator, TerminationAuthority=TerminationAuthority,
                           **context)


@bp.get("/")
@login_required
def index():
    if not scope.can(current_user, "view", "blood"):
        abort(403)
    session = get_session()
    return _render("blood/emergencies.html", rows=emergency_views.emergencies(session=session, user=current_user),
                   waiting=boards.proposals(session, current_user),
                   may_confirm=scope.can(current_user, "confirm", "blood_level"),
                   may_declare=scope.can(current_user, "declare", "blood_level"),
                   confirm_form=NoteForm(formdata=None))


@bp.route("/declare", methods=["GET", "POST"])
@login_required
def declare():
    if not scope.can(current_user, "declare", "blood_level"):
        abort(403)
    form = DeclareForm()
    if form.validate_on_submit():
        session = get_session()
        try:
            row = levels.declare(session=session, actor=current_user, level=form.level.data, reason=form.reason.data,
                                 document=form.document.data or "", station_code=form.station.data or None)
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("%(level)s is declared and published.", level=EmergencyLevel.label_of(row.level)), "success")
            return redirect(url_for(".show", emergency_id=row.id))
    return _render("blood/declare.html", form=form), 422 if form.is_submitted() else 200


def _page(emergency_id: int, *, confirm: NoteForm | None = None, notice: NoticeForm | None = None,
          tick: TickForm | None = None, unit: UnitForm | None = None, assess: AssessForm | None = None,
          end: TerminateForm | None = None, review: ReviewForm | None = None, status: int = 200):
    view = emergency_views.emergency_view(session=get_session(), user=current_user, emergency_id=emergency_id,
                                          now=clock.utcnow(), today=clock.business_today())
    return _render("blood/emergency.html", view=view, e=view.emergency,
                   confirm_form=confirm or NoteForm(formdata=None), notice_form=notice or NoticeForm(formdata=None),
                   tick_form=tick or TickForm(formdata=None), unit_form=unit or UnitForm(formdata=None),
                   assess_form=assess or AssessForm(formdata=None),
                   end_form=end or TerminateForm(formdata=None, authority=view.ending.authority.value),
                   review_form=review or ReviewForm(formdata=None),
                   may_confirm=scope.can(current_user, "confirm", "blood_level"),
                   may_tick=scope.can(current_user, "record", "blood_response"),
                   may_units=scope.can(current_user, "declare", "blood_level")
                   and EmergencyLevel(view.emergency.level) in responses.UNIT_LEVELS), status


@bp.get("/<int:emergency_id>")
@login_required
def show(emergency_id: int):
    return _page(emergency_id)


def _posted(emergency_id: int, slot: str, form, take, done: str):
    """A form of the emergency's page (``slot``: its argument of ``_page``): taken and back to the page, or the page
    again with the form's messages (422)."""
    return posted(form, take, done=done, shown=url_for(".show", emergency_id=emergency_id),
                  again=lambda: _page(emergency_id, **{slot: form}, status=422))


@bp.post("/<int:emergency_id>/confirm")
@login_required
def confirm(emergency_id: int):
    form = NoteForm()
    return _posted(emergency_id, "confirm", form, lambda: levels.confirm(
        session=get_session(), actor=current_user, emergency_id=emergency_id, note=form.note.data or ""),
        _("The level is confirmed: the warning is published."))


@bp.post("/<int:emergency_id>/notices")
@login_required
def notice(emergency_id: int):
    form = NoticeForm()

    def take():
        when: datetime | None = form.reported_at.data
        clocks.record_notice(session=get_session(), actor=current_user, emergency_id=emergency_id,
                             recipient=form.recipient.data, channel=form.channel.data,
                             reported_at=when.replace(tzinfo=BUSINESS_TZ) if when else None,
                             note=form.note.data or "", now=clock.utcnow())
    return _posted(emergency_id, "notice", form, take, _("The report is recorded."))


@bp.post("/<int:emergency_id>/responses")
@login_required
def tick(emergency_id: int):
    form = TickForm()
    return _posted(emergency_id, "tick", form, lambda: responses.tick(
        session=get_session(), actor=current_user, emergency_id=emergency_id, measure=form.measure.data,
        note=form.note.data or ""), _("The measure is recorded as done."))


@bp.post("/<int:emergency_id>/units")
@login_required
def unit(emergency_id: int):
    form = UnitForm()
    return _posted(emergency_id, "unit", form, lambda: responses.add_unit(
        session=get_session(), actor=current_user, emergency_id=emergency_id, name=form.name.data,
        kind=form.kind.data, designated_by=form.designated_by.data, document=form.document.data or "",
        note=form.note.data or ""), _("The temporary blood-handling unit is recorded."))


@bp.post("/<int:emergency_id>/assess")
@login_required
def assess(emergency_id: int):
    form = AssessForm()
    return _posted(emergency_id, "assess", form, lambda: termination.assess(
        session=get_session(), actor=current_user, emergency_id=emergency_id, assessment=form.assessment.data),
        _("The expert group's assessment is recorded."))


@bp.post("/<int:emergency_id>/terminate")
@login_required
def terminate(emergency_id: int):
    form = TerminateForm()
    return _posted(emergency_id, "end", form, lambda: termination.terminate(
        session=get_session(), actor=current_user, emergency_id=emergency_id, authority=form.authority.data,
        document=form.document.data or ""),
        _("The response is terminated: record the post-event review to close it."))


@bp.post("/<int:emergency_id>/review")
@login_required
def review(emergency_id: int):
    form = ReviewForm()
    return _posted(emergency_id, "review", form, lambda: termination.review(
        session=get_session(), actor=current_user, emergency_id=emergency_id, text=form.review.data),
        _("The review is recorded: the emergency is closed."))
