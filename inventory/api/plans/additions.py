"""Temporary additions over the API (临时储备, reserve-materials-measures §二(四), docs/plans.md): drafted, submitted,
approved by the government, then let lapse or proposed into the catalogue once their period ends. The rules are
services/plans/additions.py's."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from flask import request
from flask_babel import lazy_gettext as _l
from pydantic import Field

from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.idempotency import idempotent
from inventory.api.pagination import page
from inventory.api.plans.catalogue import DocumentDecision
from inventory.api.schemas import BODY, Blank, Out, PageQuery, PositiveQuantity, Quantity, StrictBody, Timestamp, \
    errors, page_of
from inventory.api.spec import path_enums, spec
from inventory.api.stock.requests import person_actions
from inventory.api.workflows.dispatches import StepOut
from inventory.core.errors import Invalid
from inventory.core.vocab import AdditionStatus, WorkflowAction
from inventory.db import get_session
from inventory.models import Material, TemporaryAddition
from inventory.services.plans import additions
from inventory.services.workflows import engine
from inventory.services.workflows.dispatch_views import rows_by_id

TAGS = ["plans"]
ACTIONS = person_actions(additions.ADDITION)


class AdditionQuery(PageQuery):
    status: Annotated[AdditionStatus, Blank] = None


class AdditionIn(StrictBody):
    material: str = Field(min_length=1, max_length=32, description="material code; a bureau's own")
    quantity: PositiveQuantity
    reason: str = Field(min_length=1, max_length=2000)
    starts_on: date
    ends_on: date = Field(description="on or after starts_on")
    enterprise: str | None = Field(default=None, max_length=32, description="storage enterprise code")

    def given(self) -> additions.AdditionInput:
        return additions.AdditionInput(material=self.material, quantity=self.quantity, reason=self.reason,
                                       starts_on=self.starts_on, ends_on=self.ends_on,
                                       enterprise=self.enterprise or None)


class AdditionOut(Out):
    id: int
    code: str
    status: AdditionStatus
    bureau_id: int
    material_id: int
    material: str = Field(description="material code")
    enterprise_id: int | None
    quantity: Quantity
    reason: str
    starts_on: date
    ends_on: date
    requested_by: int
    created_at: Timestamp
    submitted_at: Timestamp | None
    approved_by: int | None
    approved_at: Timestamp | None
    rejection_note: str
    decided_by: int | None
    decided_at: Timestamp | None
    decision_note: str
    catalogue_version_id: int | None = Field(description="the draft catalogue version it was proposed into")


class AdditionDetail(AdditionOut):
    timeline: list[StepOut]
    actions: list[WorkflowAction] = Field(description="`POST /temporary-additions/{id}/actions/{action}`")


AdditionPage = page_of(AdditionOut)


def _out(rows: list[TemporaryAddition]) -> list[AdditionOut]:
    materials = rows_by_id(get_session(), Material, (r.material_id for r in rows))
    return [AdditionOut.model_validate({**r.model_dump(), "material": materials[r.material_id].code}) for r in rows]


def _detail(addition_id: int) -> AdditionDetail:
    session, actor = get_session(), current_user()
    row = additions.visible(session, actor, addition_id)
    return AdditionDetail.model_validate({
        **_out([row])[0].model_dump(),
        "timeline": [StepOut.model_validate(s) for s in engine.timeline(session, flow=additions.ADDITION,
                                                                         row_id=row.id)],
        "actions": additions.actions_for(session, actor, row)})


@bp.get("/temporary-additions")
@spec.validate(query=AdditionQuery, resp=errors(403, 422, HTTP_200=AdditionPage), tags=TAGS)
def list_temporary_additions():
    """Temporary additions the caller may see, oldest first (`?status=`)."""
    params, session = request.context.query, get_session()
    query = additions.additions_query(session, current_user())
    if params.status:
        query = query.where(TemporaryAddition.status == params.status)
    rows, cursor = page(query, [TemporaryAddition.id], params)
    return AdditionPage(items=_out(rows), next_cursor=cursor)


@bp.post("/temporary-additions")
@spec.validate(json=AdditionIn, resp=errors(*BODY, 403, HTTP_201=AdditionDetail), tags=TAGS)
@idempotent
def create_temporary_addition():
    """Draft an addition (bureau staff for a material of their bureau, or a coordinator); 422 names every bad
    field, nothing written."""
    session = get_session()
    made = additions.draft_addition(session=session, actor=current_user(), given=request.context.json.given())
    session.commit()
    return _detail(made.id), 201


@bp.get("/temporary-additions/<int:addition_id>")
@spec.validate(resp=errors(403, 404, HTTP_200=AdditionDetail), tags=TAGS)
def get_temporary_addition(addition_id: int):
    """The addition with its timeline and the caller's actions."""
    return _detail(addition_id)


@bp.post("/temporary-additions/<int:addition_id>/actions/<action>")
@spec.validate(json=DocumentDecision, resp=errors(*BODY, 403, 404, 409, HTTP_200=AdditionDetail), tags=TAGS)
@path_enums(action=ACTIONS)
def decide_temporary_addition(addition_id: int, action: str):
    """submit or withdraw (the drafting organisation); approve or reject with a reason (the government, not the
    drafter); from the period's last day lapse or propose into the catalogue (the bureau's approver or a
    coordinator; proposing adds its line to the current draft catalogue version)."""
    if action not in ACTIONS:
        raise Invalid.field("action", _l("one of %(choices)s", choices=", ".join(ACTIONS)))
    session = get_session()
    additions.decide(session=session, actor=current_user(), addition_id=addition_id, action=action,
                     note=request.context.json.note)
    session.commit()
    return _detail(addition_id)
