"""Emergency authorisations (紧急调用, reserve-materials-measures §四(一)) over the API: the government's authorisation
of a department to dispatch at once and file afterwards, recorded and revoked by an administrator
(services/workflows/emergency.py)."""
from __future__ import annotations

from datetime import date

from flask import request
from pydantic import BaseModel, Field

from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.idempotency import idempotent
from inventory.api.schemas import BODY, StrictBody, errors
from inventory.api.spec import spec
from inventory.api.workflows.dispatches import AuthorisationOut
from inventory.db import get_session
from inventory.models import EmergencyAuthorisation, Organisation
from inventory.services.workflows import dispatch_views, emergency

TAGS = ["dispatches"]


class AuthorisationCreate(StrictBody):
    org: str = Field(min_length=1, max_length=32, description="code of the authorised department (a bureau, "
                                                              "coordinator or government organisation)")
    reference: str = Field(min_length=1, max_length=100, description="the authorising document's reference")
    valid_from: date
    valid_until: date = Field(description="on or after valid_from, within five years of it")
    note: str = Field(default="", max_length=500)


class AuthorisationList(BaseModel):
    """Newest first; not paged (a handful of rows)."""

    items: list[AuthorisationOut]


def _out(rows: list[EmergencyAuthorisation]) -> list[AuthorisationOut]:
    orgs = dispatch_views.rows_by_id(get_session(), Organisation, (row.org_id for row in rows))
    return [AuthorisationOut.of(row, orgs.get(row.org_id)) for row in rows]


@bp.get("/emergency-authorisations")
@spec.validate(resp=errors(403, HTTP_200=AuthorisationList), tags=TAGS)
def list_authorisations():
    """Every emergency authorisation, newest first (administrators, the government, coordinators, bureaus)."""
    return AuthorisationList(items=_out(emergency.authorisations(session=get_session(), actor=current_user())))


@bp.post("/emergency-authorisations")
@spec.validate(json=AuthorisationCreate, resp=errors(*BODY, 403, 409, HTTP_201=AuthorisationOut), tags=TAGS)
@idempotent
def record_authorisation():
    """Record the government's authorisation of a department, with its document's reference and period
    (administrators)."""
    body, session = request.context.json, get_session()
    row = emergency.record_authorisation(session=session, actor=current_user(), org=body.org,
                                         reference=body.reference, valid_from=body.valid_from,
                                         valid_until=body.valid_until, note=body.note)
    session.commit()
    return _out([row])[0], 201


@bp.post("/emergency-authorisations/<int:authorisation_id>/revoke")
@spec.validate(resp=errors(*BODY, 403, 404, 409, HTTP_200=AuthorisationOut), tags=TAGS)
def revoke_authorisation(authorisation_id: int):
    """End an authorisation now (administrators); dispatches executed under it keep it. 409 when revoked
    already."""
    session = get_session()
    row = emergency.revoke_authorisation(session=session, actor=current_user(), authorisation_id=authorisation_id)
    session.commit()
    return _out([row])[0]
