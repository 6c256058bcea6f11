"""Sensors, readings, rules and excursions of a facility over ``/api/v1`` (docs/api.md; the rules are in
services/coldchain/ and docs/coldchain.md)."""
from __future__ import annotations

import datetime as dt
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from flask import request
from pydantic import BaseModel, Field, StrictBool, StrictInt, WithJsonSchema

from inventory import scope
from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.idempotency import idempotent
from inventory.api.pagination import page
from inventory.api.schemas import BODY, Out, PageQuery, StrictBody, Temperature, Timestamp, errors, page_of
from inventory.api.spec import spec
from inventory.core.vocab import ReadingMetric, RuleComparison, RuleMode, StorageClass
from inventory.db import get_session
from inventory.models import DailyCheck, Excursion, Facility, Sensor
from inventory.services.coldchain import checks, detection, ingest, rules, sensors

TAGS = ["coldchain"]


class ReadingIn(BaseModel):
    """One reading as documented; each is checked on its own, so a bad one is listed in ``rejected`` and the
    others are kept."""

    at: datetime = Field(description="ISO 8601 with its offset; not in the future, not older than the retention")
    celsius: float = Field(ge=-100, le=100, description="°C, rounded to 0.01")
    humidity: float | None = Field(default=None, ge=0, le=100, description="relative humidity, %")
    sensor: str | None = Field(default=None, max_length=64,
                               description="the sensor's code; may be left out when the facility has one sensor")
    lat: float | None = Field(default=None, ge=-90, le=90, description="vehicles: latitude, with lon")
    lon: float | None = Field(default=None, ge=-180, le=180, description="vehicles: longitude, with lat")


_READING_SCHEMA = ReadingIn.model_json_schema()
_READING_SCHEMA.pop("title", None)


class ReadingsIn(StrictBody):
    readings: Annotated[list[Any], WithJsonSchema({"type": "array", "items": _READING_SCHEMA, "minItems": 1,
                                                   "maxItems": ingest.MAX_READINGS})] = Field(
        min_length=1, max_length=ingest.MAX_READINGS, description="up to 10,000 readings")


class RejectedOut(BaseModel):
    index: int = Field(description="position in `readings`, from 0")
    field: str
    error: str


class IngestOut(BaseModel):
    accepted: int = Field(description="valid readings (stored now or already stored)")
    stored: int = Field(description="new readings stored")
    duplicates: int = Field(description="valid readings already stored for that sensor and time: ignored")
    rejected: list[RejectedOut]


class SensorIn(StrictBody):
    code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
    position: str = Field(default="", max_length=128)
    interval_seconds: StrictInt = Field(default=60, ge=1, le=86_400, description="how often it reports")


class SensorOut(Out):
    id: int
    code: str
    position: str
    interval_seconds: int
    active: bool
    last_reading_at: Timestamp | None


class RuleOut(BaseModel):
    code: str
    metric: ReadingMetric
    comparison: RuleComparison
    threshold: Temperature
    minutes: int
    mode: RuleMode
    window_minutes: int
    source: str
    origin: str = Field(description="default, setting or facility")


class RulesOut(BaseModel):
    facility: str
    storage_class: StorageClass
    rules: list[RuleOut]


class RuleIn(StrictBody):
    code: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_]+$")
    metric: ReadingMetric = ReadingMetric.celsius
    comparison: RuleComparison
    threshold: float = Field(ge=-100, le=100)
    minutes: StrictInt = Field(ge=0, le=44_640)
    mode: RuleMode = RuleMode.consecutive
    window_minutes: StrictInt = Field(default=0, ge=0, le=44_640)
    active: StrictBool = True
    note: str = Field(default="", max_length=500)


class StorageClassIn(StrictBody):
    storage_class: StorageClass


class ExcursionOut(Out):
    id: int
    facility: str
    rule_code: str
    storage_class: str
    metric: str
    comparison: str
    threshold: Temperature
    minutes: int
    mode: str
    started_at: Timestamp
    ended_at: Timestamp
    ongoing: bool
    peak: Temperature
    duration_seconds: int
    sensors: list[str]
    acknowledged_at: Timestamp | None
    acknowledged_by: int | None
    comment: str
    held_lots: int


class ExcursionQuery(PageQuery):
    ongoing: bool = Field(default=None, description="only ongoing (true) or ended (false) excursions")


class AcknowledgeIn(StrictBody):
    comment: str = Field(min_length=1, max_length=1000, description="what was found and done")


class DailyCheckIn(StrictBody):
    day: dt.date | None = Field(default=None, description="the business day checked; default today, at most 7 days back")
    doors: StrictBool
    seals: StrictBool
    compressor: StrictBool
    recorder: StrictBool = Field(description="the temperature recorder works and its record is intact")
    remarks: str = Field(default="", max_length=1000, description="required when an item is not in order")


class DailyCheckOut(Out):
    id: int
    day: dt.date
    doors: bool
    seals: bool
    compressor: bool
    recorder: bool
    remarks: str
    checked_by: int
    checked_at: Timestamp


SensorPage = page_of(SensorOut)
DailyCheckPage = page_of(DailyCheckOut)
ExcursionPage = page_of(ExcursionOut)


def _excursion_out(row: Excursion, code: str | None = None) -> ExcursionOut:
    if code is None:
        code = get_session().get(Facility, row.facility_id).code
    values = {name: getattr(row, name) for name in ExcursionOut.model_fields if name not in {"facility", "sensors"}}
    return ExcursionOut(facility=code, sensors=[s for s in row.sensors.split(",") if s], **values)


def _rules_out(facility: Facility) -> RulesOut:
    storage_class, found = rules.effective_rules(get_session(), facility)
    return RulesOut(facility=facility.code, storage_class=storage_class, rules=[RuleOut(
        code=r.code, metric=r.metric, comparison=r.comparison, threshold=r.threshold, minutes=r.minutes,
        mode=r.mode, window_minutes=r.window_minutes, source=r.source, origin=r.origin) for r in found])


@bp.post("/facilities/<code>/readings")
@spec.validate(json=ReadingsIn, resp=errors(*BODY, 403, 404, HTTP_202=IngestOut), tags=TAGS)
def ingest_readings(code: str):
    """Send up to 10,000 readings (a sensor gateway, with an enterprise user's token): each is checked on its
    own — a time without offset or in the future, a temperature outside −100…100 °C or not a number, humidity
    outside 0–100 %, an unknown sensor — and listed in `rejected` by index; the valid ones are stored (202).
    A repeat of (sensor, time) is ignored, so a gateway may resend. More than 10,000 readings is a 422 and stores
    nothing; a facility one cannot see is a 404, one of another enterprise a 403."""
    session = get_session()
    result = ingest.ingest(session=session, actor=current_user(), facility_code=code,
                           readings=request.context.json.readings)
    session.commit()
    return IngestOut(accepted=result.accepted, stored=result.stored, duplicates=result.duplicates,
                     rejected=[RejectedOut(index=r.index, field=r.field, error=r.error) for r in result.rejected]), 202


@bp.get("/facilities/<code>/sensors")
@spec.validate(query=PageQuery, resp=errors(403, 404, HTTP_200=SensorPage), tags=TAGS)
def list_sensors(code: str):
    """The facility's sensors with their latest reading's time, by code."""
    session, user = get_session(), current_user()
    facility = scope.coldchain.coldchain_facility(session, user, code)
    rows, cursor = page(scope.coldchain.sensors_query(facility.id), [Sensor.code, Sensor.id], request.context.query)
    return SensorPage(items=[SensorOut.model_validate(row) for row in rows], next_cursor=cursor)


@bp.post("/facilities/<code>/sensors")
@spec.validate(json=SensorIn, resp=errors(*BODY, 403, 404, 409, HTTP_201=SensorOut), tags=TAGS)
@idempotent
def register_sensor(code: str):
    """Register a sensor (the enterprise's manager or an administrator): its code, unique in the facility (409),
    where it hangs and how often it reports."""
    body, session, user = request.context.json, get_session(), current_user()
    facility = scope.coldchain.require_facility_writer(session, user, "register", "sensor", code)
    made = sensors.register_sensor(session=session, actor=user, facility=facility, code=body.code,
                                   position=body.position, interval_seconds=body.interval_seconds)
    session.commit()
    return SensorOut.model_validate(made), 201


@bp.get("/facilities/<code>/rules")
@spec.validate(resp=errors(403, 404, HTTP_200=RulesOut), tags=TAGS)
def facility_rules(code: str):
    """The storage class the facility is watched for and the rules that apply, each with its source."""
    facility = scope.coldchain.coldchain_facility(get_session(), current_user(), code)
    return _rules_out(facility)


@bp.post("/facilities/<code>/rules")
@spec.validate(json=RuleIn, resp=errors(*BODY, 403, 404, HTTP_200=RulesOut), tags=TAGS)
def set_facility_rule(code: str):
    """Override one rule for this facility (same code as a default), add one, or switch one off
    (`active: false`): a reserve bureau or an administrator; audited. Answers the rules now in force."""
    body, session, user = request.context.json, get_session(), current_user()
    facility = scope.coldchain.coldchain_facility(session, user, code)
    rules.set_rule(session=session, actor=user, facility=facility, active=body.active, rule=rules.Rule(
        body.code, body.metric, body.comparison, Decimal(str(body.threshold)), body.minutes, body.mode,
        body.window_minutes, source=body.note or "policy", origin="facility"))
    session.commit()
    return _rules_out(facility)


@bp.post("/facilities/<code>/storage-class")
@spec.validate(json=StorageClassIn, resp=errors(*BODY, 403, 404, HTTP_200=RulesOut), tags=TAGS)
def set_facility_storage_class(code: str):
    """Choose the storage class the facility is watched for (default: its kind's); a reserve bureau or an
    administrator; audited."""
    body, session, user = request.context.json, get_session(), current_user()
    facility = scope.coldchain.coldchain_facility(session, user, code)
    rules.set_storage_class(session=session, actor=user, facility=facility, storage_class=body.storage_class)
    session.commit()
    return _rules_out(facility)


@bp.get("/facilities/<code>/excursions")
@spec.validate(query=ExcursionQuery, resp=errors(403, 404, HTTP_200=ExcursionPage), tags=TAGS)
def list_excursions(code: str):
    """The facility's excursions, oldest first (`?ongoing=true` for those still going on)."""
    params, session, user = request.context.query, get_session(), current_user()
    facility = scope.coldchain.coldchain_facility(session, user, code)
    query = scope.coldchain.excursions_query(session, user).where(Excursion.facility_id == facility.id)
    if params.ongoing is not None:
        query = query.where(Excursion.ongoing.is_(params.ongoing))
    rows, cursor = page(query, [Excursion.id], params)
    return ExcursionPage(items=[_excursion_out(row, facility.code) for row in rows], next_cursor=cursor)


@bp.post("/excursions/<int:excursion_id>/acknowledge")
@spec.validate(json=AcknowledgeIn, resp=errors(*BODY, 403, 404, 409, HTTP_200=ExcursionOut), tags=TAGS)
def acknowledge_excursion(excursion_id: int):
    """Acknowledge an excursion once, with a comment; 409 when it already is."""
    session = get_session()
    row = detection.acknowledge(session=session, actor=current_user(), excursion_id=excursion_id,
                                comment=request.context.json.comment)
    session.commit()
    return _excursion_out(row)


@bp.post("/facilities/<code>/daily-checks")
@spec.validate(json=DailyCheckIn, resp=errors(*BODY, 403, 404, 409, HTTP_201=DailyCheckOut), tags=TAGS)
@idempotent
def record_daily_check(code: str):
    """Record the day's check of a cold facility (its keeper, or the enterprise's manager): doors, seals,
    compressor, recorder and remarks; once per day (409 `duplicate_check`)."""
    body, session, user = request.context.json, get_session(), current_user()
    facility = scope.coldchain.coldchain_facility(session, user, code)
    row = checks.record_check(session=session, actor=user, facility=facility, doors=body.doors, seals=body.seals,
                              compressor=body.compressor, recorder=body.recorder, remarks=body.remarks, day=body.day)
    session.commit()
    return DailyCheckOut.model_validate(row), 201


@bp.get("/facilities/<code>/daily-checks")
@spec.validate(query=PageQuery, resp=errors(403, 404, HTTP_200=DailyCheckPage), tags=TAGS)
def list_daily_checks(code: str):
    """The facility's daily checks, oldest first."""
    session, user = get_session(), current_user()
    facility = scope.coldchain.coldchain_facility(session, user, code)
    rows, cursor = page(checks.checks_query(facility.id), [DailyCheck.day, DailyCheck.id], request.context.query)
    return DailyCheckPage(items=[DailyCheckOut.model_validate(row) for row in rows], next_cursor=cursor)
