"""Scraps (报废, reserve-materials-measures §三) over the API: request, evidence, the bureau's approval, the
witness's sign-off, execution with its replenishment; and the per-material scrap rules.

The ``action`` of ``/scraps/{id}/actions/{action}`` is one a person takes in the scrap flow of the workflow registry
(services/workflows/scraps.py). Evidence files are sent as ``multipart/form-data`` to ``/scraps/{id}/attachments``
and served back inline, with the type their content was checked to be.
"""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from flask import Response, request
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, Field, StrictInt, WithJsonSchema, model_validator

from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.body import accepts_upload
from inventory.api.idempotency import idempotent
from inventory.api.pagination import page
from inventory.api.schemas import (
    BODY, Blank, Out, PageQuery, PositiveQuantity, Quantity, RowId, StrictBody, Timestamp, errors, page_of,
)
from inventory.api.spec import file_download, path_enums, spec
from inventory.api.stock.requests import person_actions
from inventory.api.workflows.dispatches import ReplenishmentOut, StepOut, replenishments_out
from inventory.core.errors import Invalid
from inventory.core.vocab import ScrapAgeBasis, ScrapReason, ScrapStatus, WorkflowAction
from inventory.db import get_session
from inventory.models import Material, Organisation, Replenishment, Scrap, ScrapAttachment
from inventory.services.workflows import dispatch_views, engine, rotation_lists, scraps
from inventory.services.workflows.rotation_lists import ListFilter
from inventory.services.workflows.evidence import SIGNATURES, SUFFIXES, evidence_policy
from inventory.services.workflows.scraps import SCRAP, ScrapInput

TAGS = ["scraps"]
ACTIONS = person_actions(SCRAP)


class ScrapQuery(PageQuery):
    status: Annotated[ScrapStatus, Blank] = None
    material: Annotated[str, Blank] = Field(default=None, max_length=32, description="material code")
    enterprise: Annotated[str, Blank] = Field(default=None, max_length=32, description="organisation code")
    created_from: Annotated[date, Blank] = Field(default=None, description="requested on or after this business day")
    created_to: Annotated[date, Blank] = Field(default=None, description="requested on or before this business day")

    def filters(self) -> ListFilter:
        return ListFilter(status=self.status or "", enterprise=self.enterprise or "", material=self.material or "",
                          created_from=self.created_from, created_to=self.created_to)


class ScrapLineIn(StrictBody):
    lot: RowId = Field(description="lot id")
    quantity: PositiveQuantity


class ScrapCreate(StrictBody):
    """Either one lot (`lot`, `quantity`) or several (`lines`), all of one material of the caller's enterprise."""

    lot: RowId | None = Field(default=None, description="lot id (with `quantity`), or give `lines`")
    quantity: PositiveQuantity | None = None
    lines: list[ScrapLineIn] | None = Field(default=None, min_length=1, max_length=100)
    reason_kind: ScrapReason | None = Field(default=None, description="aged (the material's scrap rule), "
                                                                      "failed_inspection or damaged; inferred "
                                                                      "from the lots when left out")
    reason: str = Field(min_length=1, max_length=2000)

    @model_validator(mode="after")
    def _one_form(self) -> ScrapCreate:
        if self.lines is None and (self.lot is None or self.quantity is None):
            raise ValueError("give `lot` and `quantity`, or `lines`")
        if self.lines is not None and (self.lot is not None or self.quantity is not None):
            raise ValueError("give `lot` and `quantity`, or `lines`, not both")
        return self

    def given(self) -> ScrapInput:
        picks = ((self.lot, self.quantity),) if self.lines is None else tuple((x.lot, x.quantity) for x in self.lines)
        return ScrapInput(lines=picks, reason_kind=self.reason_kind or "", reason=self.reason)


class ScrapDecision(StrictBody):
    note: str = Field(default="", max_length=500, description="required to reject")


class ScrapOut(Out):
    id: int
    code: str
    status: ScrapStatus
    enterprise_id: int
    enterprise: str = Field(description="organisation code")
    material_id: int
    material: str = Field(description="material code")
    quantity: Quantity
    reason_kind: ScrapReason
    reason: str
    requested_by: int
    created_at: Timestamp
    submitted_at: Timestamp | None
    approved_by: int | None
    approved_at: Timestamp | None
    approval_note: str
    witnessed_by: int | None
    witnessed_at: Timestamp | None
    witness_note: str
    rejected_by: int | None
    rejected_at: Timestamp | None
    rejection_note: str
    executed_by: int | None
    executed_at: Timestamp | None
    replenishment_id: int | None = Field(description="the replenishment opened when it was executed")


class ScrapLineOut(Out):
    lot_id: int
    quantity: Quantity


class AttachmentOut(Out):
    id: int
    filename: str
    content_type: str = Field(description="read from the content: image/jpeg, image/png or application/pdf")
    size: int
    sha256: str
    uploaded_by: int
    uploaded_at: Timestamp


class ScrapDetail(ScrapOut):
    lines: list[ScrapLineOut]
    attachments: list[AttachmentOut]
    replenishment: ReplenishmentOut | None
    timeline: list[StepOut]
    actions: list[WorkflowAction] = Field(description="what the caller may do now: "
                                                      "`POST /scraps/{id}/actions/{action}`")


class EvidenceUpload(BaseModel):
    file: Annotated[Any, WithJsonSchema({"type": "string", "format": "binary"})] = Field(
        description="a JPEG or PNG photo or a PDF, checked by its content; at most SCRAP_ATTACHMENT_MAX_BYTES "
                    "(default 10 MB)")


class ScrapRuleIn(StrictBody):
    material: str = Field(min_length=1, max_length=32, description="material code of the caller's bureau")
    age_days: StrictInt = Field(ge=1, le=36500, description="days from production or receipt after which a lot may be "
                                                      "scrapped")
    counted_from: ScrapAgeBasis = ScrapAgeBasis.production
    conditions: str = Field(default="", max_length=500)


class ScrapRuleOut(Out):
    material_id: int
    age_days: int
    counted_from: ScrapAgeBasis
    conditions: str
    set_by: int
    set_at: Timestamp


ScrapPage = page_of(ScrapOut)
ScrapRulePage = page_of(ScrapRuleOut)


def _out(rows: list[Scrap]) -> list[ScrapOut]:
    session = get_session()
    materials = dispatch_views.rows_by_id(session, Material, (r.material_id for r in rows))
    orgs = dispatch_views.rows_by_id(session, Organisation, (r.enterprise_id for r in rows))
    return [ScrapOut.model_validate({**{n: getattr(r, n) for n in ScrapOut.model_fields if hasattr(r, n)},
                                     "material": materials[r.material_id].code,
                                     "enterprise": orgs[r.enterprise_id].code}) for r in rows]


def _detail(scrap_id: int) -> ScrapDetail:
    session, actor = get_session(), current_user()
    row = scraps.visible(session, actor, scrap_id)
    replenishment = session.get(Replenishment, row.replenishment_id) if row.replenishment_id else None
    return ScrapDetail.model_validate({
        **_out([row])[0].model_dump(),
        "lines": [ScrapLineOut.model_validate(line) for line in scraps.lines(session, row.id)],
        "attachments": [AttachmentOut.model_validate(a) for a in scraps.attachments(session, row.id)],
        "replenishment": replenishments_out([replenishment])[0] if replenishment else None,
        "timeline": [StepOut.model_validate(step) for step in engine.timeline(session, flow=SCRAP, row_id=row.id)],
        "actions": scraps.actions_for(session, actor, row)})


@bp.get("/scraps")
@spec.validate(query=ScrapQuery, resp=errors(403, 422, HTTP_200=ScrapPage), tags=TAGS)
def list_scraps():
    """Scraps visible to the caller, oldest first (`?status=&material=&enterprise=&created_from=&created_to=`): an
    enterprise its own, a bureau those of its materials, city-wide roles all."""
    params, session = request.context.query, get_session()
    rows, cursor = page(rotation_lists.scraps_listed(session, current_user(), params.filters()), [Scrap.id], params)
    return ScrapPage(items=_out(rows), next_cursor=cursor)


@bp.post("/scraps")
@spec.validate(json=ScrapCreate, resp=errors(*BODY, 403, HTTP_201=ScrapDetail), tags=TAGS)
@idempotent
def create_scrap():
    """Draft a scrap request (an enterprise, for its own lots): quantities within what each lot holds and no other
    open scrap claims; lots of a scrap-policy material past its scrap rule's age, or that failed inspection, or
    damaged. Attach evidence, then `submit`."""
    session = get_session()
    made = scraps.request_scrap(session=session, actor=current_user(), given=request.context.json.given())
    session.commit()
    return _detail(made.id), 201


@bp.get("/scraps/<int:scrap_id>")
@spec.validate(resp=errors(403, 404, HTTP_200=ScrapDetail), tags=TAGS)
def get_scrap(scrap_id: int):
    """The scrap with its lines, evidence, replenishment, timeline and the caller's actions."""
    return _detail(scrap_id)


@bp.post("/scraps/<int:scrap_id>/actions/<action>")
@spec.validate(json=ScrapDecision, resp=errors(*BODY, 403, 404, 409, HTTP_200=ScrapDetail), tags=TAGS)
@path_enums(action=ACTIONS)
def decide_scrap(scrap_id: int, action: str):
    """submit (the enterprise; evidence required) or cancel it while it waits; approve or reject (the bureau
    approver of the material); witness or reject (a second person of that bureau or its inspector: neither the
    requester nor the approver); execute (the enterprise): posts the scrap movements and opens a replenishment of
    the same quantity in one transaction."""
    if action not in ACTIONS:
        raise Invalid.field("action", _l("one of %(choices)s", choices=", ".join(ACTIONS)))
    session = get_session()
    scraps.decide(session=session, actor=current_user(), scrap_id=scrap_id, action=action,
                  note=request.context.json.note)
    session.commit()
    return _detail(scrap_id)


@bp.post("/scraps/<int:scrap_id>/attachments")
@spec.validate(form=EvidenceUpload, resp=errors(403, 404, 409, 413, 415, HTTP_201=AttachmentOut), tags=TAGS)
@accepts_upload
def attach_evidence(scrap_id: int):
    """Add an evidence file: a JPEG or PNG photo or a PDF (checked by content; 422 otherwise, nothing stored).
    The enterprise while the scrap is a draft or submitted; the bureau's people while submitted or approved."""
    upload = request.context.form.file
    upload = upload if hasattr(upload, "read") else None
    content = upload.read() if upload else b""
    session = get_session()
    added = scraps.attach(session=session, actor=current_user(), scrap_id=scrap_id,
                          filename=(upload.filename if upload else "") or "", content=content)
    session.commit()
    return AttachmentOut.model_validate(added), 201


@bp.get("/scraps/<int:scrap_id>/attachments/<int:attachment_id>")
@spec.validate(resp=errors(403, 404, 409), tags=TAGS)
@file_download(*SIGNATURES)
def get_evidence(scrap_id: int, attachment_id: int):
    """The evidence file, inline, with the type its content was checked to be (409 if it no longer matches its
    recorded SHA-256)."""
    added, content = scraps.attachment_content(session=get_session(), actor=current_user(), scrap_id=scrap_id,
                                               attachment_id=attachment_id)
    return inline(added, content)


def inline(added: ScrapAttachment, content: bytes) -> Response:
    response = Response(content, mimetype=added.content_type)
    response.headers["Content-Disposition"] = f"inline; filename=evidence-{added.id}{_suffix(added)}"
    response.headers["Content-Security-Policy"] = evidence_policy(added.content_type)
    return response


def _suffix(added: ScrapAttachment) -> str:
    return SUFFIXES.get(added.content_type, "")


@bp.get("/scrap-rules")
@spec.validate(query=PageQuery, resp=errors(403, 422, HTTP_200=ScrapRulePage), tags=TAGS)
def list_scrap_rules():
    """Every material's scrap rule (age in days from production or receipt), by material."""
    rows, cursor = page(scraps.rules_query(get_session(), current_user()), [scraps.ScrapRule.id],
                        request.context.query)
    return ScrapRulePage(items=[ScrapRuleOut.model_validate(r) for r in rows], next_cursor=cursor)


@bp.post("/scrap-rules")
@spec.validate(json=ScrapRuleIn, resp=errors(*BODY, 403, HTTP_200=ScrapRuleOut), tags=TAGS)
def set_scrap_rule():
    """Set (or replace) the scrap rule of a scrap-policy material of the caller's bureau."""
    body, session = request.context.json, get_session()
    row = scraps.set_rule(session=session, actor=current_user(), material_code=body.material,
                          age_days=body.age_days, counted_from=body.counted_from, conditions=body.conditions)
    session.commit()
    return ScrapRuleOut.model_validate(row)

