"""What the catalogue-version and annual-plan endpoints share: the list filtered by status, the detail with the
round's signatures, who is still to sign, the timeline and the caller's actions, and a step taken
(services/plans/documents.py)."""
from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from pydantic import Field

from inventory.api.auth import current_user
from inventory.api.pagination import page
from inventory.api.schemas import Out, PageQuery, Quantity, Timestamp
from inventory.api.workflows.dispatches import StepOut
from inventory.core.errors import Invalid
from inventory.core.vocab import PlanStatus, WorkflowAction
from inventory.db import get_session
from inventory.models import Material, Organisation
from inventory.services.plans.documents import DocumentFlow
from inventory.services.workflows import engine
from inventory.services.workflows.dispatch_views import rows_by_id


class DocumentSignatureOut(Out):
    party_org_id: int
    party: str = Field(description="organisation code")
    signed_by: int
    signed_at: Timestamp
    note: str


class DocumentOut(Out):
    id: int
    code: str
    title: str
    note: str
    status: PlanStatus
    round: int = Field(description="submission round; a rejection starts the next")
    requested_by: int
    drafting_org_id: int
    created_at: Timestamp
    submitted_at: Timestamp | None
    approved_by: int | None
    approved_at: Timestamp | None
    approval_note: str
    rejected_by: int | None
    rejection_note: str
    superseded_at: Timestamp | None


class DocumentLineOut(Out):
    """What every line of a catalogue version or an annual plan says; each adds its organisation. Never named in a
    response itself, so the OpenAPI components stay ``CatalogueLineOut`` and ``PlanLineOut``."""

    material_id: int
    material: str = Field(description="material code")
    unit: str
    target_quantity: Quantity
    storage_months: int


class DocumentDetail(Out):
    parties: list[str] = Field(description="organisation codes that sign each round")
    signatures: list[DocumentSignatureOut] = Field(description="this round's signatures")
    missing: list[str] = Field(description="parties yet to sign while co-signing")
    timeline: list[StepOut]
    actions: list[WorkflowAction] = Field(description="what the caller may do now: `POST …/actions/{action}`")


def document_parts(session, actor, kind: DocumentFlow, row) -> dict:
    """The detail's fields every document has, besides the row's own and its lines."""
    parties = kind.parties(session, row)
    signatures = kind.round_signatures(session, row)
    missing = kind.missing_parties(session, row)
    orgs = rows_by_id(session, Organisation, [*parties, *(s.party_org_id for s in signatures)])
    return {
        "parties": [orgs[p].code for p in parties],
        "signatures": [DocumentSignatureOut.model_validate({**s.model_dump(), "party": orgs[s.party_org_id].code})
                       for s in signatures],
        "missing": [orgs[p].code for p in missing],
        "timeline": [StepOut.model_validate(s) for s in engine.timeline(session, flow=kind.flow, row_id=row.id)],
        "actions": kind.actions_for(session, actor, row)}



def document_detail(kind: DocumentFlow, row: Any, out: type[Out], detail: type[Out], line_out: type[Out],
                    org: str) -> Any:
    """``detail`` of a row the caller may see: its ``out`` fields, its lines with their material's code and unit and
    the code of their ``org`` (a catalogue line's bureau, a plan line's enterprise or none), and the document parts."""
    session = get_session()
    lines = kind.lines(session, row.id)
    materials = rows_by_id(session, Material, (line.material_id for line in lines))
    orgs = rows_by_id(session, Organisation, (getattr(line, f"{org}_id") for line in lines))
    return detail.model_validate({**out.model_validate(row).model_dump(), "lines": [line_out.model_validate({
        **line.model_dump(), "material": materials[line.material_id].code, "unit": materials[line.material_id].unit,
        org: orgs[getattr(line, f"{org}_id")].code if getattr(line, f"{org}_id") else None}) for line in lines],
        **document_parts(session, current_user(), kind, row)})


def documents_page(kind: DocumentFlow, out: type[Out], page_model: type, *where: Any) -> Any:
    """One page of the caller's rows, oldest first, of ``?status=`` and ``where`` (what else the endpoint asks)."""
    params: PageQuery = request.context.query
    query = kind.rows_query(get_session(), current_user()).where(*where)
    if params.status:
        query = query.where(kind.model.status == params.status)
    rows, cursor = page(query, [kind.model.id], params)
    return page_model(items=[out.model_validate(r) for r in rows], next_cursor=cursor)


def take_step(kind: DocumentFlow, row_id: int, action: str, actions: list[str]) -> None:
    """A person's step on a document with the body's note, committed; an unknown action is a 422 on ``action``."""
    if action not in actions:
        raise Invalid.field("action", _l("one of %(choices)s", choices=", ".join(actions)))
    session = get_session()
    kind.decide(session, actor=current_user(), row_id=row_id, action=action, note=request.context.json.note)
    session.commit()
