"""How enterprises were selected (§二(五)1) and their qualification over the API (services/plans/selections.py,
qualification_views.py)."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from flask import request
from pydantic import Field

from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.idempotency import idempotent
from inventory.api.pagination import page
from inventory.api.schemas import BODY, Blank, Out, PageQuery, Quantity, StrictBody, Timestamp, errors, page_of
from inventory.api.spec import spec
from inventory.core.vocab import ContractStatus, EvaluationStatus, QualificationState, SanctionKind, SanctionStatus
from inventory.core.vocab import SelectionMethod
from inventory.db import get_session
from inventory.models import EnterpriseSelection, Organisation
from inventory.services.plans import qualification_views, selections
from inventory.services.plans.selections import SelectionInput

TAGS = ["contracts"]


class SelectionQuery(PageQuery):
    enterprise: Annotated[str, Blank] = Field(default=None, max_length=32, description="organisation code")


class SelectionIn(StrictBody):
    enterprise: str = Field(min_length=1, max_length=32, description="organisation code of the enterprise")
    method: SelectionMethod
    reference: str = Field(min_length=1, max_length=100, description="the tender's or decision's reference number")
    decided_on: date
    valid_until: date | None = Field(default=None, description="not before decided_on")
    note: str = Field(default="", max_length=2000)


class SelectionOut(Out):
    id: int
    enterprise_id: int
    bureau_id: int
    method: SelectionMethod
    reference: str
    decided_on: date
    valid_until: date | None
    note: str
    recorded_by: int
    created_at: Timestamp


SelectionPage = page_of(SelectionOut)


class QualificationDecisionOut(Out):
    id: int
    code: str
    kind: SanctionKind
    status: SanctionStatus
    bureau_id: int
    decided_on: date
    decision_note: str


class ContractBrief(Out):
    id: int
    number: str
    status: ContractStatus
    bureau_id: int
    starts_on: date
    ends_on: date


class EvaluationBrief(Out):
    year: int
    computed_score: Quantity
    adjustment: Quantity
    status: EvaluationStatus


class QualificationOut(Out):
    enterprise: str = Field(description="organisation code")
    name: str
    state: QualificationState
    selections: list[SelectionOut] = Field(description="newest first")
    decisions: list[QualificationDecisionOut] = Field(description="the sanctions of inspections, newest first")
    contracts: list[ContractBrief]
    evaluations: list[EvaluationBrief]


@bp.get("/selections")
@spec.validate(query=SelectionQuery, resp=errors(403, 422, HTTP_200=SelectionPage), tags=TAGS)
def list_selections():
    """Selection records visible to the caller, oldest first (`?enterprise=`)."""
    params, session = request.context.query, get_session()
    query = selections.selections_query(session, current_user())
    if params.enterprise:
        query = query.join(Organisation, Organisation.id == EnterpriseSelection.enterprise_id) \
            .where(Organisation.code == params.enterprise)
    rows, cursor = page(query, [EnterpriseSelection.id], params)
    return SelectionPage(items=[SelectionOut.model_validate(r) for r in rows], next_cursor=cursor)


@bp.post("/selections")
@spec.validate(json=SelectionIn, resp=errors(*BODY, 403, HTTP_201=SelectionOut), tags=TAGS)
@idempotent
def create_selection():
    """Record how an enterprise was selected (a bureau's officer or approver, for the bureau)."""
    body, session = request.context.json, get_session()
    row = selections.record(session=session, actor=current_user(), given=SelectionInput(
        enterprise=body.enterprise, method=body.method, reference=body.reference, decided_on=body.decided_on,
        valid_until=body.valid_until, note=body.note))
    session.commit()
    return SelectionOut.model_validate(row), 201


@bp.get("/enterprises/<code>/qualification")
@spec.validate(resp=errors(403, 404, HTTP_200=QualificationOut), tags=TAGS)
def get_qualification(code: str):
    """An enterprise's selections, qualification state and its decision trail, contracts and evaluations (the
    enterprise itself; a bureau that selected it, contracts with it or whose materials it keeps; the city)."""
    view = qualification_views.qualification_view(session=get_session(), actor=current_user(), code=code)
    return QualificationOut(
        enterprise=view.enterprise.code, name=view.enterprise.name, state=view.state,
        selections=[SelectionOut.model_validate(s) for s in view.selections],
        decisions=[QualificationDecisionOut.model_validate(s) for s in view.sanctions],
        contracts=[ContractBrief.model_validate(c) for c in view.contracts],
        evaluations=[EvaluationBrief.model_validate(e) for e in view.evaluations])
