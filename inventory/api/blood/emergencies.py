"""Blood emergency levels over ``/api/v1/blood/emergencies`` (docs/api.md, blood; docs/blood.md "Levels" and
"Reporting clocks"): the proposed and confirmed levels, confirming a computed one, declaring Levels II and I, and
the health commission's reports of a level to the city and the province with their clocks."""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from flask import request
from pydantic import BaseModel, Field

from inventory import scope
from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.idempotency import idempotent
from inventory.api.pagination import page
from inventory.api.schemas import BODY, Blank, Out, PageQuery, StrictBody, Timestamp, errors, page_of
from inventory.api.spec import spec
from inventory.core.clock import utcnow
from inventory.core.vocab import EmergencyLevel, EmergencyOrigin, EmergencyStatus, NoticeChannel, NoticeRecipient
from inventory.db import get_session
from inventory.models import BloodEmergency
from inventory.services.blood import clocks, levels

TAGS = ["blood"]


class BloodEmergencyOut(Out):
    id: int
    level: EmergencyLevel
    colour: str
    origin: EmergencyOrigin
    status: EmergencyStatus
    basis_date: dt.date
    rule: str = Field(description="low_stock or collection_deficit when computed")
    reason: str
    document: str
    proposed_at: Timestamp
    declared_by: int | None
    confirmed_by: int | None
    confirmed_at: Timestamp | None
    confirm_note: str


class BloodDeclareIn(StrictBody):
    level: Literal["II", "I"]
    reason: str = Field(min_length=1, max_length=2000)
    document: str = Field(default="", max_length=255, description="the designating document")
    station: str = Field(default="", max_length=32, description="station code; default the city's station")


class BloodConfirmIn(StrictBody):
    note: str = Field(default="", max_length=500)


class BloodEmergencyQuery(PageQuery):
    status: Annotated[EmergencyStatus, Blank] = None


BloodEmergencyPage = page_of(BloodEmergencyOut)


def emergency_out(row: BloodEmergency) -> BloodEmergencyOut:
    fields = {name: getattr(row, name) for name in BloodEmergencyOut.model_fields if name != "colour"}
    return BloodEmergencyOut.model_validate({**fields, "colour": EmergencyLevel(row.level).colour.value})


@bp.get("/blood/emergencies")
@spec.validate(query=BloodEmergencyQuery, resp=errors(403, 422, HTTP_200=BloodEmergencyPage), tags=TAGS)
def list_blood_emergencies():
    """Proposed and confirmed levels the caller may read, oldest first (`?status=proposed` for those awaiting
    the health commission's confirmation)."""
    params, session, user = request.context.query, get_session(), current_user()
    scope.require(user, "view", "blood")
    query = scope.blood.emergencies_query(session, user)
    if params.status:
        query = query.where(BloodEmergency.status == params.status)
    rows, cursor = page(query, [BloodEmergency.id], params)
    return BloodEmergencyPage(items=[emergency_out(row) for row in rows], next_cursor=cursor)


@bp.post("/blood/emergencies")
@spec.validate(json=BloodDeclareIn, resp=errors(*BODY, 403, 404, 409, HTTP_201=BloodEmergencyOut), tags=TAGS)
@idempotent
def declare_blood_emergency():
    """Declare Level II or I (a health-commission officer) with the reason and the designating document; it is
    confirmed and published at once. Levels IV and III are computed from the reports and confirmed instead."""
    body, session = request.context.json, get_session()
    row = levels.declare(session=session, actor=current_user(), level=body.level, reason=body.reason,
                         document=body.document, station_code=body.station or None)
    session.commit()
    return emergency_out(row), 201


@bp.post("/blood/emergencies/<int:emergency_id>/confirm")
@spec.validate(json=BloodConfirmIn, resp=errors(*BODY, 403, 404, 409, HTTP_200=BloodEmergencyOut), tags=TAGS)
def confirm_blood_emergency(emergency_id: int):
    """Confirm a proposed level (a health-commission officer): the warning is published from now; 409 when it is
    not awaiting confirmation."""
    session = get_session()
    row = levels.confirm(session=session, actor=current_user(), emergency_id=emergency_id,
                         note=request.context.json.note)
    session.commit()
    return emergency_out(row)


class BloodNoticeIn(StrictBody):
    recipient: NoticeRecipient = Field(description="city: the city party committee and government; province: the "
                                                   "provincial health department")
    channel: NoticeChannel
    reported_at: dt.datetime | None = Field(default=None, description="when the report was made, with its offset; "
                                                                      "default now")
    note: str = Field(default="", max_length=500)


class BloodNoticeOut(Out):
    id: int
    recipient: NoticeRecipient
    channel: NoticeChannel
    reported_at: Timestamp
    note: str
    recorded_by: int
    recorded_at: Timestamp


class BloodClockOut(BaseModel):
    recipient: NoticeRecipient
    channel: NoticeChannel | None = Field(description="the channel required; null: any")
    started_at: Timestamp = Field(description="when the health commission received the event")
    due_at: Timestamp
    met_at: Timestamp | None
    overdue: bool = Field(description="unmet past the deadline, or met late")


class BloodEmergencyDetail(BloodEmergencyOut):
    clocks: list[BloodClockOut] = Field(description="§三(三)2: III 1.5 h; II and I 20 min by phone, 35 in writing")
    notices: list[BloodNoticeOut]


def _detail(emergency_id: int) -> BloodEmergencyDetail:
    session, now = get_session(), utcnow()
    row = scope.blood.visible_emergency(session, current_user(), emergency_id)
    return BloodEmergencyDetail.model_validate({
        **emergency_out(row).model_dump(),
        "clocks": [BloodClockOut(recipient=c.recipient, channel=c.channel, started_at=c.started_at, due_at=c.due_at,
                                 met_at=c.met_at, overdue=c.overdue(now)) for c in clocks.clocks(session, row)],
        "notices": [BloodNoticeOut.model_validate(n) for n in clocks.notices_of(session, row.id)]})


@bp.get("/blood/emergencies/<int:emergency_id>")
@spec.validate(resp=errors(403, 404, HTTP_200=BloodEmergencyDetail), tags=TAGS)
def get_blood_emergency(emergency_id: int):
    """A level with its reporting clocks and the reports recorded against them."""
    scope.require(current_user(), "view", "blood")
    return _detail(emergency_id)


@bp.post("/blood/emergencies/<int:emergency_id>/notices")
@spec.validate(json=BloodNoticeIn, resp=errors(*BODY, 403, 404, HTTP_201=BloodEmergencyDetail), tags=TAGS)
@idempotent
def record_blood_notice(emergency_id: int):
    """Record the health commission's report of a level to the city or the province (a health-commission
    officer): when and how it was made; the level's clocks follow."""
    body, session = request.context.json, get_session()
    clocks.record_notice(session=session, actor=current_user(), emergency_id=emergency_id, recipient=body.recipient,
                         channel=body.channel, reported_at=body.reported_at, note=body.note)
    session.commit()
    return _detail(emergency_id), 201
