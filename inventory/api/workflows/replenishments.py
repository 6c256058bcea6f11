"""Replenishments (补充, reserve-materials-measures §四(二)) over the API: list, read, and the bureau's confirmation.

A dispatch's completion proposes one replenishment per enterprise and material (released less recovered); the
bureau approver of the material confirms it, adjusting its quantity or due date, which instructs the enterprise to
receive it (services/workflows/replenishments.py); receipts under that instruction fulfil it.
"""
from __future__ import annotations

from datetime import date
from typing import Annotated

from flask import request
from flask_babel import lazy_gettext as _l
from pydantic import Field

from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.pagination import page
from inventory.api.schemas import BODY, Blank, PageQuery, PositiveQuantity, StrictBody, errors, page_of
from inventory.api.spec import path_enums, spec
from inventory.api.stock.requests import person_actions
from inventory.api.workflows.dispatches import InstructionOut, ReplenishmentOut, StepOut, replenishments_out
from inventory.core.errors import Invalid
from inventory.core.vocab import QualificationState, ReplenishmentStatus, WorkflowAction
from inventory.db import get_session
from inventory.models import Replenishment
from inventory.services.workflows import dispatch_views, instruction_views, replenishments
from inventory.services.workflows.replenishments import REPLENISHMENT

TAGS = ["replenishments"]
ACTIONS = person_actions(REPLENISHMENT)


class ReplenishmentQuery(PageQuery):
    status: Annotated[ReplenishmentStatus, Blank] = None


class ReplenishmentDecision(StrictBody):
    note: str = Field(default="", max_length=500)
    quantity: PositiveQuantity | None = Field(default=None, description="adjusts the proposed quantity")
    due_on: date | None = Field(default=None, description="adjusts the due date: from today to a year ahead")
    enterprise: str = Field(default="", max_length=32, description="organisation code of another enterprise to "
                                                                  "receive it (one that may store the material); "
                                                                  "409 `enterprise_sanctioned` if the receiving "
                                                                  "one is suspended or revoked")


class ReplenishmentDetail(ReplenishmentOut):
    enterprise_qualification: QualificationState = Field(description="suspended or revoked: it may not receive, so "
                                                                     "the bureau confirms it to another enterprise")
    instructions: list[InstructionOut] = Field(description="its receive instructions")
    timeline: list[StepOut] = Field(description="every step, oldest first")
    actions: list[WorkflowAction] = Field(description="what the caller may do now: "
                                                      "`POST /replenishments/{id}/actions/{action}`")

    @classmethod
    def of(cls, seen: instruction_views.ReplenishmentView) -> ReplenishmentDetail:
        return cls.model_validate({
            **ReplenishmentOut.of(seen.replenishment, seen.material, seen.enterprise).model_dump(),
            "enterprise_qualification": seen.qualification,
            "instructions": [InstructionOut.of(shown) for shown in dispatch_views.instruction_rows(
                session=get_session(), rows=seen.instructions)],
            "timeline": [StepOut.model_validate(step.step) for step in seen.steps],
            "actions": sorted(seen.actions)})


ReplenishmentPage = page_of(ReplenishmentOut)


def _detail(replenishment_id: int) -> ReplenishmentDetail:
    return ReplenishmentDetail.of(instruction_views.replenishment_view(
        session=get_session(), actor=current_user(), replenishment_id=replenishment_id))


@bp.get("/replenishments")
@spec.validate(query=ReplenishmentQuery, resp=errors(403, 422, HTTP_200=ReplenishmentPage), tags=TAGS)
def list_replenishments():
    """Replenishments visible to the caller, oldest first (`?status=`): an enterprise its own, a bureau those of
    its materials, city-wide roles all."""
    params = request.context.query
    query = replenishments.replenishments_query(get_session(), current_user())
    if params.status:
        query = query.where(Replenishment.status == params.status)
    rows, cursor = page(query, [Replenishment.id], params)
    return ReplenishmentPage(items=replenishments_out(rows), next_cursor=cursor)


@bp.get("/replenishments/<int:replenishment_id>")
@spec.validate(resp=errors(404, HTTP_200=ReplenishmentDetail), tags=TAGS)
def get_replenishment(replenishment_id: int):
    """The replenishment with its receive instructions and timeline."""
    return _detail(replenishment_id)


@bp.post("/replenishments/<int:replenishment_id>/actions/<action>")
@spec.validate(json=ReplenishmentDecision, resp=errors(*BODY, 403, 404, 409, HTTP_200=ReplenishmentDetail),
               tags=TAGS)
@path_enums(action=ACTIONS)
def decide_replenishment(replenishment_id: int, action: str):
    """confirm (the bureau approver of the material, while proposed), adjusting `quantity` or `due_on`, or naming
    another `enterprise` to receive it: the receiving enterprise is instructed to receive it by the due date; one
    suspended or revoked cannot be (409 `enterprise_sanctioned`)."""
    if action not in ACTIONS:
        raise Invalid.field("action", _l("one of %(choices)s", choices=", ".join(ACTIONS)))
    body, session = request.context.json, get_session()
    replenishments.confirm(session=session, actor=current_user(), replenishment_id=replenishment_id,
                           quantity=body.quantity, due_on=body.due_on, note=body.note, enterprise=body.enterprise)
    session.commit()
    return _detail(replenishment_id)
