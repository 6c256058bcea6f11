"""Dispatch plans (动用, reserve-materials-measures §四(一)) over the API: draft, edit, co-sign, approve.

The ``action`` of ``/dispatches/{id}/actions/{action}`` is one a person takes in the dispatch flow of the workflow
registry (services/workflows/dispatch.py): ``approve`` is a co-signature while the plan collects them and the
government's approval once it has all three. The body's fields are the plan's as the service names them, so a
422 names the same field (``lines[0].unit_price``) whether pydantic or the service found it.
"""
from __future__ import annotations

from datetime import date
from typing import Annotated

from flask import request
from pydantic import BaseModel, Field

from inventory import scope
from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.idempotency import idempotent
from inventory.api.pagination import page
from inventory.api.schemas import (
    BODY, Blank, NonNegativeQuantity, Out, PageQuery, PositiveQuantity, Quantity, RowId, StrictBody, Timestamp,
    errors, page_of,
)
from inventory.api.spec import path_enums, spec
from inventory.api.stock.requests import person_actions
from inventory.core.errors import Invalid
from inventory.core.vocab import DispatchParty, DispatchStatus, DispatchTrigger, WorkflowAction
from inventory.db import get_session
from inventory.models import Dispatch
from inventory.services.workflows import dispatch, dispatch_views
from inventory.services.workflows.dispatch import DISPATCH
from inventory.services.workflows.dispatch_allocation import AllocationInput
from inventory.services.workflows.dispatch_plan import LineInput, PlanInput

TAGS = ["dispatches"]
ACTIONS = person_actions(DISPATCH)


class DispatchQuery(PageQuery):
    status: Annotated[DispatchStatus, Blank] = None


class LineIn(StrictBody):
    material: str = Field(min_length=1, max_length=32, description="material code")
    quantity: PositiveQuantity
    unit_price: NonNegativeQuantity | None = Field(default=None, description="yuan per unit, at most 2 decimals; "
                                                                            "required to submit")
    price_note: str = Field(default="", max_length=255, description="why, when the price is 0 (a free allocation)")


class PlanIn(StrictBody):
    """The whole plan; a draft may leave any field empty, submitting needs them all."""

    trigger: DispatchTrigger | None = Field(default=None, description="the case of §四(一)")
    trigger_description: str = Field(default="", max_length=2000)
    recipients: str = Field(default="", max_length=500, description="who receives and uses the stock (使用安排)")
    district: str = Field(default="", max_length=32, description="destination district code")
    address: str = Field(default="", max_length=255)
    transport: str = Field(default="", max_length=2000, description="transport arrangement (运输保障)")
    requested_on: date | None = None
    lines: list[LineIn] = Field(default=[], max_length=200)

    def plan(self) -> PlanInput:
        return PlanInput(
            trigger=self.trigger or "", trigger_description=self.trigger_description, recipients=self.recipients,
            district=self.district, address=self.address, transport=self.transport, requested_on=self.requested_on,
            lines=tuple(LineInput(material=line.material, quantity=line.quantity, unit_price=line.unit_price,
                                  price_note=line.price_note) for line in self.lines))


class AllocationIn(StrictBody):
    line_id: RowId
    lot_id: RowId
    quantity: PositiveQuantity


class DispatchDecision(StrictBody):
    note: str = Field(default="", max_length=500, description="required to reject")
    allocations: list[AllocationIn] | None = Field(
        default=None, max_length=2000,
        description="with the government's approval only: replaces the FEFO proposal; each line covered exactly")


class DispatchOut(Out):
    id: int
    code: str
    status: DispatchStatus
    trigger: str = Field(description="DispatchTrigger, or empty in a draft")
    trigger_description: str
    recipients: str
    district_id: int | None
    address: str
    transport: str
    requested_on: date | None
    drafted_by: int
    drafting_org_id: int
    bureau_id: int | None = Field(description="the reserve bureau responsible for the materials")
    round: int = Field(description="submission round; a rejection starts the next")
    submitted_by: int | None
    approved_by: int | None
    approval_note: str
    rejected_by: int | None
    rejection_note: str = Field(description="the last rejection's reason")
    cancelled_by: int | None
    cancel_note: str
    created_at: Timestamp


class LineOut(Out):
    id: int
    material_id: int
    quantity: Quantity
    unit_price: Quantity | None
    price_note: str


class AllocationOut(Out):
    line_id: int
    lot_id: int
    enterprise_id: int
    quantity: Quantity


class SignatureOut(Out):
    party: DispatchParty
    signed_by: int | None
    signed_at: Timestamp | None


class StepOut(Out):
    action: str
    from_status: str | None
    to_status: str
    actor_id: int | None
    role: str
    org_id: int | None
    note: str
    at: Timestamp


class DispatchDetail(DispatchOut):
    lines: list[LineOut]
    allocations: list[AllocationOut] = Field(description="stored at approval; an enterprise sees its own only")
    signatures: list[SignatureOut] = Field(description="this round's co-signatures, one per party")
    timeline: list[StepOut] = Field(description="every step of every round, oldest first")

    @classmethod
    def of(cls, seen: dispatch_views.DispatchView) -> DispatchDetail:
        plan = seen.dispatch
        return cls.model_validate({
            **DispatchOut.model_validate(plan).model_dump(),
            "lines": [LineOut.model_validate(shown.line) for shown in seen.lines],
            "allocations": [AllocationOut.model_validate(shown.allocation) for shown in seen.allocations],
            "signatures": [SignatureOut(party=s.party, signed_by=getattr(plan, f"{s.party}_signed_by"),
                                        signed_at=getattr(plan, f"{s.party}_signed_at")) for s in seen.signatures],
            "timeline": [StepOut.model_validate(shown.step) for shown in seen.steps]})


class AllocationProposal(BaseModel):
    """What the approval would allocate now, first expiry first out across enterprises; nothing is stored."""

    items: list[AllocationOut]


DispatchPage = page_of(DispatchOut)


def _detail(dispatch_id: int) -> DispatchDetail:
    return DispatchDetail.of(dispatch_views.dispatch_view(session=get_session(), actor=current_user(),
                                                          dispatch_id=dispatch_id))


def _action(action: str) -> WorkflowAction:
    if action not in ACTIONS:
        raise Invalid.field("action", f"one of {', '.join(ACTIONS)}")
    return WorkflowAction(action)


@bp.get("/dispatches")
@spec.validate(query=DispatchQuery, resp=errors(422, HTTP_200=DispatchPage), tags=TAGS)
def list_dispatches():
    """Plans visible to the caller, oldest first (`?status=`): the whole city for coordinators and the
    government, a bureau's own materials, an enterprise's once its stock is allocated."""
    params = request.context.query
    query = scope.dispatches_query(get_session(), current_user())
    if params.status:
        query = query.where(Dispatch.status == params.status)
    rows, cursor = page(query, [Dispatch.id], params)
    return DispatchPage(items=rows, next_cursor=cursor)


@bp.post("/dispatches")
@spec.validate(json=PlanIn, resp=errors(*BODY, 403, 409, HTTP_201=DispatchDetail), tags=TAGS)
@idempotent
def create_dispatch():
    """Draft a plan (a reserve bureau for its own materials, or a coordinator); fields may stay empty."""
    session = get_session()
    made = dispatch.draft_dispatch(session=session, actor=current_user(), plan=request.context.json.plan())
    session.commit()
    return _detail(made.id), 201


@bp.get("/dispatches/<int:dispatch_id>")
@spec.validate(resp=errors(404, HTTP_200=DispatchDetail), tags=TAGS)
def get_dispatch(dispatch_id: int):
    """The plan with its lines, allocations, signatures and timeline."""
    return _detail(dispatch_id)


@bp.put("/dispatches/<int:dispatch_id>")
@spec.validate(json=PlanIn, resp=errors(*BODY, 403, 404, 409, HTTP_200=DispatchDetail), tags=TAGS)
def edit_dispatch(dispatch_id: int):
    """Replace the whole plan while it is a draft (the drafting organisation)."""
    session = get_session()
    dispatch.edit_dispatch(session=session, actor=current_user(), dispatch_id=dispatch_id,
                           plan=request.context.json.plan())
    session.commit()
    return _detail(dispatch_id)


@bp.post("/dispatches/<int:dispatch_id>/actions/<action>")
@spec.validate(json=DispatchDecision, resp=errors(*BODY, 403, 404, 409, HTTP_200=DispatchDetail), tags=TAGS)
@path_enums(action=ACTIONS)
def decide_dispatch(dispatch_id: int, action: str):
    """submit or cancel (the drafting organisation); approve: co-sign (the development and reform commission,
    the finance bureau, the plan's bureau approver, each once) or, once co-signed, approve (the government, with
    `allocations` to replace the FEFO proposal; 409 `insufficient_stock`); reject with a reason in `note`."""
    body, session = request.context.json, get_session()
    given = None if body.allocations is None else [
        AllocationInput(line_id=a.line_id, lot_id=a.lot_id, quantity=a.quantity) for a in body.allocations]
    dispatch.decide_dispatch(session=session, actor=current_user(), dispatch_id=dispatch_id, action=_action(action),
                             note=body.note, allocations=given)
    session.commit()
    return _detail(dispatch_id)


@bp.get("/dispatches/<int:dispatch_id>/allocations/proposal")
@spec.validate(resp=errors(403, 404, 409, HTTP_200=AllocationProposal), tags=TAGS)
def propose_allocations(dispatch_id: int):
    """The FEFO allocation the government's approval would store now (government approvers); writes nothing."""
    proposed = dispatch.preview_allocations(session=get_session(), actor=current_user(), dispatch_id=dispatch_id)
    return AllocationProposal(items=[AllocationOut.model_validate(a) for a in proposed])
