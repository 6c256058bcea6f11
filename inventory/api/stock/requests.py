"""Transfers, pending adjustments and physical counts over the API."""
from __future__ import annotations

from decimal import Decimal

from flask import jsonify, request
from pydantic import Field
from spectree import Response

from inventory import scope
from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.idempotency import idempotent
from inventory.api.stock.lots import adjustment_public
from inventory.api.pagination import page
from inventory.api.schemas import ErrorBody, RowId, StrictBody, decimal_text
from inventory.api.spec import spec
from inventory.db import get_session
from inventory.models import Adjustment, StockCount, Transfer
from inventory.services.stock import counts
from inventory.services.stock import lots
from inventory.services.stock import transfers
from inventory.core.errors import Invalid

ERRORS = {"HTTP_403": ErrorBody, "HTTP_404": ErrorBody, "HTTP_409": ErrorBody, "HTTP_422": ErrorBody}


class TransferCreate(StrictBody):
    lot: RowId = Field(description="lot id")
    to_facility: str = Field(min_length=1, max_length=32)
    quantity: Decimal = Field(gt=0, max_digits=18, decimal_places=3)
    reason: str = Field(default="", max_length=500)


class Decision(StrictBody):
    note: str = Field(default="", max_length=500)


class CountCreate(StrictBody):
    facility: str = Field(min_length=1, max_length=32)
    bureau: str | None = Field(default=None, max_length=32,
                               description="count only the materials of this bureau (facilities holding several bureaus' stock)")
    note: str = Field(default="", max_length=500)


class CountedLine(StrictBody):
    lot_id: RowId
    counted: Decimal = Field(ge=0, max_digits=18, decimal_places=3)


class CountLines(StrictBody):
    lines: list[CountedLine] = Field(min_length=1, max_length=10000)


def transfer_public(t: Transfer) -> dict:
    return {"id": t.id, "lot_id": t.lot_id, "to_facility_id": t.to_facility_id, "to_lot_id": t.to_lot_id,
            "quantity": decimal_text(t.quantity), "needs_approval": t.needs_approval, "status": t.status,
            "reason": t.reason, "requested_by": t.requested_by, "decided_by": t.decided_by,
            "decision_note": t.decision_note}


def count_public(count: StockCount, views: list[counts.LineView] | None = None) -> dict:
    body = {"id": count.id, "facility_id": count.facility_id, "status": count.status, "note": count.note,
            "opened_by": count.opened_by, "submitted_by": count.submitted_by, "decided_by": count.decided_by}
    if views is not None:
        body["lines"] = [{"lot_id": v.lot.id, "lot_code": v.lot.lot_code, "book": decimal_text(v.book),
                          "counted": decimal_text(v.line.counted), "difference": decimal_text(v.difference)}
                         for v in views]
    return body


def _action(action: str, allowed: set[str]) -> str:
    if action not in allowed:
        raise Invalid.field("action", f"one of {', '.join(sorted(allowed))}")
    return action


@bp.get("/transfers")
@spec.validate(tags=["stock workflows"])
def list_transfers():
    """Transfers from or to the caller's enterprise, or in its bureau's view (`?status=`)."""
    query = scope.enterprise_rows_query(get_session(), current_user(), Transfer)
    if request.args.get("status"):
        query = query.where(Transfer.status == request.args["status"])
    return jsonify(page(query, [Transfer.id], transfer_public))


@bp.post("/transfers")
@spec.validate(json=TransferCreate, resp=Response(**ERRORS), tags=["stock workflows"])
@idempotent
def create_transfer():
    """Move stock to another facility; to another enterprise or district it waits for bureau approval."""
    body, session = request.context.json, get_session()
    transfer = transfers.request_transfer(session=session, actor=current_user(), lot_id=body.lot,
                                          to_facility=body.to_facility, amount=body.quantity, reason=body.reason)
    session.commit()
    return jsonify(transfer_public(transfer)), 201


@bp.post("/transfers/<int:transfer_id>/actions/<action>")
@spec.validate(json=Decision, resp=Response(**ERRORS), tags=["stock workflows"])
def decide_transfer(transfer_id: int, action: str):
    """approve or reject a pending transfer (bureau approver of the material; not the requester)."""
    session = get_session()
    transfer = transfers.decide_transfer(session=session, actor=current_user(), transfer_id=transfer_id,
                                         action=_action(action, {"approve", "reject"}), note=request.context.json.note)
    session.commit()
    return jsonify(transfer_public(transfer))


@bp.get("/adjustments")
@spec.validate(tags=["stock workflows"])
def list_adjustments():
    """Write-downs waiting for, or decided by, a bureau (`?status=`)."""
    query = scope.enterprise_rows_query(get_session(), current_user(), Adjustment)
    if request.args.get("status"):
        query = query.where(Adjustment.status == request.args["status"])
    return jsonify(page(query, [Adjustment.id], adjustment_public))


@bp.post("/adjustments/<int:adjustment_id>/actions/<action>")
@spec.validate(json=Decision, resp=Response(**ERRORS), tags=["stock workflows"])
def decide_adjustment(adjustment_id: int, action: str):
    """approve (posts the adjustment) or reject a pending write-down."""
    session = get_session()
    adjustment = lots.decide_adjustment(session=session, actor=current_user(), adjustment_id=adjustment_id,
                                        action=_action(action, {"approve", "reject"}), note=request.context.json.note)
    session.commit()
    return jsonify(adjustment_public(adjustment))


@bp.get("/counts")
@spec.validate(tags=["stock workflows"])
def list_counts():
    """Physical counts visible to the caller (`?status=`)."""
    query = scope.enterprise_rows_query(get_session(), current_user(), StockCount)
    if request.args.get("status"):
        query = query.where(StockCount.status == request.args["status"])
    return jsonify(page(query, [StockCount.id], count_public))


@bp.post("/counts")
@spec.validate(json=CountCreate, resp=Response(**ERRORS), tags=["stock workflows"])
@idempotent
def create_count():
    """Open a count of a facility: one line per lot with stock."""
    body, session, user = request.context.json, get_session(), current_user()
    count = counts.open_count(session=session, actor=user, facility_code=body.facility, note=body.note,
                              bureau_code=body.bureau)
    session.commit()
    _, views = counts.lines(session=session, actor=user, count_id=count.id)
    return jsonify(count_public(count, views)), 201


@bp.get("/counts/<int:count_id>")
@spec.validate(resp=Response(HTTP_404=ErrorBody), tags=["stock workflows"])
def get_count(count_id: int):
    """A count with book, counted and difference per lot."""
    count, views = counts.lines(session=get_session(), actor=current_user(), count_id=count_id)
    return jsonify(count_public(count, views))


@bp.post("/counts/<int:count_id>/lines")
@spec.validate(json=CountLines, resp=Response(**ERRORS), tags=["stock workflows"])
def record_count_lines(count_id: int):
    """Enter counted quantities; all lines are checked before any is written."""
    body, session, user = request.context.json, get_session(), current_user()
    counts.record_counted(session=session, actor=user, count_id=count_id,
                          counted={line.lot_id: line.counted for line in body.lines})
    session.commit()
    count, views = counts.lines(session=session, actor=user, count_id=count_id)
    return jsonify(count_public(count, views))


@bp.post("/counts/<int:count_id>/actions/<action>")
@spec.validate(json=Decision, resp=Response(**ERRORS), tags=["stock workflows"])
def count_action(count_id: int, action: str):
    """submit (the enterprise), approve or reject (a bureau approver, not the submitter)."""
    session, user = get_session(), current_user()
    action = _action(action, {"submit", "approve", "reject", "cancel"})
    if action == "submit":
        counts.submit(session=session, actor=user, count_id=count_id)
    else:
        counts.decide(session=session, actor=user, count_id=count_id, action=action, note=request.context.json.note)
    session.commit()
    count, views = counts.lines(session=session, actor=user, count_id=count_id)
    return jsonify(count_public(count, views))
