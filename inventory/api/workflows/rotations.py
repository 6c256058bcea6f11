"""Rotations (轮换, reserve-materials-measures §三) over the API: the enterprise's proposal, the bureau's approval
(refused below the floor), what goes out and comes back in with its prices, and completion.

The ``action`` of ``/rotations/{id}/actions/{action}`` is one a person takes in the rotation flow of the workflow
registry (services/workflows/rotations.py). Going out and coming in are resources of their own, sent as often as the
stock moves: ``POST /rotations/{id}/out`` and ``POST /rotations/{id}/in``.
"""
from __future__ import annotations

from datetime import date
from typing import Annotated

from flask import request
from flask_babel import lazy_gettext as _l
from pydantic import Field, StrictInt

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
from inventory.api.workflows.dispatches import StepOut
from inventory.core.errors import Invalid
from inventory.core.vocab import InspectionResult, RotationMode, RotationStatus, WorkflowAction
from inventory.db import get_session
from inventory.models import Material, Organisation, Rotation
from inventory.services.workflows import dispatch_views, engine, rotation_lists, rotations
from inventory.services.workflows.rotation_lists import ListFilter
from inventory.services.workflows.rotations import ROTATION, RotationIn, RotationInput

TAGS = ["rotations"]
ACTIONS = person_actions(ROTATION)


class RotationQuery(PageQuery):
    status: Annotated[RotationStatus, Blank] = None
    material: Annotated[str, Blank] = Field(default=None, max_length=32, description="material code")
    enterprise: Annotated[str, Blank] = Field(default=None, max_length=32, description="organisation code")
    created_from: Annotated[date, Blank] = Field(default=None, description="proposed on or after this business day")
    created_to: Annotated[date, Blank] = Field(default=None, description="proposed on or before this business day")

    def filters(self) -> ListFilter:
        return ListFilter(status=self.status or "", enterprise=self.enterprise or "", material=self.material or "",
                          created_from=self.created_from, created_to=self.created_to)


class RotationCreate(StrictBody):
    lots: list[RowId] = Field(min_length=1, max_length=100, description="ids of the lots to take out")
    quantity: PositiveQuantity = Field(description="the quantity to rotate out (and bring back)")
    mode: RotationMode = RotationMode.market
    sale_price: NonNegativeQuantity = Field(description="proposed sale price, yuan per unit")
    window_days: Annotated[StrictInt, Field(ge=1, le=365)] | None = Field(
        default=None, description="days from approval; default the material's rotation lead time")
    note: str = Field(default="", max_length=500)

    def given(self) -> RotationInput:
        return RotationInput(lots=tuple(self.lots), quantity=self.quantity, mode=self.mode,
                             sale_price=self.sale_price, window_days=self.window_days, note=self.note)


class RotationDecision(StrictBody):
    note: str = Field(default="", max_length=500, description="required to reject")


class OutIn(StrictBody):
    lot: RowId = Field(description="one of the rotation's lots")
    quantity: PositiveQuantity
    unit_price: NonNegativeQuantity | None = Field(default=None, description="sale price; default the proposed one")
    note: str = Field(default="", max_length=500)


class InIn(CertificatesIn):
    """A new lot bought back, with the certificates cold-chain food needs (docs/coldchain.md, traceability)."""

    material: str = Field(min_length=1, max_length=32, description="material code: the rotation's own (422 else)")
    facility: str = Field(min_length=1, max_length=32, description="facility code of the caller's enterprise")
    lot_code: str = Field(min_length=1, max_length=64)
    quantity: PositiveQuantity
    unit_price: NonNegativeQuantity = Field(description="purchase price, yuan per unit")
    production_date: date | None = None
    expiry_date: date | None = Field(default=None, description="derived from the shelf life when omitted")
    inspection_result: InspectionResult = InspectionResult.passed
    note: str = Field(default="", max_length=500)

    def given(self) -> RotationIn:
        return RotationIn(material=self.material, facility=self.facility, lot_code=self.lot_code,
                          quantity=self.quantity, unit_price=self.unit_price, production_date=self.production_date,
                          expiry_date=self.expiry_date, inspection_result=self.inspection_result, note=self.note,
                          certificates=self.certificates())


class RotationOut(Out):
    id: int
    code: str
    status: RotationStatus
    enterprise_id: int
    enterprise: str = Field(description="organisation code")
    material_id: int
    material: str = Field(description="material code")
    mode: RotationMode
    quantity: Quantity
    quantity_out: Quantity = Field(description="rotated out so far")
    quantity_in: Quantity = Field(description="brought back so far; completes at quantity_out")
    window_days: int
    window_ends_on: date | None = Field(description="set at approval: its day + window_days; overdue the day after")
    sale_price: Quantity | None
    note: str
    requested_by: int
    created_at: Timestamp
    submitted_at: Timestamp | None
    approved_by: int | None
    approved_at: Timestamp | None
    approval_note: str
    rejected_by: int | None
    rejection_note: str
    completed_at: Timestamp | None
    sold_at: Quantity | None = Field(description="average sale price of what went out, yuan per unit")
    bought_at: Quantity | None = Field(description="average purchase price of what came back, yuan per unit (a "
                                                   "bureau compares the two: low in, high out)")


class ExecutionOut(Out):
    id: int
    direction: str = Field(description="out or in")
    lot_id: int
    movement_id: int
    quantity: Quantity
    unit_price: Quantity = Field(description="sale price out, purchase price in")
    quality_result: str = Field(description="InspectionResult of what came in")
    note: str
    recorded_by: int
    recorded_at: Timestamp


class RotationDetail(RotationOut):
    lots: list[int] = Field(description="the lots it takes out")
    executions: list[ExecutionOut]
    timeline: list[StepOut]
    actions: list[WorkflowAction] = Field(description="what the caller may do now: "
                                                      "`POST /rotations/{id}/actions/{action}`")


RotationPage = page_of(RotationOut)


def _out(rows: list[Rotation]) -> list[RotationOut]:
    session = get_session()
    materials = dispatch_views.rows_by_id(session, Material, (r.material_id for r in rows))
    orgs = dispatch_views.rows_by_id(session, Organisation, (r.enterprise_id for r in rows))
    prices = rotation_lists.prices(session, (r.id for r in rows))
    return [RotationOut.model_validate({**{n: getattr(r, n) for n in RotationOut.model_fields if hasattr(r, n)},
                                        "material": materials[r.material_id].code,
                                        "enterprise": orgs[r.enterprise_id].code,
                                        "sold_at": prices[r.id].sold_at, "bought_at": prices[r.id].bought_at})
            for r in rows]


def _detail(rotation_id: int) -> RotationDetail:
    session, actor = get_session(), current_user()
    row = rotations.visible(session, actor, rotation_id)
    return RotationDetail.model_validate({
        **_out([row])[0].model_dump(), "lots": rotations.lot_ids(session, row.id),
        "executions": [ExecutionOut.model_validate(e) for e in rotations.executions(session, row.id)],
        "timeline": [StepOut.model_validate(s) for s in engine.timeline(session, flow=ROTATION, row_id=row.id)],
        "actions": rotations.actions_for(session, actor, row)})


@bp.get("/rotations")
@spec.validate(query=RotationQuery, resp=errors(403, 422, HTTP_200=RotationPage), tags=TAGS)
def list_rotations():
    """Rotations visible to the caller, oldest first (`?status=&material=&enterprise=&created_from=&created_to=`),
    each with the average prices it sold and bought back at."""
    params, session = request.context.query, get_session()
    rows, cursor = page(rotation_lists.rotations_listed(session, current_user(), params.filters()), [Rotation.id],
                        params)
    return RotationPage(items=_out(rows), next_cursor=cursor)


@bp.post("/rotations")
@spec.validate(json=RotationCreate, resp=errors(*BODY, 403, HTTP_201=RotationDetail), tags=TAGS)
@idempotent
def create_rotation():
    """Draft a rotation (an enterprise, for available lots of one rotation-policy material of its own); `submit`
    it for the bureau."""
    session = get_session()
    made = rotations.propose(session=session, actor=current_user(), given=request.context.json.given())
    session.commit()
    return _detail(made.id), 201


@bp.get("/rotations/<int:rotation_id>")
@spec.validate(resp=errors(403, 404, HTTP_200=RotationDetail), tags=TAGS)
def get_rotation(rotation_id: int):
    """The rotation with its lots, priced executions, timeline and the caller's actions."""
    return _detail(rotation_id)


@bp.post("/rotations/<int:rotation_id>/actions/<action>")
@spec.validate(json=RotationDecision, resp=errors(*BODY, 403, 404, 409, HTTP_200=RotationDetail), tags=TAGS)
@path_enums(action=ACTIONS)
def decide_rotation(rotation_id: int, action: str):
    """submit or cancel (the enterprise, while waiting); approve (the bureau approver of the material; 409
    `below_floor` if the enterprise's stock could fall under the floor; the window starts) or reject with a reason;
    complete (the enterprise, once as much came in as went out)."""
    if action not in ACTIONS:
        raise Invalid.field("action", _l("one of %(choices)s", choices=", ".join(ACTIONS)))
    session = get_session()
    rotations.decide(session=session, actor=current_user(), rotation_id=rotation_id, action=action,
                     note=request.context.json.note)
    session.commit()
    return _detail(rotation_id)


@bp.post("/rotations/<int:rotation_id>/out")
@spec.validate(json=OutIn, resp=errors(*BODY, 403, 404, 409, HTTP_201=ExecutionOut), tags=TAGS)
@idempotent
def rotate_out(rotation_id: int):
    """Take stock out of one of the rotation's lots (`rotation_out`), at most the rotation's quantity in all (409
    `over_rotated`); the sale price is kept with it."""
    body, session = request.context.json, get_session()
    done = rotations.rotate_out(session=session, actor=current_user(), rotation_id=rotation_id, lot_id=body.lot,
                                quantity=body.quantity, unit_price=body.unit_price, note=body.note)
    session.commit()
    return ExecutionOut.model_validate(done), 201


@bp.post("/rotations/<int:rotation_id>/in")
@spec.validate(json=InIn, resp=errors(*BODY, 403, 404, 409, HTTP_201=ExecutionOut), tags=TAGS)
@idempotent
def rotate_in(rotation_id: int):
    """Bring stock back as a new lot of the same material (`rotation_in`, with its purchase price and quality
    result, and for chilled and frozen food its certificates: 422 naming each one missing); once all went out and
    as much came back, the rotation completes."""
    body, session = request.context.json, get_session()
    done = rotations.rotate_in(session=session, actor=current_user(), rotation_id=rotation_id, given=body.given())
    session.commit()
    return ExecutionOut.model_validate(done), 201
