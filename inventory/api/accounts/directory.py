"""Organisations, users, the caller and the audit log over the API."""
from __future__ import annotations

from typing import Literal

from flask import jsonify, request
from pydantic import Field
from spectree import Response

from inventory import scope
from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.idempotency import idempotent
from inventory.api.pagination import page
from inventory.api.schemas import ErrorBody, StrictBody
from inventory.api.spec import spec
from inventory.db import get_session
from inventory.models import AuditEvent, Organisation, User
from inventory.services.accounts import directory

OrgKindLiteral = Literal["enterprise", "bureau", "coordinator", "government", "blood_station"]


class OrgCreate(StrictBody):
    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")
    kind: OrgKindLiteral
    name: str = Field(min_length=1, max_length=128)
    district: str | None = Field(default=None, max_length=32)
    domain: str | None = Field(default=None, max_length=32)


class UserCreate(StrictBody):
    username: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    org: str = Field(min_length=1, max_length=32)
    role: str = Field(min_length=1, max_length=32)
    password: str = Field(min_length=directory.MIN_PASSWORD_LENGTH, max_length=256)
    display_name: str = Field(default="", max_length=128)


def org_public(org: Organisation) -> dict:
    return {"id": org.id, "code": org.code, "name": org.name, "kind": org.kind, "domain": org.domain,
            "district_id": org.district_id, "active": org.active}


def user_public(user: User) -> dict:
    return {"id": user.id, "username": user.username, "display_name": user.display_name,
            "org_id": user.org_id, "role": user.role, "active": user.active}


def audit_public(event: AuditEvent) -> dict:
    return {"id": event.id, "at": event.at.isoformat(), "actor_id": event.actor_id, "org_id": event.org_id,
            "action": event.action, "entity": event.entity, "entity_id": event.entity_id,
            "before": event.before, "after": event.after, "request_id": event.request_id}


@bp.get("/me")
@spec.validate(tags=["accounts"])
def me():
    """The authenticated user."""
    return jsonify(user_public(current_user()))


@bp.get("/organisations")
@spec.validate(tags=["accounts"])
def list_organisations():
    """Organisations visible to the caller."""
    query = scope.organisations_query(get_session(), current_user())
    return jsonify(page(query, [Organisation.id], org_public))


@bp.post("/organisations")
@spec.validate(json=OrgCreate, resp=Response(HTTP_403=ErrorBody, HTTP_409=ErrorBody, HTTP_422=ErrorBody), tags=["accounts"])
@idempotent
def create_organisation():
    """Create an organisation (administrators)."""
    user, body, session = current_user(), request.context.json, get_session()
    scope.require(user, "create", "organisation")
    org = directory.create_org(session=session, code=body.code, kind=body.kind, name=body.name,
                              district_code=body.district, domain=body.domain, actor=user)
    session.commit()
    return jsonify(org_public(org)), 201


@bp.get("/users")
@spec.validate(tags=["accounts"])
def list_users():
    """Users visible to the caller."""
    query = scope.users_query(get_session(), current_user())
    return jsonify(page(query, [User.id], user_public))


@bp.post("/users")
@spec.validate(json=UserCreate, resp=Response(HTTP_403=ErrorBody, HTTP_409=ErrorBody, HTTP_422=ErrorBody), tags=["accounts"])
@idempotent
def create_user():
    """Create a user (administrators)."""
    user, body, session = current_user(), request.context.json, get_session()
    scope.require(user, "create", "user")
    created = directory.create_user(session=session, username=body.username, org_code=body.org, role=body.role,
                                   password=body.password, display_name=body.display_name, actor=user)
    session.commit()
    return jsonify(user_public(created)), 201


@bp.get("/audit")
@spec.validate(tags=["accounts"])
def list_audit():
    """Audit events visible to the caller, oldest first."""
    query = scope.audit_query(get_session(), current_user())
    for name in ("entity", "action"):
        if request.args.get(name):
            query = query.where(getattr(AuditEvent, name) == request.args[name])
    return jsonify(page(query, [AuditEvent.id], audit_public))
