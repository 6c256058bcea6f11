"""The blood station's daily reports and the status of any day over ``/api/v1/blood`` (docs/api.md, blood; the
rules are in services/blood/ and docs/blood.md)."""
from __future__ import annotations

import datetime as dt
from datetime import date
from typing import Annotated

from flask import request
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, Field, StrictBool

from inventory import scope
from inventory.api.auth import current_user
from inventory.api.blood.emergencies import BloodEmergencyOut, emergency_out
from inventory.api.blueprint import bp
from inventory.api.idempotency import idempotent
from inventory.api.pagination import page
from inventory.api.schemas import BODY, Blank, NonNegativeQuantity, Out, PageQuery, Query, Quantity, StrictBody, \
    Timestamp, errors, page_of
from inventory.api.spec import spec
from inventory.core.clock import business_today
from inventory.core.errors import Invalid
from inventory.core.vocab import (
    BloodComponent, BloodGroup, EmergencyLevel, Rh,
)
from inventory.db import get_session
from inventory.jobs import commit_then_enqueue
from inventory.models import BloodReport
from inventory.services.blood import reports, supply

TAGS = ["blood"]
SCAN_TASK = "workers.tasks.scan_alerts"
#: the days the status can be asked for: the history the station keeps, and no further ahead than a year
FIRST_DAY, LAST_DAY_AHEAD = date(2000, 1, 1), 366


class BloodLineIn(StrictBody):
    group: BloodGroup
    rh: Rh
    component: BloodComponent = Field(description="red_cells and plasma in units, platelets in therapeutic doses")
    on_hand: NonNegativeQuantity = Field(description="stock at the end of the day")
    collected: NonNegativeQuantity = Field(description="collected that day")
    issued: NonNegativeQuantity = Field(description="issued to hospitals that day")


class BloodReportIn(StrictBody):
    date: dt.date = Field(description="the business day reported; not after today")
    lines: list[BloodLineIn] = Field(min_length=1, max_length=100,
                                      description="one per group, Rh and component; a combination left out is zero")
    replace: StrictBool = Field(default=False, description="a correction: replaces the day's report (else 409)")
    note: str = Field(default="", max_length=500)


class BloodLineOut(Out):
    group: str
    rh: str
    component: str
    on_hand: Quantity
    collected: Quantity
    issued: Quantity


class BloodReportOut(BaseModel):
    id: int
    station: str = Field(description="the blood station's organisation code")
    date: dt.date
    revision: int = Field(description="1 when filed, +1 per correction")
    note: str
    filed_by: int
    filed_at: Timestamp
    corrected_by: int | None
    corrected_at: Timestamp | None
    lines: list[BloodLineOut]


class BloodReportQuery(PageQuery):
    station: Annotated[str, Blank] = Field(default=None, max_length=32, description="station code")
    date_from: Annotated[date, Blank] = Field(default=None, alias="from", description="first day, inclusive")
    date_to: Annotated[date, Blank] = Field(default=None, alias="to", description="last day, inclusive")


class BloodStatusQuery(Query):
    as_of: Annotated[date, Blank] = Field(default=None, description="the day; default today (Asia/Shanghai)")
    station: Annotated[str, Blank] = Field(default=None, max_length=32,
                                           description="station code; default the caller's or the city's station")


class BloodSupplyOut(BaseModel):
    on_hand: Quantity
    daily_use: Quantity | None = Field(description="mean issued per reported day of the window; null if none")
    days_of_supply: Annotated[str, Field(pattern=r"^[0-9]+\.[0-9]{2}$")] | None = Field(
        description="on hand ÷ daily use, two places; null when nothing was issued")
    low: bool = Field(description="days of supply ≤ 3.00")


class BloodComponentOut(BloodSupplyOut):
    component: BloodComponent


class BloodGroupOut(BloodSupplyOut):
    group: str = Field(description="A, B, O, AB or total; figures are red cells of both Rh types")
    low_streak_working_days: int
    components: list[BloodComponentOut]
    rh_negative: BloodSupplyOut = Field(description="red cells, Rh-negative only: shown, never starts a level")


class BloodStatusOut(BaseModel):
    as_of: date
    station: str
    based_on: date | None = Field(description="the reported day the figures are of")
    level: EmergencyLevel | None
    colour: str | None
    computed_level: EmergencyLevel | None
    computed_rule: str
    window_days: int
    history_days: int = Field(description="reported days in the window the daily use is the mean of")
    calendar_known: bool = Field(description="false when the year's working days are a Monday–Friday guess")
    calendar_unknown_years: list[int] = Field(description="of the day's year and the next, those whose working "
                                                          "days are a guess until an administrator loads them")
    groups: list[BloodGroupOut]
    total: BloodGroupOut
    collection_deficit_streak_days: int
    emergencies: list[BloodEmergencyOut] = Field(description="confirmed levels in force on the day")


BloodReportPage = page_of(BloodReportOut)


def _reports_out(rows: list[BloodReport]) -> list[BloodReportOut]:
    session = get_session()
    codes = reports.station_codes(session, {row.station_id for row in rows})
    lines = reports.lines_by_report(session, [row.id for row in rows])
    return [BloodReportOut(
        id=row.id, station=codes[row.station_id], date=row.report_date, revision=row.revision, note=row.note,
        filed_by=row.filed_by, filed_at=row.filed_at, corrected_by=row.corrected_by, corrected_at=row.corrected_at,
        lines=[BloodLineOut(group=line.abo_group, rh=line.rh, component=line.component, on_hand=line.on_hand,
                            collected=line.collected, issued=line.issued) for line in lines.get(row.id, [])])
        for row in rows]


def _supply(found: supply.Supply) -> dict:
    return {"on_hand": found.on_hand, "daily_use": found.daily_use,
            "days_of_supply": None if found.days_of_supply is None else f"{found.days_of_supply:.2f}",
            "low": found.low}


def _group(found: supply.GroupStatus) -> BloodGroupOut:
    return BloodGroupOut(
        group=found.group, low_streak_working_days=found.low_streak_working_days,
        components=[BloodComponentOut(component=c, **_supply(s)) for c, s in found.components.items()],
        rh_negative=BloodSupplyOut(**_supply(found.rh_negative)), **_supply(found.supply))


@bp.post("/blood/reports")
@spec.validate(json=BloodReportIn, resp=errors(*BODY, 403, 409, HTTP_200=BloodReportOut, HTTP_201=BloodReportOut),
               tags=TAGS)
@idempotent
def file_blood_report():
    """File the day's report (the blood station's officer): 201; a second one for the same day is a 409
    `duplicate_report` unless sent with `replace: true`, which corrects it (200, the earlier version kept in the
    audit trail). A day after today, a negative count or an unknown group or component is a 422; nothing is written."""
    body, session = request.context.json, get_session()
    filed = reports.file_report(session=session, actor=current_user(), replace=body.replace, report=reports.ReportInput(
        day=body.date, note=body.note, lines=tuple(reports.LineInput(
            group=line.group, rh=line.rh, component=line.component, on_hand=line.on_hand, collected=line.collected,
            issued=line.issued) for line in body.lines)))
    # the blood alerts follow the new figures at once; with the broker down, the hourly scan catches up
    commit_then_enqueue(session, SCAN_TASK, "blood")
    return _reports_out([filed.report])[0], 200 if filed.replaced else 201


@bp.get("/blood/reports")
@spec.validate(query=BloodReportQuery, resp=errors(403, 404, 422, HTTP_200=BloodReportPage), tags=TAGS)
def list_blood_reports():
    """Reports the caller may read, oldest first (`?from=&to=&station=`): its own for a blood station, every
    station's for the health commission and the city-wide roles."""
    params, session, user = request.context.query, get_session(), current_user()
    scope.require(user, "view", "blood")
    query = scope.blood.reports_query(session, user)
    if params.station:
        query = query.where(BloodReport.station_id == scope.blood.visible_station(session, user, params.station).id)
    if params.date_from:
        query = query.where(BloodReport.report_date >= params.date_from)
    if params.date_to:
        query = query.where(BloodReport.report_date <= params.date_to)
    rows, cursor = page(query, [BloodReport.report_date, BloodReport.id], params)
    return BloodReportPage(items=_reports_out(rows), next_cursor=cursor)


@bp.get("/blood/status")
@spec.validate(query=BloodStatusQuery, resp=errors(403, 404, 422, HTTP_200=BloodStatusOut), tags=TAGS)
def blood_status():
    """Days of supply per group and in total, the working-day low streaks, the collection-deficit streak and the
    level for any day (`?as_of=`, default today): the computed level or a confirmed one in force, the higher."""
    params, session, user = request.context.query, get_session(), current_user()
    scope.require(user, "view", "blood")
    today = business_today()
    as_of = params.as_of or today
    if not FIRST_DAY <= as_of <= date.fromordinal(today.toordinal() + LAST_DAY_AHEAD):
        raise Invalid.field("as_of", _l("a day from %(first)s to a year from today", first=FIRST_DAY.isoformat()))
    station = scope.blood.visible_station(session, user, params.station)
    found = supply.status(session=session, station_id=station.id, as_of=as_of)
    return BloodStatusOut(as_of=as_of, station=station.code, based_on=found.based_on, level=found.level,
                     colour=found.level.colour.value if found.level else None, computed_level=found.computed_level,
                     computed_rule=found.computed_rule, window_days=found.window_days,
                     history_days=found.history_days, calendar_known=found.calendar_known,
                     calendar_unknown_years=list(found.calendar_unknown_years),
                     groups=[_group(g) for g in found.groups], total=_group(found.total),
                     collection_deficit_streak_days=found.collection_deficit_streak_days,
                     emergencies=[emergency_out(e) for e in found.emergencies])


class BloodImportIn(StrictBody):
    csv: str = Field(min_length=1, max_length=900_000, description="header `date,group,rh,component,on_hand,"
                                                                   "collected,issued`, then one line per row")
    replace: StrictBool = Field(default=False, description="correct days already filed (else each is a row error)")


class BloodImportOut(BaseModel):
    imported: int
    replaced: int
    dates: list[dt.date]


@bp.post("/blood/reports/import")
@spec.validate(json=BloodImportIn, resp=errors(*BODY, 403, HTTP_201=BloodImportOut), tags=TAGS)
@idempotent
def import_blood_reports():
    """Back-fill history from CSV (the blood station's officer): every row is checked first and a problem on any
    row refuses the whole file (422, each problem under `row N`, the header being row 1); back-filled days propose
    no level."""
    body, session = request.context.json, get_session()
    filed = reports.import_csv(session=session, actor=current_user(), text=body.csv, replace=body.replace)
    commit_then_enqueue(session, SCAN_TASK, "blood")
    return BloodImportOut(imported=len(filed), replaced=sum(f.replaced for f in filed),
                          dates=[f.report.report_date for f in filed]), 201
