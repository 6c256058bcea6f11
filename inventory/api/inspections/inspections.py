"""Inspections (监督检查, reserve-materials-measures §五(二)) and sanctions (§六(二)) over the API.

A reserve bureau's inspector records an inspection (``POST /inspections``) with its lot checks, safety checks and
the violations found; each violation is a finding the enterprise answers (``POST /inspection-findings/{id}/actions/
answer``) and the bureau closes or sends back; the bureau then closes the inspection. Interviews (约谈) and
proposals to suspend, revoke or reinstate the storage qualification hang on the inspection; proposals are decided
at ``/sanctions/{id}/actions/{action}``. The rules live in services/inspections/.
"""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from urllib.parse import quote

from flask import request
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, Field, StrictBool, WithJsonSchema

from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.body import accepts_upload
from inventory.api.idempotency import idempotent
from inventory.api.pagination import page
from inventory.api.schemas import (
    BODY, Blank, NonNegativeQuantity, Out, PageQuery, Quantity, Query, RowId, StrictBody, Timestamp, errors, page_of,
)
from inventory.api.spec import file_download, path_enums, spec
from inventory.api.stock.requests import person_actions
from inventory.api.workflows.dispatches import StepOut
from inventory.core.errors import Invalid
from inventory.core.vocab import (
    FindingStatus, InspectionOutcome, InspectionStatus, QualificationState, SafetyAspect, SanctionKind,
    SanctionStatus, ViolationKind, WorkflowAction,
)
from inventory.db import get_session
from inventory.http import XLSX_MIMETYPE, download
from inventory.models import Inspection
from inventory.services.inspections import exports, files, inspections, sanctions, views
from inventory.services.inspections.inspections import FINDING, INSPECTION
from inventory.services.inspections.sanctions import SANCTION

TAGS = ["inspections"]
INSPECTION_ACTIONS = person_actions(INSPECTION)
FINDING_ACTIONS = person_actions(FINDING)
SANCTION_ACTIONS = person_actions(SANCTION)


class InspectionQuery(PageQuery):
    status: Annotated[InspectionStatus, Blank] = None
    outcome: Annotated[InspectionOutcome, Blank] = None
    enterprise: Annotated[str, Blank] = Field(default=None, max_length=32, description="enterprise code")
    inspected_from: Annotated[date, Blank] = None
    inspected_to: Annotated[date, Blank] = None

    def filters(self) -> inspections.InspectionFilter:
        return inspections.InspectionFilter(status=self.status or "", outcome=self.outcome or "",
                                            enterprise=self.enterprise or "", inspected_from=self.inspected_from,
                                            inspected_to=self.inspected_to)


class ExportQuery(Query):
    format: Literal["csv", "xlsx"] = "csv"
    status: Annotated[InspectionStatus, Blank] = None
    outcome: Annotated[InspectionOutcome, Blank] = None
    enterprise: Annotated[str, Blank] = Field(default=None, max_length=32, description="enterprise code")
    inspected_from: Annotated[date, Blank] = None
    inspected_to: Annotated[date, Blank] = None

    def filters(self) -> inspections.InspectionFilter:
        return InspectionQuery.filters(self)  # type: ignore[arg-type]


class LotCheckIn(StrictBody):
    lot_id: RowId
    counted: NonNegativeQuantity = Field(description="what was counted on the floor")
    note: str = Field(default="", max_length=500)


class SafetyIn(StrictBody):
    ok: StrictBool = Field(description="in order")
    note: str = Field(default="", max_length=500)


class FindingIn(StrictBody):
    kind: ViolationKind = Field(description="one of the ten violations of §六(二)")
    evidence: str = Field(min_length=1, max_length=2000, description="what was seen")
    note: str = Field(default="", max_length=500)


class InspectionIn(StrictBody):
    enterprise: str = Field(min_length=1, max_length=32, description="enterprise code")
    facility: str = Field(default="", max_length=32, description="facility code, when one facility is inspected")
    inspected_on: date
    scope: str = Field(min_length=1, max_length=2000)
    quality_findings: str = Field(default="", max_length=2000)
    safety: dict[SafetyAspect, SafetyIn] = Field(default={}, description="fire, theft, flood, power")
    lots: list[LotCheckIn] = Field(default=[], max_length=500, description="the quantity check, lot by lot")
    findings: list[FindingIn] = Field(default=[], max_length=10, description="the violations found (checklist)")

    def given(self) -> inspections.InspectionInput:
        return inspections.InspectionInput(
            enterprise=self.enterprise, facility=self.facility, inspected_on=self.inspected_on, scope=self.scope,
            quality_findings=self.quality_findings,
            safety={str(k): inspections.SafetyInput(ok=v.ok, note=v.note) for k, v in self.safety.items()},
            lots=tuple(inspections.LotCheckInput(lot_id=c.lot_id, counted=c.counted, note=c.note) for c in self.lots),
            findings=tuple(inspections.FindingInput(kind=str(f.kind), evidence=f.evidence, note=f.note)
                           for f in self.findings))


class NoteIn(StrictBody):
    note: str = Field(default="", max_length=500, description="required to send back or reject")


class FindingDecision(StrictBody):
    corrective_action: str = Field(default="", max_length=2000, description="with `answer` (required there)")
    corrective_due_on: date | None = Field(default=None, description="with `answer` (required there): by when")
    note: str = Field(default="", max_length=500, description="with `close` or `send_back` (required there)")


class InterviewIn(StrictBody):
    held_on: date
    minutes: str = Field(min_length=1, max_length=4000)


class ProposalIn(StrictBody):
    kind: Literal["suspension", "revocation", "reinstatement"]
    decided_on: date
    minutes: str = Field(min_length=1, max_length=4000, description="the grounds")


class InspectionOut(Out):
    id: int
    code: str
    enterprise_id: int
    facility_id: int | None
    bureau_id: int
    inspected_on: date
    scope: str
    quality_findings: str
    safety: dict[str, Any] = Field(description="aspect -> {ok, note}; `systems`: the facility's safety systems then")
    status: InspectionStatus
    outcome: InspectionOutcome
    recorded_by: int
    created_at: Timestamp
    closed_by: int | None
    closed_at: Timestamp | None
    close_note: str


class LotCheckOut(BaseModel):
    lot_id: int
    lot_code: str
    book: Quantity
    counted: Quantity
    difference: Quantity = Field(description="counted - book")
    note: str


class FindingOut(Out):
    id: int
    kind: ViolationKind
    evidence: str
    note: str
    status: FindingStatus
    corrective_action: str
    corrective_due_on: date | None
    answered_by: int | None
    answered_at: Timestamp | None
    return_note: str
    closed_by: int | None
    closed_at: Timestamp | None
    close_note: str
    timeline: list[StepOut] = []
    actions: list[WorkflowAction] = Field(default=[], description="`POST /inspection-findings/{id}/actions/{action}`")


class PhotoOut(Out):
    id: int
    sha256: str
    media_type: str
    size: int
    filename: str
    caption: str
    uploaded_by: int
    uploaded_at: Timestamp


class SanctionOut(Out):
    id: int
    code: str
    kind: SanctionKind
    status: SanctionStatus
    enterprise_id: int
    inspection_id: int
    org_id: int = Field(description="who recorded or proposed it")
    decided_on: date
    minutes: str
    proposed_by: int
    created_at: Timestamp
    decided_by: int | None
    decided_at: Timestamp | None
    decision_note: str
    timeline: list[StepOut] = []
    actions: list[WorkflowAction] = Field(default=[], description="`POST /sanctions/{id}/actions/{action}`")


class InspectionDetail(InspectionOut):
    qualification: QualificationState = Field(description="the enterprise's storage qualification now")
    lots: list[LotCheckOut]
    findings: list[FindingOut]
    photos: list[PhotoOut]
    sanctions: list[SanctionOut]
    timeline: list[StepOut]
    actions: list[WorkflowAction] = Field(description="`POST /inspections/{id}/actions/{action}`")

    @classmethod
    def of(cls, seen: views.InspectionView) -> InspectionDetail:
        return cls.model_validate({
            **InspectionOut.model_validate(seen.inspection).model_dump(), "qualification": seen.qualification,
            "lots": [LotCheckOut(lot_id=lot.id, lot_code=lot.lot_code, book=check.book, counted=check.counted,
                                 difference=check.counted - check.book, note=check.note) for check, lot in seen.lots],
            "findings": [{**FindingOut.model_validate(f.finding).model_dump(),
                          "timeline": [StepOut.model_validate(s.step) for s in f.steps],
                          "actions": sorted(f.actions)} for f in seen.findings],
            "photos": [PhotoOut.model_validate(p) for p in seen.photos],
            "sanctions": [{**SanctionOut.model_validate(s.sanction).model_dump(),
                           "timeline": [StepOut.model_validate(step.step) for step in s.steps],
                           "actions": sorted(s.actions)} for s in seen.sanctions],
            "timeline": [StepOut.model_validate(s.step) for s in seen.steps], "actions": sorted(seen.actions)})


class PhotoUpload(BaseModel):
    file: Annotated[Any, WithJsonSchema({"type": "string", "format": "binary"})] = Field(
        description="a JPEG, PNG or WebP photo or a PDF (checked by content), at most 5 MB")
    caption: str = Field(default="", max_length=255)


InspectionPage = page_of(InspectionOut)


def _detail(inspection_id: int) -> InspectionDetail:
    return InspectionDetail.of(views.inspection_view(session=get_session(), actor=current_user(),
                                                     inspection_id=inspection_id))


def _sanction(row) -> SanctionOut:
    """The sanction as its inspection's page shows it: with its timeline and the caller's actions."""
    seen = views.inspection_view(session=get_session(), actor=current_user(), inspection_id=row.inspection_id)
    shown = next(s for s in seen.sanctions if s.sanction.id == row.id)
    return SanctionOut.model_validate({**SanctionOut.model_validate(shown.sanction).model_dump(),
                                       "timeline": [StepOut.model_validate(step.step) for step in shown.steps],
                                       "actions": sorted(shown.actions)})


def _action(action: str, allowed: list[str]) -> WorkflowAction:
    if action not in allowed:
        raise Invalid.field("action", _l("one of %(choices)s", choices=", ".join(allowed)))
    return WorkflowAction(action)


@bp.get("/inspections")
@spec.validate(query=InspectionQuery, resp=errors(403, 422, HTTP_200=InspectionPage), tags=TAGS)
def list_inspections():
    """Inspections visible to the caller, oldest first: the enterprise its own, a bureau those it made, the
    city-wide roles all; filtered by `status`, `outcome`, `enterprise` and the inspection day."""
    params = request.context.query
    query = inspections.inspections_query(get_session(), current_user(), params.filters())
    rows, cursor = page(query, [Inspection.id], params)
    return InspectionPage(items=rows, next_cursor=cursor)


@bp.post("/inspections")
@spec.validate(json=InspectionIn, resp=errors(*BODY, 403, HTTP_201=InspectionDetail), tags=TAGS)
@idempotent
def create_inspection():
    """Record an inspection (a reserve bureau's inspector, officer or approver) of an enterprise storing its
    materials: each violation found becomes a finding for the enterprise and a recorded violation."""
    session = get_session()
    row = inspections.record_inspection(session=session, actor=current_user(), given=request.context.json.given())
    session.commit()
    return _detail(row.id), 201


@bp.get("/inspections/<int:inspection_id>")
@spec.validate(resp=errors(404, HTTP_200=InspectionDetail), tags=TAGS)
def get_inspection(inspection_id: int):
    """The inspection with its lot checks, findings, photos, sanctions, timelines and the caller's actions."""
    return _detail(inspection_id)


@bp.post("/inspections/<int:inspection_id>/actions/<action>")
@spec.validate(json=NoteIn, resp=errors(*BODY, 403, 404, 409, HTTP_200=InspectionDetail), tags=TAGS)
@path_enums(action=INSPECTION_ACTIONS)
def decide_inspection(inspection_id: int, action: str):
    """close: the inspecting bureau, once every finding is closed (409 `findings_open` before)."""
    _action(action, INSPECTION_ACTIONS)
    session = get_session()
    inspections.close_inspection(session=session, actor=current_user(), inspection_id=inspection_id,
                                 note=request.context.json.note)
    session.commit()
    return _detail(inspection_id)


@bp.post("/inspection-findings/<int:finding_id>/actions/<action>")
@spec.validate(json=FindingDecision, resp=errors(*BODY, 403, 404, 409, HTTP_200=FindingOut), tags=TAGS)
@path_enums(action=FINDING_ACTIONS)
def decide_finding(finding_id: int, action: str):
    """answer (the enterprise: `corrective_action` and `corrective_due_on`), close or send_back (the inspecting
    bureau, not the person who answered; a reason in `note` to send back)."""
    chosen = _action(action, FINDING_ACTIONS)
    body, session, actor = request.context.json, get_session(), current_user()
    if chosen == WorkflowAction.answer:
        if body.note:
            raise Invalid.field("note", _l("given with close or send_back only"))
        row = inspections.answer_finding(session=session, actor=actor, finding_id=finding_id,
                                         corrective_action=body.corrective_action,
                                         corrective_due_on=body.corrective_due_on)
    else:
        if body.corrective_action or body.corrective_due_on:
            raise Invalid.field("corrective_action", _l("given with answer only"))
        row = inspections.judge_finding(session=session, actor=actor, finding_id=finding_id, action=chosen,
                                        note=body.note)
    session.commit()
    seen = views.inspection_view(session=session, actor=actor, inspection_id=row.inspection_id)
    shown = next(f for f in seen.findings if f.finding.id == finding_id)
    return FindingOut.model_validate({**FindingOut.model_validate(shown.finding).model_dump(),
                                      "timeline": [StepOut.model_validate(s.step) for s in shown.steps],
                                      "actions": sorted(shown.actions)})


@bp.post("/inspections/<int:inspection_id>/photos")
@spec.validate(form=PhotoUpload, resp=errors(400, 403, 404, 409, 413, 415, 422, HTTP_201=PhotoOut), tags=TAGS)
@accepts_upload
def upload_inspection_photo(inspection_id: int):
    """Add a photo or document (the inspecting bureau, while the inspection is open); the type is read from the
    content, not the name."""
    form, session = request.context.form, get_session()
    upload = form.file if hasattr(form.file, "read") else None
    photo = files.add_photo(session=session, actor=current_user(), inspection_id=inspection_id,
                            filename=(upload.filename if upload else "") or "",
                            content=upload.read() if upload else b"", caption=form.caption or "")
    session.commit()
    return PhotoOut.model_validate(photo), 201


@bp.get("/inspections/<int:inspection_id>/photos/<int:photo_id>")
@spec.validate(resp=errors(404, 409), tags=TAGS)
@file_download("image/jpeg", "image/png", "image/webp", "application/pdf")
def get_inspection_photo(inspection_id: int, photo_id: int):
    """The photo's bytes, with the type found in its content; 409 `file_altered` if they no longer match their
    hash."""
    photo, content = files.open_photo(session=get_session(), actor=current_user(), inspection_id=inspection_id,
                                      photo_id=photo_id)
    # bytes, not send_file's passthrough response, which spectree's validation would try to read (at most 5 MB)
    return content, 200, {"Content-Type": photo.media_type, "X-Content-Type-Options": "nosniff",
                                    "Content-Security-Policy": "default-src 'none'; sandbox",
                                    "Content-Disposition": f"inline; filename*=UTF-8''{quote(photo.filename)}"}


@bp.post("/inspections/<int:inspection_id>/interviews")
@spec.validate(json=InterviewIn, resp=errors(*BODY, 403, 404, 409, HTTP_201=SanctionOut), tags=TAGS)
@idempotent
def record_interview(inspection_id: int):
    """Record an interview (约谈) with the enterprise: the development-and-reform commission, the finance bureau
    (coordinators) or the inspecting bureau's officer or approver. The enterprise becomes `interviewed`."""
    body, session = request.context.json, get_session()
    row = sanctions.record_interview(session=session, actor=current_user(), inspection_id=inspection_id,
                                     held_on=body.held_on, minutes=body.minutes)
    session.commit()
    return _sanction(row), 201


@bp.post("/inspections/<int:inspection_id>/sanctions")
@spec.validate(json=ProposalIn, resp=errors(*BODY, 403, 404, 409, HTTP_201=SanctionOut), tags=TAGS)
@idempotent
def propose_sanction(inspection_id: int):
    """Propose to suspend, revoke (after an interview: 409 `interview_first`) or reinstate the enterprise's storage
    qualification (the inspecting bureau); its approver decides at `/sanctions/{id}/actions/{action}`."""
    body, session = request.context.json, get_session()
    row = sanctions.propose(session=session, actor=current_user(), inspection_id=inspection_id, kind=body.kind,
                            decided_on=body.decided_on, minutes=body.minutes)
    session.commit()
    return _sanction(row), 201


@bp.post("/sanctions/<int:sanction_id>/actions/<action>")
@spec.validate(json=NoteIn, resp=errors(*BODY, 403, 404, 409, HTTP_200=SanctionOut), tags=TAGS)
@path_enums(action=SANCTION_ACTIONS)
def decide_sanction(sanction_id: int, action: str):
    """approve (in force at once: the qualification changes) or reject with a reason (the inspecting bureau's
    approver, not the proposer); withdraw (the proposer)."""
    chosen = _action(action, SANCTION_ACTIONS)
    session = get_session()
    row = sanctions.decide(session=session, actor=current_user(), sanction_id=sanction_id, action=chosen,
                           note=request.context.json.note)
    session.commit()
    return _sanction(row)


@bp.get("/inspections/export")
@spec.validate(query=ExportQuery, resp=errors(403, 422), tags=["exports"])
@file_download("text/csv", XLSX_MIMETYPE)
def export_inspections():
    """The inspections visible to the caller, filtered like `GET /inspections`, as CSV or XLSX."""
    query, session = request.context.query, get_session()
    table = exports.inspection_table(session=session, actor=current_user(), filters=query.filters(),
                                     fmt=query.format)
    return download(table, query.format, session=session)


@bp.get("/inspections/findings/export")
@spec.validate(query=ExportQuery, resp=errors(403, 422), tags=["exports"])
@file_download("text/csv", XLSX_MIMETYPE)
def export_inspection_findings():
    """The findings of the inspections visible to the caller, filtered like `GET /inspections`, as CSV or XLSX."""
    query, session = request.context.query, get_session()
    table = exports.finding_table(session=session, actor=current_user(), filters=query.filters(), fmt=query.format)
    return download(table, query.format, session=session)
