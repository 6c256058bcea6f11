"""Lots, their ledger, holds, FEFO picking and issuing, and the stock summary over the API."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from flask import request
from pydantic import BaseModel, Field
from sqlmodel import select

from inventory import scope
from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.coldchain.certificates import CertificatesIn
from inventory.api.idempotency import idempotent
from inventory.api.pagination import page
from inventory.api.schemas import (
    BODY,
    Blank, Out, PageQuery, PositiveQuantity, Quantity, QuantityIn, Query, StrictBody, Timestamp, errors, page_of,
)
from inventory.api.spec import spec
from inventory.core.vocab import Category, InspectionResult, LotStatus, MovementKind, RequestStatus, SummaryGroup
from inventory.db import get_session
from inventory.models import Lot, Movement
from inventory.services.coldchain import traceability
from inventory.services.stock import catalogue, lots, queries
from inventory.services.stock.names import names_for

Note = Annotated[str, Field(max_length=500)]
MaterialCode = Annotated[str, Field(min_length=1, max_length=32, description="material code")]


class LotCreate(CertificatesIn):
    material: MaterialCode
    facility: str = Field(min_length=1, max_length=32, description="facility code")
    lot_code: str = Field(min_length=1, max_length=64)
    quantity: PositiveQuantity
    production_date: date | None = Field(default=None, description="not after the day received")
    expiry_date: date | None = Field(default=None, description="derived from the shelf life when omitted")
    received_on: date | None = Field(default=None, description="from 2000-01-01 to today; default today")
    quality_grade: str = Field(default="", max_length=32)
    inspection_result: InspectionResult = Field(
        default=InspectionResult.passed, description="failed: received quarantined; pending: on quality hold")
    note: Note = ""

    def receipt(self) -> lots.Receipt:
        values = self.model_dump(exclude=set(traceability.FIELDS))
        return lots.Receipt(**values, certificates=self.certificates())


class LotOut(Out):
    id: int
    lot_code: str
    material: str | None = Field(description="material code")
    facility: str | None = Field(description="facility code")
    enterprise: str | None = Field(description="organisation code")
    quantity_received: Quantity
    on_hand: Quantity
    production_date: date | None
    expiry_date: date
    received_on: date
    quality_grade: str
    inspection_result: str
    status: LotStatus
    position: str = Field(description="store room / stack inside the facility")
    held_by: str | None = Field(description="organisation code of whoever placed the current hold")
    origin: str
    trace_certificate: str
    quarantine_certificate: str
    imported: bool
    customs_declaration: str
    entry_inspection_certificate: str
    disinfection_certificate: str


class MovementCreate(StrictBody):
    kind: Literal[MovementKind.issue, MovementKind.adjustment]
    quantity: QuantityIn = Field(description="issue: positive amount taken out; adjustment: signed change")
    note: Note = ""


class MovementOut(Out):
    id: int
    lot_id: int
    seq: int
    kind: MovementKind
    quantity: Quantity
    on_hand_after: Quantity
    at: Timestamp
    actor_id: int | None
    ref_type: str | None
    ref_id: int | None
    note: str
    hash: str


class AdjustmentOut(Out):
    id: int
    lot_id: int
    quantity: Quantity
    note: str
    status: RequestStatus
    requested_by: int
    decided_by: int | None
    decision_note: str
    movement_id: int | None
    created_at: Timestamp


class PendingAdjustment(BaseModel):
    """A change beyond the tolerance: it waits for the bureau and has moved no stock yet."""

    adjustment: AdjustmentOut


class HoldBody(StrictBody):
    status: Literal[LotStatus.quality_hold, LotStatus.quarantined, LotStatus.available]
    reason: str = Field(min_length=1, max_length=500)


class RelocationBody(StrictBody):
    position: str = Field(min_length=1, max_length=64, description="the new store room / stack")
    reason: str = Field(default="", max_length=500)


class LotFilters(Query):
    """The filters of `GET /lots` and its export; blank values are ignored."""

    material: Annotated[str, Blank] = Field(default=None, max_length=32, description="material code")
    enterprise: Annotated[str, Blank] = Field(default=None, max_length=32, description="organisation code")
    facility: Annotated[str, Blank] = Field(default=None, max_length=32, description="facility code")
    category: Annotated[Category, Blank] = None
    status: Annotated[LotStatus, Blank] = None
    expiring_within_days: Annotated[int, Blank] = Field(
        default=None, ge=0, le=queries.MAX_EXPIRY_DAYS, description="lots with stock expiring within so many days")

    def lot_filter(self) -> queries.LotFilter:
        return queries.LotFilter(**self.model_dump(include=set(LotFilters.model_fields)))


class LotQuery(LotFilters, PageQuery):
    pass


class FefoQuery(Query):
    material: MaterialCode
    quantity: Annotated[PositiveQuantity, Blank] = Field(default=None, description="how much is needed; default: all")


class FefoPick(BaseModel):
    lot: LotOut
    take: Quantity


class FefoPlan(BaseModel):
    items: list[FefoPick]


class FefoIssue(StrictBody):
    material: MaterialCode
    quantity: PositiveQuantity
    note: Note = ""


class FefoIssued(BaseModel):
    """One issue movement per lot taken from, earliest expiry first."""

    items: list[MovementOut]


class SummaryQuery(Query):
    group_by: SummaryGroup = SummaryGroup.material


class SummaryRow(Out):
    key: str
    name: str
    unit: str | None
    lot_count: int
    on_hand: Quantity
    plan_quantity: Quantity | None = Field(description="null until annual plans exist")
    coverage: Quantity | None = Field(description="null until annual plans exist")
    to_replenish: Quantity | None = Field(default=None, description="grouped by material: what open replenishments "
                                                                   "still have to bring in; null when none is open")


class Summary(BaseModel):
    items: list[SummaryRow]


LotPage, MovementPage = page_of(LotOut), page_of(MovementOut)


class LotCodes:
    """Codes for the ids on one page of lots, from the one name loader."""

    def __init__(self, rows: list[Lot]):
        names = names_for(get_session(), current_user(), rows)
        self.materials = {i: m.code for i, m in names.materials.items()}
        self.facilities = {i: f.code for i, f in names.facilities.items()}
        self.orgs = {i: o.code for i, o in names.orgs.items()}

    def lot(self, lot: Lot) -> LotOut:
        return LotOut.model_validate({
            **{name: getattr(lot, name) for name in LotOut.model_fields if hasattr(lot, name)},
            "material": self.materials.get(lot.material_id), "facility": self.facilities.get(lot.facility_id),
            "enterprise": self.orgs.get(lot.enterprise_id),
            "held_by": self.orgs.get(lot.held_by_org_id) if lot.held_by_org_id else None})


def lot_out(lot: Lot) -> LotOut:
    return LotCodes([lot]).lot(lot)


@bp.get("/lots")
@spec.validate(query=LotQuery, resp=errors(422, HTTP_200=LotPage), tags=["stock"])
def list_lots():
    """Lots visible to the caller, earliest expiry first
    (`?material=&enterprise=&facility=&category=&status=&expiring_within_days=`)."""
    params = request.context.query
    query = queries.lots(session=get_session(), actor=current_user(), filters=params.lot_filter())
    rows, cursor = page(query, [Lot.expiry_date, Lot.id], params)
    names = LotCodes(rows)
    return LotPage(items=[names.lot(lot) for lot in rows], next_cursor=cursor)


@bp.post("/lots")
@spec.validate(json=LotCreate, resp=errors(*BODY, 403, 409, HTTP_201=LotOut), tags=["stock"])
@idempotent
def create_lot():
    """Receive a lot into a facility of the caller's enterprise (records a `receipt` movement)."""
    body, session = request.context.json, get_session()
    lot = lots.receive_lot(session=session, actor=current_user(), receipt=body.receipt())
    session.commit()
    return lot_out(lot), 201


@bp.get("/lots/<int:lot_id>")
@spec.validate(resp=errors(404, HTTP_200=LotOut), tags=["stock"])
def get_lot(lot_id: int):
    """One lot (404 when it does not exist or is not visible to the caller)."""
    return lot_out(scope.visible_lot(get_session(), current_user(), lot_id))


@bp.post("/lots/<int:lot_id>/movements")
@spec.validate(json=MovementCreate, resp=errors(*BODY, 403, 404, 409, HTTP_201=MovementOut,
                                                 HTTP_202=PendingAdjustment), tags=["stock"])
@idempotent
def create_movement(lot_id: int):
    """Issue from or adjust a lot. An adjustment beyond the tolerance answers 202 with a pending adjustment."""
    body, session, user = request.context.json, get_session(), current_user()
    if body.kind == MovementKind.issue:
        result = lots.issue(session=session, actor=user, lot_id=lot_id, amount=body.quantity, note=body.note)
    else:
        result = lots.adjust(session=session, actor=user, lot_id=lot_id, amount=body.quantity, note=body.note)
    session.commit()
    if isinstance(result, Movement):
        return MovementOut.model_validate(result), 201
    return PendingAdjustment(adjustment=AdjustmentOut.model_validate(result)), 202


@bp.get("/lots/<int:lot_id>/movements")
@spec.validate(query=PageQuery, resp=errors(404, 422, HTTP_200=MovementPage), tags=["stock"])
def list_movements(lot_id: int):
    """The lot's ledger, oldest first."""
    lot = scope.visible_lot(get_session(), current_user(), lot_id)
    rows, cursor = page(select(Movement).where(Movement.lot_id == lot.id), [Movement.seq], request.context.query)
    return MovementPage(items=rows, next_cursor=cursor)


@bp.post("/lots/<int:lot_id>/hold")
@spec.validate(json=HoldBody, resp=errors(*BODY, 403, 404, 409, HTTP_200=LotOut), tags=["stock"])
def hold_lot(lot_id: int):
    """Put a lot on quality hold or quarantine, or release it."""
    body, session = request.context.json, get_session()
    lot = lots.set_hold(session=session, actor=current_user(), lot_id=lot_id, status=body.status, reason=body.reason)
    session.commit()
    return lot_out(lot)


@bp.post("/lots/<int:lot_id>/position")
@spec.validate(json=RelocationBody, resp=errors(*BODY, 403, 404, HTTP_200=LotOut), tags=["stock"])
def relocate_lot(lot_id: int):
    """Move a lot to another store room or stack inside its facility (an audited relocation, not a transfer)."""
    body, session = request.context.json, get_session()
    lot = lots.relocate(session=session, actor=current_user(), lot_id=lot_id, position=body.position,
                        reason=body.reason)
    session.commit()
    return lot_out(lot)


@bp.get("/stock/fefo")
@spec.validate(query=FefoQuery, resp=errors(422, HTTP_200=FefoPlan), tags=["stock"])
def fefo():
    """First expiry, first out: which lots to take `?quantity=` of `?material=` from (at most 200 lots)."""
    params, session = request.context.query, get_session()
    material = catalogue.material_by_code(session, params.material)
    picks = lots.fefo(session=session, actor=current_user(), material_id=material.id, quantity=params.quantity)
    names = LotCodes([p.lot for p in picks])
    return FefoPlan(items=[FefoPick(lot=names.lot(p.lot), take=p.take) for p in picks])


@bp.post("/stock/fefo/issue")
@spec.validate(json=FefoIssue, resp=errors(*BODY, 403, 409, HTTP_201=FefoIssued), tags=["stock"])
@idempotent
def fefo_issue():
    """Issue `quantity` of `material` from the earliest-expiring available lots, all or nothing."""
    body, session = request.context.json, get_session()
    material = catalogue.material_by_code(session, body.material)
    movements = lots.issue_fefo(session=session, actor=current_user(), material_id=material.id,
                                amount=body.quantity, note=body.note)
    session.commit()
    return FefoIssued(items=movements), 201


@bp.get("/stock/summary")
@spec.validate(query=SummaryQuery, resp=errors(422, HTTP_200=Summary), tags=["stock"])
def stock_summary():
    """On hand per group (`?group_by=material|enterprise|district|category`), split by unit."""
    rows = queries.summary(session=get_session(), actor=current_user(), group_by=request.context.query.group_by)
    return Summary(items=rows)
