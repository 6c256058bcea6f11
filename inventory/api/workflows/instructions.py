"""Receive and release instructions (入库/出库指令) over the API: list, read, issue, acknowledge, refuse, call off,
execute, and the bureau's consent to another lot.

The person actions of ``/instructions/{id}/actions/{action}`` are those of the instruction flow of the workflow
registry (services/workflows/instructions.py). An execution names its lots and quantities (or the lot received), so
it is a resource of its own, ``POST /instructions/{id}/executions``, which the enterprise may send several times
until the quantity is reached (partial execution); the ``execute`` action the role inbox offers takes the whole
remainder of a release from the instruction's lots, first expiry first. Each execution is decided once by a
conditional update in the transaction of its ledger movements, so a retry with the same ``Idempotency-Key``
replays the first answer and takes nothing twice.
"""
from __future__ import annotations

from datetime import date
from typing import Annotated

from flask import request
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, Field

from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.coldchain.certificates import CertificatesIn
from inventory.api.idempotency import idempotent
from inventory.api.pagination import page
from inventory.api.schemas import (
    BODY, Blank, PageQuery, PositiveQuantity, Quantity, RowId, StrictBody, errors, page_of,
)
from inventory.api.spec import path_enums, spec
from inventory.api.stock.lots import MovementOut
from inventory.api.stock.requests import person_actions
from inventory.api.workflows.dispatches import InstructionOut, StepOut
from inventory.core.errors import DomainError, Invalid
from inventory.core.vocab import InspectionResult, InstructionKind, InstructionStatus, WorkflowAction
from inventory.db import get_session
from inventory.models import Instruction
from inventory.services.stock.lots import Receipt
from inventory.services.workflows import dispatch_views, inbox, instruction_views, instructions
from inventory.services.workflows.instructions import INSTRUCTION, InstructionInput, ReleaseInput

TAGS = ["instructions"]
ACTIONS = person_actions(INSTRUCTION)


class InstructionQuery(PageQuery):
    status: Annotated[InstructionStatus, Blank] = None
    kind: Annotated[InstructionKind, Blank] = None
    dispatch: Annotated[int, Blank] = Field(default=None, ge=1, le=2_147_483_647,
                                            description="the instructions of this dispatch (id)")


class LotPick(StrictBody):
    lot: RowId = Field(description="lot id")
    quantity: PositiveQuantity


class InstructionCreate(StrictBody):
    """A bureau's own instruction to an enterprise, for a material of its remit."""

    kind: InstructionKind
    enterprise: str = Field(min_length=1, max_length=32, description="organisation code of the enterprise")
    material: str = Field(min_length=1, max_length=32, description="material code")
    quantity: PositiveQuantity
    deadline: date = Field(description="from today to a year ahead")
    reason: str = Field(min_length=1, max_length=500)
    lots: list[LotPick] = Field(default=[], max_length=200,
                                description="release only: the lots proposed, together the quantity; empty proposes "
                                            "the enterprise's lots first expiry, first out")
    replenishment: RowId | None = Field(default=None, description="receive only: the confirmed replenishment (id) "
                                                                  "it brings in")
    dispatch: RowId | None = Field(default=None, description="release only: the executing dispatch (id) it serves, "
                                                             "within what its line still lacks (another enterprise "
                                                             "taking over a refused instruction)")

    def given(self) -> InstructionInput:
        return InstructionInput(kind=self.kind, enterprise=self.enterprise, material=self.material,
                                quantity=self.quantity, deadline=self.deadline, reason=self.reason,
                                lots=tuple((pick.lot, pick.quantity) for pick in self.lots),
                                replenishment_id=self.replenishment, dispatch_id=self.dispatch)


class InstructionDecision(StrictBody):
    note: str = Field(default="", max_length=500, description="required to refuse or to call off")


class ReceiptIn(CertificatesIn):
    """The lot a receive instruction brings in (the instruction's material, a facility of the enterprise), with the
    certificates cold-chain food needs (docs/coldchain.md, traceability)."""

    facility: str = Field(min_length=1, max_length=32, description="facility code of the caller's enterprise")
    lot_code: str = Field(min_length=1, max_length=64)
    quantity: PositiveQuantity = Field(description="at most what remains to execute")
    production_date: date | None = None
    expiry_date: date | None = Field(default=None, description="derived from the shelf life when omitted")
    inspection_result: InspectionResult = Field(default=InspectionResult.passed,
                                                description="failed: received quarantined; pending: on quality hold")
    note: str = Field(default="", max_length=500)

    def receipt(self) -> Receipt:
        return Receipt(material="", facility=self.facility, lot_code=self.lot_code, quantity=self.quantity,
                       production_date=self.production_date, expiry_date=self.expiry_date,
                       inspection_result=self.inspection_result, note=self.note, certificates=self.certificates())


class ExecutionIn(StrictBody):
    """One go: a release names lots of the instruction (none: its lots first expiry, first out, for all that
    remains); a receive gives the receipt."""

    lots: list[LotPick] = Field(default=[], max_length=200, description="release only")
    note: str = Field(default="", max_length=500)
    receipt: ReceiptIn | None = Field(default=None, description="receive only")


class ConsentIn(StrictBody):
    lot: RowId = Field(description="a lot of the instruction's enterprise and material the instruction did not "
                                   "propose")


class InstructedLotOut(BaseModel):
    lot_id: int
    lot_code: str
    facility: str = Field(description="facility code")
    expiry_date: date
    on_hand: Quantity
    proposed: Quantity = Field(description="proposed from this lot; 0 for a lot added with the bureau's consent")
    taken: Quantity = Field(description="what this instruction took from the lot so far")
    added_by: int | None = Field(description="the bureau user who consented to this lot")


class InstructionDetail(InstructionOut):
    lots: list[InstructedLotOut] = Field(description="release: the lots it may be executed from, first expiry first")
    executions: list[MovementOut] = Field(description="the ledger movements carrying it out, oldest first")
    timeline: list[StepOut] = Field(description="every step, oldest first")
    actions: list[WorkflowAction] = Field(description="what the caller may do now: "
                                                      "`POST /instructions/{id}/actions/{action}`")
    may_execute: bool = Field(description="whether the caller may record an execution now")
    may_consent: bool = Field(description="whether the caller may add a lot (`POST /instructions/{id}/lots`)")

    @classmethod
    def of(cls, seen: instruction_views.InstructionView) -> InstructionDetail:
        shown = dispatch_views.InstructionRow(seen.instruction, seen.material, seen.enterprise)
        return cls.model_validate({
            **InstructionOut.of(shown).model_dump(),
            "lots": [InstructedLotOut(lot_id=line.lot.id, lot_code=line.lot.lot_code, facility=line.facility.code,
                                      expiry_date=line.lot.expiry_date, on_hand=line.lot.on_hand,
                                      proposed=line.link.proposed, taken=line.taken, added_by=line.link.added_by)
                     for line in seen.lots],
            "executions": [MovementOut.model_validate(m) for m in seen.executions],
            "timeline": [StepOut.model_validate(step.step) for step in seen.steps],
            "actions": sorted(seen.actions), "may_execute": seen.may_execute, "may_consent": seen.may_consent})


InstructionPage = page_of(InstructionOut)


def _detail(instruction_id: int) -> InstructionDetail:
    return InstructionDetail.of(instruction_views.instruction_view(session=get_session(), actor=current_user(),
                                                                   instruction_id=instruction_id))


def _action(action: str) -> WorkflowAction:
    if action not in ACTIONS:
        raise Invalid.field("action", _l("one of %(choices)s", choices=", ".join(ACTIONS)))
    return WorkflowAction(action)


@bp.get("/instructions")
@spec.validate(query=InstructionQuery, resp=errors(403, 422, HTTP_200=InstructionPage), tags=TAGS)
def list_instructions():
    """Instructions visible to the caller, oldest first (`?status=&kind=&dispatch=`): an enterprise its own, a
    bureau those of its materials, city-wide roles all."""
    params, session = request.context.query, get_session()
    query = instructions.instructions_query(session, current_user())
    if params.status:
        query = query.where(Instruction.status == params.status)
    if params.kind:
        query = query.where(Instruction.kind == params.kind)
    if params.dispatch:
        query = query.where(Instruction.dispatch_id == params.dispatch)
    rows, cursor = page(query, [Instruction.id], params)
    return InstructionPage(items=[InstructionOut.of(shown) for shown in dispatch_views.instruction_rows(
        session=session, rows=rows)], next_cursor=cursor)


@bp.post("/instructions")
@spec.validate(json=InstructionCreate, resp=errors(*BODY, 403, 404, 409, HTTP_201=InstructionDetail), tags=TAGS)
@idempotent
def create_instruction():
    """A bureau's own receive or release instruction to an enterprise (a material of its remit); a release's lots
    must hold the quantity free of other instructions (422 naming each bad entry)."""
    session = get_session()
    row = instructions.issue_instruction(session=session, actor=current_user(), given=request.context.json.given())
    session.commit()
    return _detail(row.id), 201


@bp.get("/instructions/<int:instruction_id>")
@spec.validate(resp=errors(404, HTTP_200=InstructionDetail), tags=TAGS)
def get_instruction(instruction_id: int):
    """The instruction with its lots, executions (ledger movements) and timeline."""
    return _detail(instruction_id)


@bp.post("/instructions/<int:instruction_id>/actions/<action>")
@spec.validate(json=InstructionDecision, resp=errors(*BODY, 403, 404, 409, HTTP_200=InstructionDetail), tags=TAGS)
@path_enums(action=ACTIONS)
def decide_instruction(instruction_id: int, action: str):
    """acknowledge (the enterprise, while issued); execute (the enterprise, once acknowledged): a release's whole
    remainder from its lots, first expiry first (a receive is executed with its receipt at `/executions`); refuse
    with a reason in `note` (the enterprise, while open: recorded against it as a violation); cancel with a reason
    (the bureau of the material, while open)."""
    body, session, chosen = request.context.json, get_session(), _action(action)
    if chosen == WorkflowAction.execute:
        instructions.execute(session=session, actor=current_user(), instruction_id=instruction_id,
                             release=ReleaseInput(note=body.note))
    else:
        inbox.decide(session=session, actor=current_user(), flow=INSTRUCTION.name, row_id=instruction_id,
                     action=chosen, note=body.note)
    session.commit()
    return _detail(instruction_id)


@bp.post("/instructions/<int:instruction_id>/executions")
@spec.validate(json=ExecutionIn, resp=errors(*BODY, 403, 404, 409, HTTP_201=InstructionDetail), tags=TAGS)
@idempotent
def execute_instruction(instruction_id: int):
    """One go of an acknowledged instruction by its enterprise: a release takes `lots` out of the instruction's
    lots (ledger `dispatch` movements; 409 `over_instructed` past the quantity, `insufficient_stock` beyond a lot's
    stock; 422 for a lot outside the instruction); a receive brings the `receipt` in as a new lot (chilled and
    frozen food with its certificates: 422 naming each one missing). The instruction is `executed` once its
    quantity is reached."""
    body, session = request.context.json, get_session()
    if body.receipt is not None and body.lots:
        raise Invalid.field("lots", _l("give lots for a release or a receipt for a receive, not both"))
    release = None if body.receipt is not None else ReleaseInput(
        picks=tuple((pick.lot, pick.quantity) for pick in body.lots), note=body.note)
    try:
        instructions.execute(session=session, actor=current_user(), instruction_id=instruction_id, release=release,
                             receipt=body.receipt.receipt() if body.receipt is not None else None)
    except DomainError as error:
        # the receipt's problems are named inside ``receipt``, as the schema names them (docs/api.md); the web
        # form puts the same errors on its own inputs
        raise error.under("receipt") if body.receipt is not None else error from None
    session.commit()
    return _detail(instruction_id), 201


@bp.post("/instructions/<int:instruction_id>/lots")
@spec.validate(json=ConsentIn, resp=errors(*BODY, 403, 404, 409, HTTP_201=InstructionDetail), tags=TAGS)
@idempotent
def consent_to_lot(instruction_id: int):
    """The bureau approver of the material consents to a release from another lot of the same enterprise and
    material (an open release instruction; 409 `duplicate` for a lot already in it)."""
    session = get_session()
    instructions.add_lot(session=session, actor=current_user(), instruction_id=instruction_id,
                         lot_id=request.context.json.lot)
    session.commit()
    return _detail(instruction_id), 201
