"""Silences over the API: time-bounded mutes of alert deliveries, with a reason (services/alerts/silences.py).

A silenced alert stays in the lists and on its page; only its deliveries wait until the silence ends.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from flask import request
from pydantic import AfterValidator, AwareDatetime, Field
from sqlmodel import select

from inventory.api.alerts.alerts import AlertKind
from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.idempotency import idempotent
from inventory.api.pagination import page
from inventory.api.schemas import BODY, Out, PageQuery, StrictBody, Timestamp, errors, page_of
from inventory.api.spec import spec
from inventory.db import get_session
from inventory.models import Facility, Material, Organisation, Silence
from inventory.services.alerts import silences

Code = Annotated[str, Field(min_length=1, max_length=32)]


def _in_utc(value: datetime) -> datetime:
    """In UTC, as stored and answered; bounded first, since year 9999 with a negative offset is past what a
    datetime holds in UTC."""
    if not 2000 <= value.year <= 2099:
        raise ValueError("must lie between the years 2000 and 2099")
    return value.astimezone(timezone.utc)


Moment = Annotated[AwareDatetime, AfterValidator(_in_utc),
                   Field(description="ISO 8601 with offset, years 2000–2099")]


class SilenceCreate(StrictBody):
    reason: str = Field(min_length=1, max_length=500)
    starts_at: Moment | None = Field(default=None, description="default: now")
    ends_at: Moment
    kind: AlertKind | None = Field(default=None, description="only alerts of this kind; default: every kind")
    enterprise: Code | None = Field(default=None, description="organisation code")
    facility: Code | None = Field(default=None, description="facility code")
    material: Code | None = Field(default=None, description="material code")


class SilenceOut(Out):
    id: int
    reason: str
    kind: str | None
    enterprise: str | None = Field(description="organisation code")
    facility: str | None = Field(description="facility code")
    material: str | None = Field(description="material code")
    starts_at: Timestamp
    ends_at: Timestamp
    created_by: int
    created_at: Timestamp


SilencePage = page_of(SilenceOut)


def _codes(model: type, ids: set[int | None]) -> dict[int, str]:
    wanted = ids - {None}
    if not wanted:
        return {}
    return dict(get_session().exec(select(model.id, model.code).where(model.id.in_(wanted))).all())


def _out_all(rows: list[Silence]) -> list[SilenceOut]:
    """Silences name their matchers by code, as they were given; one small query per matcher for a page."""
    orgs = _codes(Organisation, {row.enterprise_id for row in rows})
    places = _codes(Facility, {row.facility_id for row in rows})
    goods = _codes(Material, {row.material_id for row in rows})
    return [SilenceOut.model_validate({
        **{name: getattr(row, name) for name in SilenceOut.model_fields if hasattr(row, name)},
        "enterprise": orgs.get(row.enterprise_id), "facility": places.get(row.facility_id),
        "material": goods.get(row.material_id)}) for row in rows]


@bp.get("/silences")
@spec.validate(query=PageQuery, resp=errors(403, 422, HTTP_200=SilencePage), tags=["alerts"])
def list_silences():
    """Silences the caller may see, current, past and future, oldest first."""
    query = silences.visible(session=get_session(), actor=current_user()).order_by(None)
    rows, cursor = page(query, [Silence.id], request.context.query)
    return SilencePage(items=_out_all(rows), next_cursor=cursor)


@bp.post("/silences")
@spec.validate(json=SilenceCreate, resp=errors(*BODY, 403, 404, HTTP_201=SilenceOut), tags=["alerts"])
@idempotent
def create_silence():
    """Mute the deliveries of matching alerts until `ends_at` (at least one of enterprise, facility, material)."""
    body, session = request.context.json, get_session()
    silence = silences.create(session=session, actor=current_user(), **body.model_dump())
    session.commit()
    return _out_all([silence])[0], 201


@bp.post("/silences/<int:silence_id>/end")
@spec.validate(resp=errors(*BODY, 403, 404, 409, HTTP_200=SilenceOut), tags=["alerts"])
def end_silence(silence_id: int):
    """End a silence now: deliveries it held back go out."""
    session = get_session()
    silence = silences.end(session=session, actor=current_user(), silence_id=silence_id)
    session.commit()
    return _out_all([silence])[0]
