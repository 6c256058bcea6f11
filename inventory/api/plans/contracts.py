"""Storage contracts (承储合同, reserve-materials-measures §二(五)2) over the API: the bureau's draft and its edits,
submission, both parties' signatures, activation, termination and cancellation (services/plans/contracts.py).

The ``action`` of ``/contracts/{id}/actions/{action}`` is a person's step of the contract flow in the workflow
registry; the system starts a signed contract when its period begins and lets it expire when it ends.
"""
from __future__ import annotations

from datetime import date
from typing import Annotated

from flask import request
from flask_babel import lazy_gettext as _l
from pydantic import Field, StrictInt

from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.idempotency import idempotent
from inventory.api.pagination import page
from inventory.api.schemas import (
    BODY, Blank, NonNegativeQuantity, Out, PageQuery, PositiveQuantity, Quantity, StrictBody, Timestamp, errors,
    page_of,
)
from inventory.api.spec import path_enums, spec
from inventory.api.stock.requests import person_actions
from inventory.api.workflows.dispatches import StepOut
from inventory.core.errors import Invalid
from inventory.core.vocab import ContractStatus, WorkflowAction
from inventory.db import get_session
from inventory.models import Organisation, StorageContract
from inventory.services.plans import contract_views, contracts
from inventory.services.workflows import dispatch_views
from inventory.services.plans.contracts import CONTRACT, ContractInput, LineInput

TAGS = ["contracts"]
ACTIONS = person_actions(CONTRACT)


class ContractQuery(PageQuery):
    status: Annotated[ContractStatus, Blank] = None
    enterprise: Annotated[str, Blank] = Field(default=None, max_length=32, description="organisation code")


class ContractLineIn(StrictBody):
    material: str = Field(min_length=1, max_length=32, description="material code of the bureau's remit")
    facility: str = Field(min_length=1, max_length=32, description="facility code of the contracted enterprise")
    quantity: PositiveQuantity = Field(description="the contracted quantity, in the material's unit")
    quality_standard: str = Field(default="", max_length=255)


class ContractIn(StrictBody):
    number: str = Field(min_length=1, max_length=40, description="the contract's number, unique")
    enterprise: str = Field(min_length=1, max_length=32, description="organisation code of the enterprise")
    starts_on: date
    ends_on: date = Field(description="not before starts_on")
    lines: list[ContractLineIn] = Field(min_length=1, max_length=100, description="material, facility (存储库点), quantity")
    rotation_window_days: Annotated[StrictInt, Field(ge=1, le=365)] | None = Field(
        default=None, description="rotation terms: the default window of a rotation, 1–365 days")
    rotation_floor_share: NonNegativeQuantity | None = Field(
        default=None, description="rotation terms: 0–1, the floor is this share of the contracted quantity")
    dispatch_terms: str = Field(default="", max_length=2000)
    storage_fee: NonNegativeQuantity = Field(default="0", description="yuan per unit per year (§五(一)2)")
    loan_interest_subsidy: str = Field(default="", max_length=500)
    policy_loss_subsidy: str = Field(default="", max_length=500)
    liability: str = Field(default="", max_length=2000, description="liability for breach")

    def given(self) -> ContractInput:
        return ContractInput(
            number=self.number, enterprise=self.enterprise, starts_on=self.starts_on, ends_on=self.ends_on,
            lines=tuple(LineInput(line.material, line.facility, line.quantity, line.quality_standard)
                        for line in self.lines),
            rotation_window_days=self.rotation_window_days, rotation_floor_share=self.rotation_floor_share,
            dispatch_terms=self.dispatch_terms, storage_fee=self.storage_fee,
            loan_interest_subsidy=self.loan_interest_subsidy, policy_loss_subsidy=self.policy_loss_subsidy,
            liability=self.liability)


class ContractDecision(StrictBody):
    note: str = Field(default="", max_length=500, description="required to terminate")


class ContractOut(Out):
    id: int
    number: str
    status: ContractStatus
    bureau_id: int
    bureau: str = Field(description="organisation code")
    enterprise_id: int
    enterprise: str = Field(description="organisation code")
    starts_on: date
    ends_on: date
    rotation_window_days: int | None
    rotation_floor_share: Quantity | None
    dispatch_terms: str
    storage_fee: Quantity
    loan_interest_subsidy: str
    policy_loss_subsidy: str
    liability: str
    requested_by: int
    created_at: Timestamp
    submitted_at: Timestamp | None
    activated_at: Timestamp | None
    ended_at: Timestamp | None
    termination_note: str


class ContractLineOut(Out):
    id: int
    material_id: int
    material: str = Field(description="material code")
    facility_id: int
    facility: str = Field(description="facility code")
    quantity: Quantity
    quality_standard: str
    active: bool = Field(description="held by this contract while it is active")


class ContractSignatureOut(Out):
    party_org_id: int
    party: str = Field(description="organisation code")
    signed_by: int
    signed_at: Timestamp
    note: str


class ContractDetail(ContractOut):
    lines: list[ContractLineOut]
    signatures: list[ContractSignatureOut]
    timeline: list[StepOut]
    actions: list[WorkflowAction] = Field(description="what the caller may do now: "
                                                      "`POST /contracts/{id}/actions/{action}`")


ContractPage = page_of(ContractOut)


def _out(rows: list[StorageContract]) -> list[ContractOut]:
    session = get_session()
    orgs = dispatch_views.rows_by_id(session, Organisation, [i for r in rows for i in (r.bureau_id,
                                                                                        r.enterprise_id)])
    return [ContractOut.model_validate({**{n: getattr(r, n) for n in ContractOut.model_fields if hasattr(r, n)},
                                        "bureau": orgs[r.bureau_id].code, "enterprise": orgs[r.enterprise_id].code})
            for r in rows]


def _detail(contract_id: int) -> ContractDetail:
    view = contract_views.contract_view(session=get_session(), actor=current_user(), contract_id=contract_id)
    return ContractDetail.model_validate({
        **_out([view.contract])[0].model_dump(),
        "lines": [ContractLineOut(id=line.id, material_id=material.id, material=material.code, facility_id=facility.id,
                          facility=facility.code, quantity=line.quantity, quality_standard=line.quality_standard,
                          active=line.active_key is not None) for line, material, facility in view.lines],
        "signatures": [ContractSignatureOut(party_org_id=s.party_org_id, party=org.code, signed_by=s.signed_by,
                                    signed_at=s.signed_at, note=s.note) for s, org in view.signatures],
        "timeline": [StepOut.model_validate(s.step) for s in view.steps], "actions": view.actions})


@bp.get("/contracts")
@spec.validate(query=ContractQuery, resp=errors(403, 422, HTTP_200=ContractPage), tags=TAGS)
def list_contracts():
    """Storage contracts visible to the caller, oldest first (`?status=&enterprise=`)."""
    params, session = request.context.query, get_session()
    query = contracts.contracts_query(session, current_user())
    if params.status:
        query = query.where(StorageContract.status == params.status)
    if params.enterprise:
        query = query.join(Organisation, Organisation.id == StorageContract.enterprise_id) \
            .where(Organisation.code == params.enterprise)
    rows, cursor = page(query, [StorageContract.id], params)
    return ContractPage(items=_out(rows), next_cursor=cursor)


@bp.post("/contracts")
@spec.validate(json=ContractIn, resp=errors(*BODY, 403, 409, HTTP_201=ContractDetail), tags=TAGS)
@idempotent
def create_contract():
    """Draft a contract (a bureau's officer or approver, with an enterprise, for materials of its remit in that
    enterprise's facilities); 409 `enterprise_sanctioned` for a suspended or revoked enterprise."""
    session = get_session()
    made = contracts.draft(session=session, actor=current_user(), given=request.context.json.given())
    session.commit()
    return _detail(made.id), 201


@bp.get("/contracts/<int:contract_id>")
@spec.validate(resp=errors(403, 404, HTTP_200=ContractDetail), tags=TAGS)
def get_contract(contract_id: int):
    """The contract with its lines, this round's signatures, timeline and the caller's actions."""
    return _detail(contract_id)


@bp.put("/contracts/<int:contract_id>")
@spec.validate(json=ContractIn, resp=errors(*BODY, 403, 404, 409, HTTP_200=ContractDetail), tags=TAGS)
def edit_contract(contract_id: int):
    """Replace the whole contract while it is a draft (its bureau's staff)."""
    session = get_session()
    contracts.edit(session=session, actor=current_user(), contract_id=contract_id,
                   given=request.context.json.given())
    session.commit()
    return _detail(contract_id)


@bp.post("/contracts/<int:contract_id>/actions/<action>")
@spec.validate(json=ContractDecision, resp=errors(*BODY, 403, 404, 409, HTTP_200=ContractDetail), tags=TAGS)
@path_enums(action=ACTIONS)
def decide_contract(contract_id: int, action: str):
    """submit (the bureau's staff; 409 `contract_overlap` when an active contract holds a line) or cancel (draft or
    signing); sign (the bureau's approver, not the drafter, and the enterprise's manager, each once; the last makes
    it signed and, when its period has begun, active — 409 `contract_overlap` if another active contract holds a
    line: the signature stands, the contract stays signed); activate a signed contract in its period (the bureau's
    approver); terminate with a reason (the bureau's approver). 409 `enterprise_sanctioned` when the enterprise is
    suspended or revoked."""
    if action not in ACTIONS:
        raise Invalid.field("action", _l("one of %(choices)s", choices=", ".join(ACTIONS)))
    session = get_session()
    _row, refused = contracts.decide(session=session, actor=current_user(), contract_id=contract_id, action=action,
                                     note=request.context.json.note)
    session.commit()
    if refused is not None:
        raise refused
    return _detail(contract_id)
