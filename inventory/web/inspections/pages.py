"""Inspections (监督检查, §五(二)) and sanctions (§六(二)) on the web: the list with filters and exports, the record
form, the inspection's page with its timeline and only the allowed actions (answers, judgements, close, photos,
interview, qualification proposals and their decision).

The rules live in services/inspections/; an inspection the reader may not see is a 404 (scope).
"""
from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from inventory import scope
from inventory.core.clock import business_today
from inventory.core.errors import DomainError, Invalid
from inventory.core.vocab import (
    FindingStatus, InspectionOutcome, InspectionStatus, QualificationState, RequestStatus, Role, SafetyAspect,
    SanctionKind, SanctionStatus, ViolationKind, WorkflowAction,
)
from inventory.db import get_session
from inventory.http import download
from inventory.models import Inspection, Organisation
from inventory.services import paging
from inventory.services.inspections import exports, files, inspections, sanctions, views
from inventory.services.stock.exports import check_format
from inventory.services.workflows.dispatch_views import rows_by_id
from inventory.web.inspections.forms import (
    AnswerForm, CloseForm, InspectionFilterForm, InterviewForm, JudgeForm, PhotoForm, ProposalForm,
    SanctionDecisionForm, record_form_class,
)
from inventory.web.form_steps import posted
from inventory.web.service_errors import mark_fields, show_refusal

bp = Blueprint("inspections", __name__, url_prefix="/inspections")
PAGE_SIZE = 50


def _render(template: str, **context):
    return render_template(template, InspectionStatus=InspectionStatus, FindingStatus=FindingStatus,
                           InspectionOutcome=InspectionOutcome, SanctionKind=SanctionKind,
                           SanctionStatus=SanctionStatus, QualificationState=QualificationState,
                           ViolationKind=ViolationKind, SafetyAspect=SafetyAspect, WorkflowAction=WorkflowAction,
                           RequestStatus=RequestStatus, Role=Role, **context)


def _filters(form: InspectionFilterForm) -> inspections.InspectionFilter:
    return inspections.InspectionFilter(status=form.status.data or "", outcome=form.outcome.data or "",
                                        enterprise=form.enterprise.data or "",
                                        inspected_from=form.inspected_from.data, inspected_to=form.inspected_to.data)


@bp.get("/")
@login_required
def index():
    if not scope.can(current_user, "view", "inspection"):
        abort(403)
    session = get_session()
    form = InspectionFilterForm(request.args)
    rows: list[Inspection] = []
    next_args = None
    if form.validate():
        query = inspections.inspections_query(session, current_user, _filters(form))
        try:
            rows, cursor = paging.page(session, query, [Inspection.id], limit=form.limit.data or PAGE_SIZE,
                                       cursor=form.cursor.data or None)
        except DomainError as error:
            mark_fields(form, error)
        else:
            next_args = {**request.args.to_dict(), "cursor": cursor} if cursor else None
    export_args = {k: v for k, v in request.args.items() if k not in ("cursor", "limit")}
    return _render("inspections/list.html", form=form, inspections=rows, next_args=next_args,
                   export_args=export_args, may_record=inspections.may_record(current_user),
                   orgs=rows_by_id(session, Organisation, [i for r in rows for i in (r.enterprise_id, r.bureau_id)]))


@bp.get("/export/<what>.<fmt>")
@login_required
def export(what: str, fmt: str):
    """Inspections or findings as CSV or XLSX, filtered like the list."""
    if what not in ("inspections", "findings"):
        abort(404)
    session = get_session()
    form = InspectionFilterForm(request.args)
    if not form.validate():
        abort(422)
    try:
        check_format(fmt)
    except Invalid:
        abort(404)
    build = exports.inspection_table if what == "inspections" else exports.finding_table
    table = build(session=session, actor=current_user, filters=_filters(form), fmt=fmt)
    return download(table, fmt, session=session)


def _given(form) -> inspections.InspectionInput:
    """The form as the service's input; lot lines 'code, counted[, note]' become lot ids of the enterprise."""
    lines = [line for line in (form.lots.data or "").splitlines() if line.strip()]
    parsed = []
    for number, line in enumerate(lines, start=1):
        cells = [cell.strip() for cell in line.replace("，", ",").split(",", 2)]
        if len(cells) < 2 or not cells[0]:
            raise Invalid.field("lots", _("line %(number)s: write 'lot code, counted[, note]'", number=number))
        parsed.append(cells)
    ids = inspections.lot_ids_by_code(get_session(), current_user, form.enterprise.data or "",
                                      [cells[0] for cells in parsed])
    unknown = [cells[0] for cells in parsed if cells[0] not in ids]
    if unknown:
        raise Invalid.field("lots", _("not lots of your bureau's materials at this enterprise: %(codes)s",
                                      codes=", ".join(unknown)))
    safety = {}
    for aspect in SafetyAspect:
        sub = form[f"safety_{aspect}"]
        if sub.state.data:
            safety[str(aspect)] = inspections.SafetyInput(ok=sub.state.data == "ok", note=sub.note.data or "")
    findings = []
    for kind in ViolationKind:
        sub = form[f"violation_{kind}"]
        if sub.found.data:
            findings.append(inspections.FindingInput(kind=str(kind), evidence=sub.evidence.data or "",
                                                     note=sub.note.data or ""))
    return inspections.InspectionInput(
        enterprise=form.enterprise.data or "", facility=form.facility.data or "", inspected_on=form.inspected_on.data,
        scope=form.scope.data or "", quality_findings=form.quality_findings.data or "", safety=safety,
        lots=tuple(inspections.LotCheckInput(lot_id=ids[c[0]], counted=c[1], note=c[2] if len(c) > 2 else "")
                   for c in parsed),
        findings=tuple(findings))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if not inspections.may_record(current_user):
        abort(403)
    form = record_form_class()(data={"inspected_on": business_today()} if request.method == "GET" else None)
    if request.method == "POST":
        if form.validate_on_submit():
            session = get_session()
            try:
                row = inspections.record_inspection(session=session, actor=current_user, given=_given(form))
                for upload in form.photos.data or []:
                    if getattr(upload, "filename", ""):
                        files.add_photo(session=session, actor=current_user, inspection_id=row.id,
                                        filename=upload.filename, content=upload.read())
            except DomainError as error:
                show_refusal(form, error)
            else:
                session.commit()
                flash(_("Inspection %(code)s recorded.", code=row.code), "success")
                return redirect(url_for(".show", inspection_id=row.id))
        return _render("inspections/new.html", form=form), 422
    return _render("inspections/new.html", form=form)


def _page(inspection_id: int, *, forms: dict | None = None, status: int = 200):
    view = views.inspection_view(session=get_session(), actor=current_user, inspection_id=inspection_id)
    given = forms or {}
    blank = {
        "answer": AnswerForm(prefix="answer", formdata=None), "judge": JudgeForm(prefix="judge", formdata=None),
        "close": CloseForm(prefix="close", formdata=None), "photo": PhotoForm(prefix="photo", formdata=None),
        "interview": InterviewForm(prefix="interview", formdata=None, data={"held_on": business_today()}),
        "proposal": ProposalForm(prefix="proposal", formdata=None, data={"decided_on": business_today()}),
        "decision": SanctionDecisionForm(prefix="decision", formdata=None)}
    forms = {**blank, **given}
    # only the decisions the enterprise's qualification allows now are offered (qualification.refusal)
    forms["proposal"].kind.choices = [choice for choice in forms["proposal"].kind.choices
                                      if choice.value in view.proposable]
    return _render("inspections/show.html", view=view, forms=forms, failed=given), status


@bp.get("/<int:inspection_id>")
@login_required
def show(inspection_id: int):
    return _page(inspection_id)


def _posted(inspection_id: int, slot: str, form, take, done: str, *, ready: bool = True, **where):
    """A form of the inspection's page (``slot``: its key in ``_page``'s forms): taken and back to the page, or the
    page again with the form's messages (422); ``where``: the finding or sanction the form was posted for."""
    return posted(form, take, done=done, shown=url_for(".show", inspection_id=inspection_id), ready=ready,
                  again=lambda: _page(inspection_id, forms={slot: form, **where}, status=422))


@bp.post("/<int:inspection_id>/findings/<int:finding_id>/answer")
@login_required
def answer(inspection_id: int, finding_id: int):
    form = AnswerForm(prefix="answer")
    return _posted(inspection_id, "answer", form, lambda: inspections.answer_finding(
        session=get_session(), actor=current_user, finding_id=finding_id,
        corrective_action=form.corrective_action.data or "", corrective_due_on=form.corrective_due_on.data),
        _("Your answer is sent to the inspecting bureau."), finding_id=finding_id)


@bp.post("/<int:inspection_id>/findings/<int:finding_id>/judge")
@login_required
def judge(inspection_id: int, finding_id: int):
    form = JudgeForm(prefix="judge")
    action = WorkflowAction.close if form.close.data else WorkflowAction.send_back
    return _posted(inspection_id, "judge", form, lambda: inspections.judge_finding(
        session=get_session(), actor=current_user, finding_id=finding_id, action=action, note=form.note.data or ""),
        _("The finding is closed.") if action == WorkflowAction.close
        else _("The answer is sent back to the enterprise."),
        ready=form.close.data != form.send_back.data, finding_id=finding_id)


@bp.post("/<int:inspection_id>/close")
@login_required
def close(inspection_id: int):
    form = CloseForm(prefix="close")
    return _posted(inspection_id, "close", form, lambda: inspections.close_inspection(
        session=get_session(), actor=current_user, inspection_id=inspection_id, note=form.note.data or ""),
        _("The inspection is closed."))


@bp.post("/<int:inspection_id>/photos")
@login_required
def add_photos(inspection_id: int):
    form = PhotoForm(prefix="photo")
    uploads = [u for u in (form.photos.data or []) if getattr(u, "filename", "")]

    def take():
        for upload in uploads:
            files.add_photo(session=get_session(), actor=current_user, inspection_id=inspection_id,
                            filename=upload.filename, content=upload.read(), caption=form.caption.data or "")

    def again():
        if not uploads:
            form.photos.errors = [_("choose a file")]
        return _page(inspection_id, forms={"photo": form}, status=422)
    return posted(form, take, done=_("Photos added."), shown=url_for(".show", inspection_id=inspection_id),
                  ready=bool(uploads), again=again)


@bp.get("/<int:inspection_id>/photos/<int:photo_id>")
@login_required
def photo(inspection_id: int, photo_id: int):
    found, content = files.open_photo(session=get_session(), actor=current_user, inspection_id=inspection_id,
                                      photo_id=photo_id)
    response = send_file(io.BytesIO(content), mimetype=found.media_type, download_name=found.filename,
                         as_attachment=False)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.post("/<int:inspection_id>/interviews")
@login_required
def interview(inspection_id: int):
    form = InterviewForm(prefix="interview")
    return _posted(inspection_id, "interview", form, lambda: sanctions.record_interview(
        session=get_session(), actor=current_user, inspection_id=inspection_id, held_on=form.held_on.data,
        minutes=form.minutes.data or ""), _("The interview is recorded."))


@bp.post("/<int:inspection_id>/sanctions")
@login_required
def propose(inspection_id: int):
    form = ProposalForm(prefix="proposal")
    return _posted(inspection_id, "proposal", form, lambda: sanctions.propose(
        session=get_session(), actor=current_user, inspection_id=inspection_id, kind=form.kind.data,
        decided_on=form.decided_on.data, minutes=form.minutes.data or ""),
        _("The proposal waits for the bureau's approver."))


@bp.post("/<int:inspection_id>/sanctions/<int:sanction_id>/decide")
@login_required
def decide(inspection_id: int, sanction_id: int):
    form = SanctionDecisionForm(prefix="decision")
    pressed = [name for name in ("approve", "reject", "withdraw") if form[name].data]
    return _posted(inspection_id, "decision", form, lambda: sanctions.decide(
        session=get_session(), actor=current_user, sanction_id=sanction_id, action=pressed[0],
        note=form.note.data or ""), _("The decision is recorded."), ready=len(pressed) == 1, sanction_id=sanction_id)
