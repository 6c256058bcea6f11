"""Coverage against the plan over the API (docs/plans.md, "Coverage"): per material, enterprise, contract line,
district or the city, with the allowed shortfalls and the rows behind them, and the lots behind a group."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from flask import request
from pydantic import BaseModel, Field

from inventory import scope
from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.pagination import page
from inventory.api.schemas import Blank, PageQuery, Quantity, Query, errors, page_of
from inventory.api.spec import path_enums, spec
from inventory.api.stock.lots import LotCodes, LotOut
from inventory.core.clock import business_today
from inventory.core.vocab import AllowanceKind, CoverageGroup, LotStatus
from inventory.db import get_session
from inventory.models import Lot
from inventory.services.plans import coverage

TAGS = ["plans"]
AS_OF = Field(default=None, description="the day; default today (Asia/Shanghai)")


class CoverageQuery(Query):
    group_by: CoverageGroup = CoverageGroup.material
    as_of: Annotated[date, Blank] = AS_OF


class AllowanceOut(BaseModel):
    kind: AllowanceKind
    id: int = Field(description="the rotation's, replenishment's or dispatch's id")
    code: str
    quantity: Quantity = Field(description="the part of the shortfall it allows")
    until: date | None = Field(description="end of the rotation window or the replenishment's due date")


class CoverageRowOut(BaseModel):
    key: str = Field(description="material, organisation or district code, the contract line's id, or `city`")
    name: str
    unit: str | None
    plan_quantity: Quantity | None = Field(description="the plan (or contract) quantity in force; null without one")
    available: Quantity = Field(description="on hand in available lots not past expiry on the day")
    allowed_shortfall: Quantity
    coverage: Quantity | None = Field(description="available ÷ plan; null without a plan")
    allowed_reasons: list[str] = Field(description="`kind:code` of each allowance")
    allowances: list[AllowanceOut]


class CoverageOut(BaseModel):
    group_by: CoverageGroup
    as_of: date
    items: list[CoverageRowOut]


class CoverageLotsQuery(PageQuery):
    as_of: Annotated[date, Blank] = AS_OF


class CoverageLotOut(BaseModel):
    lot: LotOut
    counted: bool = Field(description="whether its on-hand counts as available on the day")
    excluded_because: LotStatus | None = Field(description="why not: its status, or `expired` by date")


CoverageLotPage = page_of(CoverageLotOut)


@bp.get("/coverage")
@spec.validate(query=CoverageQuery, resp=errors(403, 422, HTTP_200=CoverageOut), tags=TAGS)
def coverage_list():
    """Plan (or contract) quantity against available stock per `group_by` (material, enterprise, contract_line,
    district, city) on `as_of`, split by unit, with the allowed shortfalls explained; scoped to the caller."""
    params, session, user = request.context.query, get_session(), current_user()
    scope.require(user, "view", "coverage")
    day = params.as_of or business_today()
    rows = coverage.coverage_rows(session, group=params.group_by, as_of=day, actor=user)
    details = coverage.allowance_details(session, group=params.group_by, as_of=day, actor=user)
    return CoverageOut(group_by=params.group_by, as_of=day, items=[CoverageRowOut(
        **{name: getattr(row, name) for name in coverage.CoverageRow.__dataclass_fields__},
        allowances=[AllowanceOut(kind=a.kind, id=a.ref_id, code=a.code, quantity=a.quantity, until=a.until)
                    for a in details.get((row.key, row.unit), ())]) for row in rows])


@bp.get("/coverage/<group>/<key>/lots")
@spec.validate(query=CoverageLotsQuery, resp=errors(403, 404, 422, HTTP_200=CoverageLotPage), tags=TAGS)
@path_enums(group=CoverageGroup.values())
def coverage_lots(group: str, key: str):
    """The lots with stock behind one group's row, earliest expiry first, each saying whether it counts on
    `as_of` (404 for a group the caller may not see)."""
    params, session, user = request.context.query, get_session(), current_user()
    scope.require(user, "view", "coverage")
    day = params.as_of or business_today()
    query = coverage.lots_of(session, group=group, key=key, as_of=day, actor=user)
    rows, cursor = page(query, [Lot.expiry_date, Lot.id], params)
    names = LotCodes(rows)
    return CoverageLotPage(items=[
        CoverageLotOut(lot=names.lot(lot), counted=(why := coverage.excluded_because(lot, day)) is None,
                       excluded_because=why) for lot in rows], next_cursor=cursor)
