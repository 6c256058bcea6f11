"""Organisations, users, the caller and the audit log over the API."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from flask import request
from pydantic import Field

from inventory import scope
from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.idempotency import idempotent
from inventory.api.pagination import page
from inventory.api.schemas import BODY, Blank, Out, PageQuery, StrictBody, Timestamp, errors, page_of
from inventory.api.spec import spec
from inventory.core.vocab import OrgKind, Role
from inventory.db import get_session
from inventory.models import AuditEvent, Organisation, User
from inventory.services.accounts import directory
from inventory.services.audit import queries as audit_queries

Code = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")]


class OrgCreate(StrictBody):
    code: Code
    kind: OrgKind
    name: str = Field(min_length=1, max_length=128)
    district: str | None = Field(default=None, max_length=32, description="district code")
    domain: str | None = Field(default=None, max_length=32, description="a bureau's remit, e.g. grain")


class OrgOut(Out):
    id: int
    code: str
    name: str
    kind: OrgKind
    domain: str | None
    district_id: int | None
    active: bool


class UserCreate(StrictBody):
    username: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    org: str = Field(min_length=1, max_length=32, description="organisation code")
    role: Role
    password: str = Field(min_length=directory.MIN_PASSWORD_LENGTH, max_length=256)
    display_name: str = Field(default="", max_length=128)


class UserOut(Out):
    id: int
    username: str
    display_name: str
    org_id: int
    role: Role
    active: bool


class AuditOut(Out):
    id: int
    at: Timestamp
    actor_id: int | None
    org_id: int | None
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None


class AuditQuery(PageQuery):
    """The audit filter of the audit page (services/audit/queries.py), as query parameters."""

    entity: Annotated[str, Blank] = Field(default=None, max_length=64, description="e.g. lot, transfer")
    entity_id: Annotated[str, Blank] = Field(default=None, max_length=64)
    action: Annotated[str, Blank] = Field(default=None, max_length=64,
                                          description="a code (`lot.receive`) or a family (`lot`)")
    actor_id: Annotated[int, Blank] = Field(default=None, ge=1, le=2_147_483_647)
    since: Annotated[date, Blank] = Field(default=None, description="first business day (Asia/Shanghai)")
    until: Annotated[date, Blank] = Field(default=None, description="last business day (Asia/Shanghai)")

    def wanted(self) -> audit_queries.AuditFilter:
        return audit_queries.AuditFilter(**self.model_dump(exclude={"limit", "cursor"}))


OrgPage, UserPage, AuditPage = page_of(OrgOut), page_of(UserOut), page_of(AuditOut)


@bp.get("/me")
@spec.validate(resp=errors(HTTP_200=UserOut), tags=["accounts"])
def me():
    """The authenticated user."""
    return UserOut.model_validate(current_user())


@bp.get("/organisations")
@spec.validate(query=PageQuery, resp=errors(422, HTTP_200=OrgPage), tags=["accounts"])
def list_organisations():
    """Organisations visible to the caller."""
    rows, cursor = page(scope.organisations_query(get_session(), current_user()), [Organisation.id],
                        request.context.query)
    return OrgPage(items=rows, next_cursor=cursor)


@bp.post("/organisations")
@spec.validate(json=OrgCreate, resp=errors(*BODY, 403, 409, HTTP_201=OrgOut), tags=["accounts"])
@idempotent
def create_organisation():
    """Create an organisation (administrators)."""
    user, body, session = current_user(), request.context.json, get_session()
    org = directory.create_org(session=session, code=body.code, kind=body.kind, name=body.name,
                               district_code=body.district, domain=body.domain, actor=user)
    session.commit()
    return OrgOut.model_validate(org), 201


@bp.get("/users")
@spec.validate(query=PageQuery, resp=errors(422, HTTP_200=UserPage), tags=["accounts"])
def list_users():
    """Users visible to the caller."""
    rows, cursor = page(scope.users_query(get_session(), current_user()), [User.id], request.context.query)
    return UserPage(items=rows, next_cursor=cursor)


@bp.post("/users")
@spec.validate(json=UserCreate, resp=errors(*BODY, 403, 409, HTTP_201=UserOut), tags=["accounts"])
@idempotent
def create_user():
    """Create a user (administrators)."""
    user, body, session = current_user(), request.context.json, get_session()
    created = directory.create_user(session=session, username=body.username, org_code=body.org, role=body.role,
                                    password=body.password, display_name=body.display_name, actor=user)
    session.commit()
    return UserOut.model_validate(created), 201


@bp.get("/audit")
@spec.validate(query=AuditQuery, resp=errors(403, 422, HTTP_200=AuditPage), tags=["accounts"])
def list_audit():
    """Audit events visible to the caller, oldest first (`?entity=&entity_id=&action=&actor_id=&since=&until=`)."""
    params = request.context.query
    query = audit_queries.events_query(session=get_session(), user=current_user(), wanted=params.wanted())
    rows, cursor = page(query, [AuditEvent.id], params)
    return AuditPage(items=rows, next_cursor=cursor)
