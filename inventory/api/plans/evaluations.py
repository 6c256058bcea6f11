"""Annual evaluations of storage enterprises over the API (年度综合考评, reserve-materials-measures §二(五)3;
docs/plans.md, "Annual evaluation"): the year's ranking, computing a draft, the evaluator's adjustment and
finalising it (four eyes, decided once)."""
from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from flask import request
from flask_babel import lazy_gettext as _l
from pydantic import Field, StrictInt

from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.schemas import BODY, Blank, Out, Query, Quantity, RowId, StrictBody, Timestamp, errors
from inventory.api.spec import path_enums, spec
from inventory.api.stock.requests import person_actions
from inventory.api.workflows.dispatches import StepOut
from inventory.core.clock import business_today
from inventory.core.errors import Invalid
from inventory.core.vocab import EvaluationStatus
from inventory.db import get_session
from inventory.models import Evaluation, Organisation
from inventory.scope.plans import visible_evaluation
from inventory.services.plans import evaluation
from inventory.services.workflows import engine

TAGS = ["evaluations"]
ACTIONS = person_actions(evaluation.EVALUATION)
Year = Annotated[StrictInt, Field(ge=2000, le=9999)]


class EvaluationQuery(Query):
    year: Annotated[int, Blank] = Field(default=None, ge=2000, le=9999, description="default this year")


class EvaluationCreate(StrictBody):
    enterprise: RowId = Field(description="id of the enterprise")
    year: Year


class Adjustment(StrictBody):
    adjustment: Annotated[Decimal, Field(ge=-20, le=20, max_digits=6, decimal_places=3, allow_inf_nan=False)]
    comment: str = Field(default="", max_length=2000, description="required unless the adjustment is 0")


class EvaluationDecision(StrictBody):
    note: str = Field(default="", max_length=500)


class FactOut(Out):
    key: str
    label: str
    value: str
    points: str = Field(description="deducted per unit")
    cap: str
    deducted: str


class EvaluationOut(Out):
    id: int
    enterprise_id: int
    enterprise: str = Field(description="organisation code")
    enterprise_name: str
    year: int
    status: EvaluationStatus
    computed_score: Quantity = Field(description="100 less the facts' deductions, at least 0")
    adjustment: Quantity
    final_score: Quantity = Field(description="computed score plus adjustment, within 0–100")
    review_recommended: bool = Field(description="final score below the threshold: qualification review")
    comment: str
    evaluated_by: int | None
    evaluated_at: Timestamp | None
    finalised_by: int | None
    finalised_at: Timestamp | None


class EvaluationDetail(EvaluationOut):
    facts: list[FactOut]
    timeline: list[StepOut]
    actions: list[str] = Field(description="what the caller may do now: recompute (`POST /evaluations`), adjust, "
                                           "finalise")


class EvaluationList(Out):
    year: int
    items: list[EvaluationOut] = Field(description="best final score first")


def _out(row: Evaluation, org: Organisation) -> dict:
    return {**{name: getattr(row, name) for name in EvaluationOut.model_fields if hasattr(row, name)},
            "enterprise": org.code, "enterprise_name": org.name, "final_score": evaluation.final_score(row),
            "review_recommended": evaluation.review_recommended(row)}


def _detail(evaluation_id: int) -> EvaluationDetail:
    session, actor = get_session(), current_user()
    row = visible_evaluation(session, actor, evaluation_id)
    org = session.get(Organisation, row.enterprise_id)
    return EvaluationDetail.model_validate({
        **_out(row, org),
        "facts": [{"key": f.key, "label": f.label, "value": str(f.value), "points": str(f.points),
                   "cap": str(f.cap), "deducted": str(f.deducted)} for f in evaluation.fact_lines(row)],
        "timeline": [StepOut.model_validate(s) for s in engine.timeline(session, flow=evaluation.EVALUATION,
                                                                        row_id=row.id)],
        "actions": evaluation.actions_for(session, actor, row)})


@bp.get("/evaluations")
@spec.validate(query=EvaluationQuery, resp=errors(403, 422, HTTP_200=EvaluationList), tags=TAGS)
def list_evaluations():
    """The year's evaluations the caller may see, ranked (`?year=`, default this year)."""
    year = request.context.query.year or business_today().year
    ranked = evaluation.ranking(get_session(), actor=current_user(), year=year)
    return EvaluationList(year=year, items=[EvaluationOut.model_validate(_out(r.evaluation, r.enterprise))
                                            for r in ranked])


@bp.post("/evaluations")
@spec.validate(json=EvaluationCreate, resp=errors(*BODY, 403, 404, 409, HTTP_200=EvaluationDetail), tags=TAGS)
def compute_evaluation():
    """Compute the draft evaluation of an enterprise for a year, or recompute it while it is a draft (409 once
    final); bureau staff (for enterprises keeping its materials or under contract with it) or a coordinator."""
    body, session = request.context.json, get_session()
    row = evaluation.compute(session, actor=current_user(), enterprise_id=body.enterprise, year=body.year)
    session.commit()
    return _detail(row.id)


@bp.get("/evaluations/<int:evaluation_id>")
@spec.validate(resp=errors(403, 404, HTTP_200=EvaluationDetail), tags=TAGS)
def get_evaluation(evaluation_id: int):
    """The evaluation with its facts, timeline and the caller's actions."""
    return _detail(evaluation_id)


@bp.post("/evaluations/<int:evaluation_id>/adjust")
@spec.validate(json=Adjustment, resp=errors(*BODY, 403, 404, 409, HTTP_200=EvaluationDetail), tags=TAGS)
def adjust_evaluation(evaluation_id: int):
    """The evaluator's adjustment (−20…+20) and comment (required unless 0); the one who sets it may not finalise."""
    body, session = request.context.json, get_session()
    evaluation.adjust(session, actor=current_user(), evaluation_id=evaluation_id, adjustment=body.adjustment,
                      comment=body.comment)
    session.commit()
    return _detail(evaluation_id)


@bp.post("/evaluations/<int:evaluation_id>/actions/<action>")
@spec.validate(json=EvaluationDecision, resp=errors(*BODY, 403, 404, 409, HTTP_200=EvaluationDetail), tags=TAGS)
@path_enums(action=ACTIONS)
def finalise_evaluation(evaluation_id: int, action: str):
    """finalise (a bureau approver or a coordinator who is not its evaluator); once: a second answers 409."""
    if action not in ACTIONS:
        raise Invalid.field("action", _l("one of %(choices)s", choices=", ".join(ACTIONS)))
    session = get_session()
    evaluation.finalise(session, actor=current_user(), evaluation_id=evaluation_id,
                        note=request.context.json.note)
    session.commit()
    return _detail(evaluation_id)
