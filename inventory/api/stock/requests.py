"""Transfers, pending adjustments and physical counts over the API.

The ``action`` of each ``…/actions/{action}`` path is one a person takes in that flow of the workflow
registry (services/stock/flows.py); the document lists them and any other name answers 422.
"""
from __future__ import annotations

from typing import Annotated

from flask import request
from pydantic import BaseModel, Field

from inventory import scope
from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.idempotency import idempotent
from inventory.api.pagination import page
from inventory.api.schemas import (
    BODY,
    Blank, NonNegativeQuantity, Out, PageQuery, PositiveQuantity, Quantity, RowId, StrictBody, Timestamp, errors, page_of,
)
from inventory.api.spec import path_enums, spec
from inventory.api.stock.lots import AdjustmentOut
from inventory.core.errors import Invalid
from inventory.core.vocab import RequestStatus, WorkflowAction
from inventory.db import get_session
from inventory.models import Adjustment, StockCount, Transfer
from inventory.services.stock import counts, lots, transfers
from inventory.services.stock.flows import ADJUSTMENT, COUNT, TRANSFER
from inventory.services.workflows.registry import Flow

DECIDE = errors(*BODY, 403, 404, 409)


def person_actions(flow: Flow) -> list[str]:
    """The actions a person takes in ``flow`` (the others are the system's, e.g. executing an approved transfer)."""
    return sorted({t.action for t in flow.transitions if t.roles})


def _action(action: str, flow: Flow) -> WorkflowAction:
    if action not in person_actions(flow):
        raise Invalid.field("action", f"one of {', '.join(person_actions(flow))}")
    return WorkflowAction(action)


class StatusQuery(PageQuery):
    status: Annotated[RequestStatus, Blank] = None


class TransferCreate(StrictBody):
    lot: RowId = Field(description="lot id")
    to_facility: str = Field(min_length=1, max_length=32, description="facility code")
    quantity: PositiveQuantity
    reason: str = Field(default="", max_length=500)


class TransferOut(Out):
    id: int
    lot_id: int
    to_facility_id: int
    to_lot_id: int | None
    quantity: Quantity
    needs_approval: bool
    status: RequestStatus
    reason: str
    requested_by: int
    decided_by: int | None
    decision_note: str


class Decision(StrictBody):
    note: str = Field(default="", max_length=500)


class CountCreate(StrictBody):
    facility: str = Field(min_length=1, max_length=32, description="facility code")
    bureau: str | None = Field(default=None, max_length=32,
                               description="count only the materials of this bureau (facilities holding several "
                                           "bureaus' stock)")
    note: str = Field(default="", max_length=500)


class CountedLine(StrictBody):
    lot_id: RowId
    counted: NonNegativeQuantity


class CountLines(StrictBody):
    lines: list[CountedLine] = Field(min_length=1, max_length=10000)


class CountLineOut(BaseModel):
    lot_id: int
    lot_code: str
    book: Quantity
    counted: Quantity | None
    difference: Quantity | None


class CountOut(Out):
    id: int
    facility_id: int
    status: RequestStatus
    note: str
    opened_by: int
    submitted_by: int | None
    decided_by: int | None
    opened_at: Timestamp


class CountDetail(CountOut):
    lines: list[CountLineOut]

    @classmethod
    def of(cls, count: StockCount, views: list[counts.LineView]) -> CountDetail:
        return cls.model_validate({
            **CountOut.model_validate(count).model_dump(),
            "lines": [{"lot_id": v.lot.id, "lot_code": v.lot.lot_code, "book": v.book, "counted": v.line.counted,
                       "difference": v.difference} for v in views]})


TransferPage, AdjustmentPage, CountPage = page_of(TransferOut), page_of(AdjustmentOut), page_of(CountOut)


def _rows(model: type, params: StatusQuery) -> tuple[list, str | None]:
    query = scope.enterprise_rows_query(get_session(), current_user(), model)
    if params.status:
        query = query.where(model.status == params.status)
    return page(query, [model.id], params)


@bp.get("/transfers")
@spec.validate(query=StatusQuery, resp=errors(422, HTTP_200=TransferPage), tags=["stock workflows"])
def list_transfers():
    """Transfers from or to the caller's enterprise, or in its bureau's view (`?status=`)."""
    rows, cursor = _rows(Transfer, request.context.query)
    return TransferPage(items=rows, next_cursor=cursor)


@bp.post("/transfers")
@spec.validate(json=TransferCreate, resp=errors(*BODY, 403, 404, 409, HTTP_201=TransferOut),
               tags=["stock workflows"])
@idempotent
def create_transfer():
    """Move stock to another facility; to another enterprise or district it waits for bureau approval."""
    body, session = request.context.json, get_session()
    transfer = transfers.request_transfer(session=session, actor=current_user(), lot_id=body.lot,
                                          to_facility=body.to_facility, amount=body.quantity, reason=body.reason)
    session.commit()
    return TransferOut.model_validate(transfer), 201


@bp.post("/transfers/<int:transfer_id>/actions/<action>")
@spec.validate(json=Decision, resp=errors(*BODY, 403, 404, 409, HTTP_200=TransferOut), tags=["stock workflows"])
@path_enums(action=person_actions(TRANSFER))
def decide_transfer(transfer_id: int, action: str):
    """approve or reject a pending transfer (bureau approver of the material; not the requester), or withdraw it
    (the requester)."""
    session = get_session()
    transfer = transfers.decide_transfer(session=session, actor=current_user(), transfer_id=transfer_id,
                                         action=_action(action, TRANSFER), note=request.context.json.note)
    session.commit()
    return TransferOut.model_validate(transfer)


@bp.get("/adjustments")
@spec.validate(query=StatusQuery, resp=errors(422, HTTP_200=AdjustmentPage), tags=["stock workflows"])
def list_adjustments():
    """Adjustments waiting for, or decided by, a bureau (`?status=`)."""
    rows, cursor = _rows(Adjustment, request.context.query)
    return AdjustmentPage(items=rows, next_cursor=cursor)


@bp.post("/adjustments/<int:adjustment_id>/actions/<action>")
@spec.validate(json=Decision, resp=errors(*BODY, 403, 404, 409, HTTP_200=AdjustmentOut), tags=["stock workflows"])
@path_enums(action=person_actions(ADJUSTMENT))
def decide_adjustment(adjustment_id: int, action: str):
    """approve (posts the adjustment) or reject a pending adjustment (bureau approver), or withdraw it (the
    requester)."""
    session = get_session()
    adjustment = lots.decide_adjustment(session=session, actor=current_user(), adjustment_id=adjustment_id,
                                        action=_action(action, ADJUSTMENT), note=request.context.json.note)
    session.commit()
    return AdjustmentOut.model_validate(adjustment)


@bp.get("/counts")
@spec.validate(query=StatusQuery, resp=errors(422, HTTP_200=CountPage), tags=["stock workflows"])
def list_counts():
    """Physical counts visible to the caller (`?status=`)."""
    rows, cursor = _rows(StockCount, request.context.query)
    return CountPage(items=rows, next_cursor=cursor)


@bp.post("/counts")
@spec.validate(json=CountCreate, resp=errors(*BODY, 403, 404, 409, HTTP_201=CountDetail), tags=["stock workflows"])
@idempotent
def create_count():
    """Open a count of a facility: one line per lot with stock."""
    body, session, user = request.context.json, get_session(), current_user()
    count = counts.open_count(session=session, actor=user, facility_code=body.facility, note=body.note,
                              bureau_code=body.bureau)
    session.commit()
    return CountDetail.of(*counts.lines(session=session, actor=user, count_id=count.id)), 201


@bp.get("/counts/<int:count_id>")
@spec.validate(resp=errors(404, HTTP_200=CountDetail), tags=["stock workflows"])
def get_count(count_id: int):
    """A count with book, counted and difference per lot."""
    return CountDetail.of(*counts.lines(session=get_session(), actor=current_user(), count_id=count_id))


@bp.post("/counts/<int:count_id>/lines")
@spec.validate(json=CountLines, resp=errors(*BODY, 403, 404, 409, HTTP_200=CountDetail), tags=["stock workflows"])
def record_count_lines(count_id: int):
    """Enter counted quantities; all lines are checked before any is written."""
    body, session, user = request.context.json, get_session(), current_user()
    lot_ids = [line.lot_id for line in body.lines]
    if len(set(lot_ids)) != len(lot_ids):
        raise Invalid.field("lines", "each lot once: a lot appears twice")
    counts.record_counted(session=session, actor=user, count_id=count_id,
                          counted={line.lot_id: line.counted for line in body.lines})
    session.commit()
    return CountDetail.of(*counts.lines(session=session, actor=user, count_id=count_id))


@bp.post("/counts/<int:count_id>/actions/<action>")
@spec.validate(json=Decision, resp=errors(*BODY, 403, 404, 409, HTTP_200=CountDetail), tags=["stock workflows"])
@path_enums(action=person_actions(COUNT))
def count_action(count_id: int, action: str):
    """submit (the organisation that opened it), approve or reject (a bureau approver, not the submitter), or
    cancel with a reason in `note` (whoever opened it, or the enterprise manager for the enterprise's own count)."""
    session, user = get_session(), current_user()
    chosen = _action(action, COUNT)
    if chosen == WorkflowAction.submit:
        counts.submit(session=session, actor=user, count_id=count_id)
    else:
        counts.decide(session=session, actor=user, count_id=count_id, action=chosen, note=request.context.json.note)
    session.commit()
    return CountDetail.of(*counts.lines(session=session, actor=user, count_id=count_id))
