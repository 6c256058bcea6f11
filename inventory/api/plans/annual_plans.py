"""Annual reserve plans over the API (reserve-materials-measures §二(三), docs/plans.md): a year's versions, the
draft's lines (material, optional enterprise, target, storage period), the co-signatures and the government's
approval, amendments as the year's next version. The rules are services/plans/annual_plans.py's."""
from __future__ import annotations

from typing import Annotated

from flask import request
from pydantic import Field, StrictInt

from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.idempotency import idempotent
from inventory.api.plans.catalogue import DocumentDecision
from inventory.api.plans.documents import (
    DocumentDetail, DocumentLineOut, DocumentOut, document_detail, documents_page, take_step,
)
from inventory.api.schemas import BODY, Blank, PageQuery, PositiveQuantity, StrictBody, errors, page_of
from inventory.api.spec import path_enums, spec
from inventory.api.stock.requests import person_actions
from inventory.core.vocab import PlanStatus
from inventory.db import get_session
from inventory.models import AnnualPlan
from inventory.services.plans import annual_plans

TAGS = ["plans"]
ACTIONS = person_actions(annual_plans.ANNUAL_PLAN.flow)
Year = Annotated[StrictInt, Field(ge=2000, le=2100)]


class PlanQuery(PageQuery):
    status: Annotated[PlanStatus, Blank] = None
    year: Annotated[int, Blank] = Field(default=None, ge=2000, le=2100)


class PlanLineIn(StrictBody):
    material: str = Field(min_length=1, max_length=32, description="material code: a reserve variety (422 else)")
    enterprise: str | None = Field(default=None, max_length=32, description="storage enterprise code; none: "
                                                                              "city-wide")
    target_quantity: PositiveQuantity
    storage_months: Annotated[StrictInt, Field(ge=1, le=600)] = 12

    def given(self) -> annual_plans.PlanLineInput:
        return annual_plans.PlanLineInput(self.material, self.target_quantity, self.enterprise or None,
                                          self.storage_months)


class PlanEdit(StrictBody):
    title: str = Field(default="", max_length=200)
    note: str = Field(default="", max_length=2000)
    lines: list[PlanLineIn] = Field(default_factory=list, max_length=500)


class AnnualPlanIn(PlanEdit):
    year: Year


class PlanLineOut(DocumentLineOut):
    enterprise_id: int | None
    enterprise: str | None = Field(description="enterprise code; null: city-wide")


class PlanOut(DocumentOut):
    year: int
    version: int
    amends_id: int | None


class PlanDetail(PlanOut, DocumentDetail):
    lines: list[PlanLineOut]


PlanPage = page_of(PlanOut)


def _detail(plan_id: int) -> PlanDetail:
    row = annual_plans.visible(get_session(), current_user(), plan_id)
    return document_detail(annual_plans.ANNUAL_PLAN, row, PlanOut, PlanDetail, PlanLineOut, "enterprise")


@bp.get("/annual-plans")
@spec.validate(query=PlanQuery, resp=errors(403, 422, HTTP_200=PlanPage), tags=TAGS)
def list_annual_plans():
    """Every version the caller may see, oldest first (`?year=&status=`); an enterprise sees those that are or
    were in force."""
    year = request.context.query.year
    return documents_page(annual_plans.ANNUAL_PLAN, PlanOut, PlanPage, *([AnnualPlan.year == year] if year else []))


@bp.post("/annual-plans")
@spec.validate(json=AnnualPlanIn, resp=errors(*BODY, 403, 409, HTTP_201=PlanDetail), tags=TAGS)
@idempotent
def create_annual_plan():
    """Draft the year's next version (amending the one in force, if any). 422 names every bad line — a material
    that is not a reserve variety today among them — and nothing is written."""
    body, session = request.context.json, get_session()
    made = annual_plans.draft_plan(session=session, actor=current_user(), year=body.year, title=body.title,
                                   note=body.note, lines=[line.given() for line in body.lines])
    session.commit()
    return _detail(made.id), 201


@bp.get("/annual-plans/<int:plan_id>")
@spec.validate(resp=errors(403, 404, HTTP_200=PlanDetail), tags=TAGS)
def get_annual_plan(plan_id: int):
    """The version with its lines, this round's signatures and who is still to sign, the timeline and the caller's
    actions."""
    return _detail(plan_id)


@bp.put("/annual-plans/<int:plan_id>")
@spec.validate(json=PlanEdit, resp=errors(*BODY, 403, 404, 409, HTTP_200=PlanDetail), tags=TAGS)
def edit_annual_plan(plan_id: int):
    """Replace a draft's title, note and lines (its drafting organisation; 409 once submitted)."""
    body, session = request.context.json, get_session()
    annual_plans.edit_plan(session=session, actor=current_user(), plan_id=plan_id, title=body.title, note=body.note,
                           lines=[line.given() for line in body.lines])
    session.commit()
    return _detail(plan_id)


@bp.post("/annual-plans/<int:plan_id>/actions/<action>")
@spec.validate(json=DocumentDecision, resp=errors(*BODY, 403, 404, 409, HTTP_200=PlanDetail), tags=TAGS)
@path_enums(action=ACTIONS)
def decide_annual_plan(plan_id: int, action: str):
    """submit or withdraw (the drafting organisation); sign (CO-NDRC, CO-FIN and each responsible bureau, once per
    round, not the drafter); reject with a reason; approve (the government, not the drafter or a signer: in force,
    the year's version in force before superseded). Submission and approval check the lines' varieties (422)."""
    take_step(annual_plans.ANNUAL_PLAN, plan_id, action, ACTIONS)
    return _detail(plan_id)


@bp.post("/annual-plans/<int:plan_id>/amend")
@spec.validate(resp=errors(*BODY, 403, 404, 409, HTTP_201=PlanDetail), tags=TAGS)
def amend_annual_plan(plan_id: int):
    """Start the year's next version as a draft copied from this one, which must be in force."""
    session = get_session()
    made = annual_plans.amend(session=session, actor=current_user(), plan_id=plan_id)
    session.commit()
    return _detail(made.id), 201
