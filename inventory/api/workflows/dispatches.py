"""Dispatch plans (动用, reserve-materials-measures §四(一)) over the API: draft, edit, co-sign, approve, execute,
complete, file, and recover what came back unused.

The ``action`` of ``/dispatches/{id}/actions/{action}`` is one a person takes in the dispatch flow of the workflow
registry (services/workflows/dispatch.py): ``approve`` is a co-signature while the plan collects them and the
government's approval once it has all three; ``execute`` is an emergency plan's dispatch at once (紧急调用),
``complete`` closes an executing dispatch (an emergency one with ``work_ended_on``) and ``file`` records its filing
(备案) with ``reference``. The body's fields are the plan's as the service names them, so a 422 names the same field
(``lines[0].unit_price``) whether pydantic or the service found it. The schemas of the instructions and
replenishments shown on a dispatch live here too, so that api/workflows/instructions.py and replenishments.py reuse
them without an import cycle.
"""
from __future__ import annotations

from datetime import date
from typing import Annotated

from flask import request
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, Field, StrictBool

from inventory import scope
from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.coldchain.certificates import CertificatesIn
from inventory.api.idempotency import idempotent
from inventory.api.pagination import page
from inventory.api.schemas import (
    BODY, Blank, NonNegativeQuantity, Out, PageQuery, PositiveQuantity, Quantity, RowId, StrictBody, Timestamp,
    errors, page_of,
)
from inventory.api.spec import path_enums, spec
from inventory.api.stock.requests import person_actions
from inventory.core.clock import business_today
from inventory.core.errors import Invalid
from inventory.core.vocab import (
    DispatchParty, DispatchStatus, DispatchTrigger, InspectionResult, InstructionKind, InstructionStatus,
    ReplenishmentStatus, WorkflowAction,
)
from inventory.db import get_session
from inventory.models import Dispatch, DispatchRecovery, EmergencyAuthorisation, Material, Organisation, Replenishment
from inventory.services.stock.lots import Receipt
from inventory.services.workflows import dispatch, dispatch_views, recoveries
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
    emergency: StrictBool = Field(default=False, description="紧急调用: executed at once (`execute`) by an organisation "
                                                             "holding an emergency authorisation, filed afterwards")

    def plan(self) -> PlanInput:
        return PlanInput(
            trigger=self.trigger or "", trigger_description=self.trigger_description, recipients=self.recipients,
            district=self.district, address=self.address, transport=self.transport, requested_on=self.requested_on,
            emergency=self.emergency,
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
    work_ended_on: date | None = Field(default=None, description="with `complete` of an emergency dispatch (required "
                                                                 "there): the day the work ended; the filing is due "
                                                                 "20 days later")
    reference: str = Field(default="", max_length=100, description="with `file`: the filing document's reference")


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
    emergency: bool = Field(description="紧急调用: executed at once under an emergency authorisation")
    authorisation_id: int | None
    executed_by: int | None
    executed_at: Timestamp | None = Field(description="instructions sent: at the government's approval, or at once "
                                                       "for an emergency plan")
    completed_by: int | None
    completed_at: Timestamp | None
    work_ended_on: date | None = Field(description="an emergency dispatch: when the work ended")
    filing_due_on: date | None = Field(description="an emergency dispatch: the last day of its filing (work end + 20 "
                                                   "days)")
    filed_by: int | None
    filed_at: Timestamp | None
    filing_reference: str


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


class AuthorisationOut(Out):
    """An emergency authorisation: the government's document and the period it runs."""

    id: int
    org_id: int
    org: str = Field(description="organisation code")
    reference: str
    valid_from: date
    valid_until: date
    note: str
    recorded_by: int
    recorded_at: Timestamp
    revoked_by: int | None
    revoked_at: Timestamp | None
    in_force: bool = Field(description="not revoked and today within its period (business day, Asia/Shanghai)")

    @classmethod
    def of(cls, row: EmergencyAuthorisation, org: Organisation | None) -> AuthorisationOut:
        today = business_today()
        return cls.model_validate({**{name: getattr(row, name) for name in cls.model_fields if hasattr(row, name)},
                                   "org": org.code if org else "",
                                   "in_force": row.revoked_at is None and row.valid_from <= today <= row.valid_until})


class InstructionOut(Out):
    """A receive or release instruction to an enterprise."""

    id: int
    code: str
    kind: InstructionKind
    status: InstructionStatus
    enterprise_id: int
    enterprise: str = Field(description="organisation code")
    material_id: int
    material: str = Field(description="material code")
    quantity: Quantity
    executed: Quantity = Field(description="executed so far; the instruction is `executed` once it reaches quantity")
    deadline: date
    reason: str
    dispatch_id: int | None
    replenishment_id: int | None
    issued_by: int
    issuing_org_id: int
    created_at: Timestamp
    acknowledged_by: int | None
    acknowledged_at: Timestamp | None
    refused_by: int | None
    refused_at: Timestamp | None
    refusal_reason: str
    cancelled_by: int | None
    cancelled_at: Timestamp | None
    cancel_note: str
    closed_at: Timestamp | None
    late: bool = Field(description="executed (in part) after the deadline: recorded as a violation")

    @classmethod
    def of(cls, shown: dispatch_views.InstructionRow) -> InstructionOut:
        row = shown.instruction
        return cls.model_validate({**{name: getattr(row, name) for name in cls.model_fields if hasattr(row, name)},
                                   "enterprise": shown.enterprise.code, "material": shown.material.code})


class ReplenishmentOut(Out):
    """A replenishment (补充): what an enterprise buys back after a dispatch, by its due date."""

    id: int
    code: str
    source: str = Field(description="what it replenishes: `dispatch`")
    dispatch_id: int | None
    material_id: int
    material: str = Field(description="material code")
    enterprise_id: int
    enterprise: str = Field(description="organisation code")
    quantity: Quantity
    received: Quantity = Field(description="received so far under its receive instructions")
    due_date: date = Field(description="when it is due (`due_on` of the confirmation)")
    status: ReplenishmentStatus
    proposed_by: int | None
    created_at: Timestamp
    confirmed_by: int | None
    confirmed_at: Timestamp | None
    confirm_note: str
    fulfilled_at: Timestamp | None

    @classmethod
    def of(cls, row: Replenishment, material: Material, enterprise: Organisation) -> ReplenishmentOut:
        return cls.model_validate({**{name: getattr(row, name) for name in cls.model_fields if hasattr(row, name)},
                                   "due_date": row.due_on, "material": material.code, "enterprise": enterprise.code})


def replenishments_out(rows: list[Replenishment]) -> list[ReplenishmentOut]:
    """Replenishments with their material and enterprise codes, read in two queries."""
    session = get_session()
    materials = dispatch_views.rows_by_id(session, Material, (row.material_id for row in rows))
    orgs = dispatch_views.rows_by_id(session, Organisation, (row.enterprise_id for row in rows))
    return [ReplenishmentOut.of(row, materials[row.material_id], orgs[row.enterprise_id]) for row in rows]


class RecoveryIn(CertificatesIn):
    """Stock the dispatch delivered but did not use, received back into a new lot in a facility of the caller's
    enterprise, with the certificates cold-chain food needs (docs/coldchain.md, traceability)."""

    material: str = Field(min_length=1, max_length=32, description="material code; one the enterprise released")
    facility: str = Field(min_length=1, max_length=32, description="facility code of the caller's enterprise")
    lot_code: str = Field(min_length=1, max_length=64, description="the new lot's code")
    quantity: PositiveQuantity = Field(description="at most what the enterprise released less what came back")
    production_date: date | None = None
    expiry_date: date | None = Field(default=None, description="derived from the shelf life when omitted")
    inspection_result: InspectionResult = Field(default=InspectionResult.passed,
                                                description="failed: received quarantined; pending: on quality hold")
    note: str = Field(default="", max_length=500)

    def receipt(self) -> Receipt:
        return Receipt(material=self.material, facility=self.facility, lot_code=self.lot_code,
                       quantity=self.quantity, production_date=self.production_date, expiry_date=self.expiry_date,
                       inspection_result=self.inspection_result, note=self.note, certificates=self.certificates())


class RecoveryOut(Out):
    id: int
    dispatch_id: int
    material_id: int
    enterprise_id: int
    lot_id: int = Field(description="the lot it came back into")
    quantity: Quantity
    quality_result: str = Field(description="InspectionResult")
    note: str
    recorded_by: int
    recorded_at: Timestamp


class DispatchDetail(DispatchOut):
    lines: list[LineOut]
    allocations: list[AllocationOut] = Field(description="stored at approval; an enterprise sees its own only")
    signatures: list[SignatureOut] = Field(description="this round's co-signatures, one per party")
    timeline: list[StepOut] = Field(description="every step of every round, oldest first")
    authorisation: AuthorisationOut | None = Field(description="the emergency authorisation it was executed under")
    instructions: list[InstructionOut] = Field(description="its release instructions (an enterprise sees its own)")
    recoveries: list[RecoveryOut] = Field(description="what came back unused (an enterprise sees its own)")
    replenishments: list[ReplenishmentOut] = Field(description="proposed on completion, one per enterprise and "
                                                               "material (an enterprise sees its own)")
    actions: list[WorkflowAction] = Field(description="what the caller may do now: "
                                                      "`POST /dispatches/{id}/actions/{action}`")

    @classmethod
    def of(cls, seen: dispatch_views.DispatchView) -> DispatchDetail:
        plan = seen.dispatch
        authorisation = seen.authorisation
        return cls.model_validate({
            **DispatchOut.model_validate(plan).model_dump(),
            "lines": [LineOut.model_validate(shown.line) for shown in seen.lines],
            "allocations": [AllocationOut.model_validate(shown.allocation) for shown in seen.allocations],
            "signatures": [SignatureOut(party=s.party, signed_by=getattr(plan, f"{s.party}_signed_by"),
                                        signed_at=getattr(plan, f"{s.party}_signed_at")) for s in seen.signatures],
            "timeline": [StepOut.model_validate(shown.step) for shown in seen.steps],
            "authorisation": None if authorisation is None else AuthorisationOut.of(
                authorisation, get_session().get(Organisation, authorisation.org_id)),
            "instructions": [InstructionOut.of(shown) for shown in seen.instructions],
            "recoveries": [RecoveryOut.model_validate(r) for r in seen.recoveries],
            "replenishments": replenishments_out(seen.replenishments),
            "actions": sorted(seen.actions)})


class AllocationProposal(BaseModel):
    """What the approval would allocate now, first expiry first out across enterprises; nothing is stored."""

    items: list[AllocationOut]


DispatchPage = page_of(DispatchOut)


def _detail(dispatch_id: int) -> DispatchDetail:
    """Read after the commit, so the detail shows the decision's effects (instructions, replenishments)."""
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
    `allocations` to replace the FEFO proposal; 409 `insufficient_stock`), which sends the release instructions at
    once (`executing`); reject with a reason in `note`; execute an emergency plan at once (its authorised drafting
    organisation); complete once no instruction is open (the drafting organisation or the plan's bureau;
    `work_ended_on` for an emergency dispatch), which proposes the replenishments; file an emergency dispatch with
    the government (`reference`)."""
    body, session = request.context.json, get_session()
    given = None if body.allocations is None else [
        AllocationInput(line_id=a.line_id, lot_id=a.lot_id, quantity=a.quantity) for a in body.allocations]
    chosen = _action(action)
    if body.work_ended_on is not None and chosen != WorkflowAction.complete:
        raise Invalid.field("work_ended_on", _l("given with complete only"))
    if body.reference and chosen != WorkflowAction.file:
        raise Invalid.field("reference", _l("given with file only"))
    dispatch.decide_dispatch(session=session, actor=current_user(), dispatch_id=dispatch_id, action=chosen,
                             note=body.note, allocations=given, work_ended_on=body.work_ended_on,
                             reference=body.reference)
    session.commit()
    return _detail(dispatch_id)


@bp.post("/dispatches/<int:dispatch_id>/recoveries")
@spec.validate(json=RecoveryIn, resp=errors(*BODY, 403, 404, 409, HTTP_201=RecoveryOut), tags=TAGS)
@idempotent
def recover(dispatch_id: int):
    """Receive back stock the dispatch delivered but did not use (回收), into a new lot of the caller's enterprise,
    while the dispatch is executing; at most what the enterprise released of that material less what came back
    (409 `over_recovered`); chilled and frozen food with its certificates, as any receipt (422 naming each one
    missing). What is recovered is not replenished."""
    session = get_session()
    row: DispatchRecovery = recoveries.recover(session=session, actor=current_user(), dispatch_id=dispatch_id,
                                               receipt=request.context.json.receipt())
    session.commit()
    return RecoveryOut.model_validate(row), 201


@bp.get("/dispatches/<int:dispatch_id>/allocations/proposal")
@spec.validate(resp=errors(403, 404, 409, HTTP_200=AllocationProposal), tags=TAGS)
def propose_allocations(dispatch_id: int):
    """The FEFO allocation the government's approval would store now (government approvers); writes nothing."""
    proposed = dispatch.preview_allocations(session=get_session(), actor=current_user(), dispatch_id=dispatch_id)
    return AllocationProposal(items=[AllocationOut.model_validate(a) for a in proposed])
