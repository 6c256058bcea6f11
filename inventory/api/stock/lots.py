"""Lots, their ledger, holds, FEFO picking and the stock summary over the API."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from flask import jsonify, request
from pydantic import Field
from spectree import Response
from sqlmodel import select

from inventory import scope
from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.idempotency import idempotent
from inventory.api.pagination import page
from inventory.api.schemas import ErrorBody, StrictBody, decimal_text, iso_or_none
from inventory.api.spec import spec
from inventory.db import get_session
from inventory.models import Adjustment, Lot, Movement
from inventory.services.stock import catalogue
from inventory.services.stock import ledger
from inventory.services.stock import lots
from inventory.services.stock import queries
from inventory.services.stock.names import names_for

ERRORS = {"HTTP_403": ErrorBody, "HTTP_404": ErrorBody, "HTTP_409": ErrorBody, "HTTP_422": ErrorBody}


class LotCreate(StrictBody):
    material: str = Field(min_length=1, max_length=32, description="material code")
    facility: str = Field(min_length=1, max_length=32, description="facility code")
    lot_code: str = Field(min_length=1, max_length=64)
    quantity: Decimal = Field(gt=0, max_digits=18, decimal_places=3)
    production_date: date | None = None
    expiry_date: date | None = Field(default=None, description="derived from the shelf life when omitted")
    received_on: date | None = None
    quality_grade: str = Field(default="", max_length=32)
    inspection_result: str = Field(default="", max_length=255)
    note: str = Field(default="", max_length=500)


class MovementCreate(StrictBody):
    kind: Literal["issue", "adjustment"]
    quantity: Decimal = Field(max_digits=18, decimal_places=3,
                              description="issue: positive amount taken out; adjustment: signed change")
    note: str = Field(default="", max_length=500)


class HoldBody(StrictBody):
    status: Literal["quality_hold", "quarantined", "available"]
    reason: str = Field(min_length=1, max_length=500)


class LotCodes:
    """Codes for the ids on one page of lots, from the one name loader."""

    def __init__(self, rows: list[Lot]):
        session = get_session()
        names = names_for(session, current_user(), rows)
        self.materials = {i: m.code for i, m in names.materials.items()}
        self.facilities = {i: f.code for i, f in names.facilities.items()}
        self.orgs = {i: o.code for i, o in names.orgs.items()}

    def lot(self, lot: Lot) -> dict:
        return {"id": lot.id, "lot_code": lot.lot_code, "material": self.materials.get(lot.material_id),
                "facility": self.facilities.get(lot.facility_id), "enterprise": self.orgs.get(lot.enterprise_id),
                "quantity_received": decimal_text(lot.quantity_received), "on_hand": decimal_text(lot.on_hand),
                "production_date": iso_or_none(lot.production_date), "expiry_date": lot.expiry_date.isoformat(),
                "received_on": lot.received_on.isoformat(), "quality_grade": lot.quality_grade,
                "inspection_result": lot.inspection_result, "status": lot.status}


def lot_public(lot: Lot) -> dict:
    return LotCodes([lot]).lot(lot)


def movement_public(m: Movement) -> dict:
    return {"id": m.id, "lot_id": m.lot_id, "seq": m.seq, "kind": m.kind, "quantity": decimal_text(m.quantity),
            "on_hand_after": decimal_text(m.on_hand_after), "at": m.at.isoformat(), "actor_id": m.actor_id,
            "ref_type": m.ref_type, "ref_id": m.ref_id, "note": m.note, "hash": m.hash}


def adjustment_public(a: Adjustment) -> dict:
    return {"id": a.id, "lot_id": a.lot_id, "quantity": decimal_text(a.quantity), "note": a.note,
            "status": a.status, "requested_by": a.requested_by, "decided_by": a.decided_by,
            "decision_note": a.decision_note, "movement_id": a.movement_id, "created_at": a.created_at.isoformat()}


@bp.get("/lots")
@spec.validate(tags=["stock"])
def list_lots():
    """Lots visible to the caller, earliest expiry first
    (`?material=&enterprise=&facility=&category=&status=&expiring_within_days=`)."""
    filters = queries.LotFilter.from_args(request.args)
    query = queries.lots(session=get_session(), actor=current_user(), filters=filters)
    result = page(query, [Lot.expiry_date, Lot.id], lambda lot: lot)
    names = LotCodes(result["items"])
    result["items"] = [names.lot(lot) for lot in result["items"]]
    return jsonify(result)


@bp.post("/lots")
@spec.validate(json=LotCreate, resp=Response(**ERRORS), tags=["stock"])
@idempotent
def create_lot():
    """Receive a lot into a facility of the caller's enterprise (records a `receipt` movement)."""
    body, session = request.context.json, get_session()
    lot = lots.receive_lot(session=session, actor=current_user(), receipt=lots.Receipt(**body.model_dump()))
    session.commit()
    return jsonify(lot_public(lot)), 201


@bp.get("/lots/<int:lot_id>")
@spec.validate(resp=Response(HTTP_404=ErrorBody), tags=["stock"])
def get_lot(lot_id: int):
    """One lot (404 when it does not exist or is not visible to the caller)."""
    return jsonify(lot_public(scope.visible_lot(get_session(), current_user(), lot_id)))


@bp.post("/lots/<int:lot_id>/movements")
@spec.validate(json=MovementCreate, resp=Response(**ERRORS), tags=["stock"])
@idempotent
def create_movement(lot_id: int):
    """Issue from or adjust a lot. A write-down beyond the tolerance answers 202 with a pending adjustment."""
    body, session, user = request.context.json, get_session(), current_user()
    if body.kind == "issue":
        result = lots.issue(session=session, actor=user, lot_id=lot_id, amount=body.quantity, note=body.note)
    else:
        result = lots.adjust(session=session, actor=user, lot_id=lot_id, amount=body.quantity, note=body.note)
    session.commit()
    if isinstance(result, Movement):
        return jsonify(movement_public(result)), 201
    return jsonify({"adjustment": adjustment_public(result)}), 202


@bp.get("/lots/<int:lot_id>/movements")
@spec.validate(resp=Response(HTTP_404=ErrorBody), tags=["stock"])
def list_movements(lot_id: int):
    """The lot's ledger, oldest first."""
    session = get_session()
    lot = scope.visible_lot(session, current_user(), lot_id)
    return jsonify(page(select(Movement).where(Movement.lot_id == lot.id), [Movement.seq], movement_public))


@bp.post("/lots/<int:lot_id>/hold")
@spec.validate(json=HoldBody, resp=Response(**ERRORS), tags=["stock"])
def hold_lot(lot_id: int):
    """Put a lot on quality hold or quarantine, or release it."""
    body, session = request.context.json, get_session()
    lot = lots.set_hold(session=session, actor=current_user(), lot_id=lot_id, status=body.status, reason=body.reason)
    session.commit()
    return jsonify(lot_public(lot))


@bp.get("/stock/fefo")
@spec.validate(tags=["stock"])
def fefo():
    """First expiry, first out: which lots to take `?quantity=` of `?material=` from."""
    session, user = get_session(), current_user()
    material = catalogue.material_by_code(session, request.args.get("material", ""))
    raw = request.args.get("quantity")
    amount = ledger.quantity(raw) if raw else None
    picks = lots.fefo(session=session, actor=user, material_id=material.id, quantity=amount)
    names = LotCodes([p.lot for p in picks])
    return jsonify({"items": [{"lot": names.lot(p.lot), "take": decimal_text(p.take)} for p in picks]})


@bp.get("/stock/summary")
@spec.validate(tags=["stock"])
def stock_summary():
    """On hand per group (`?group_by=material|enterprise|district|category`), split by unit."""
    rows = queries.summary(session=get_session(), actor=current_user(),
                                 group_by=request.args.get("group_by", "material"))
    return jsonify({"items": [{"key": r.key, "name": r.name, "unit": r.unit, "lot_count": r.lot_count,
                               "on_hand": decimal_text(r.on_hand), "plan_quantity": decimal_text(r.plan_quantity),
                               "coverage": decimal_text(r.coverage)} for r in rows]})
