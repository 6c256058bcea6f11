"""Bearer-token authentication for the API blueprint."""
from __future__ import annotations

from flask import g, request

from inventory.db import get_session
from inventory.models import User
from inventory.services.accounts import directory
from inventory.core.errors import DomainError

PUBLIC_ENDPOINTS = {"api.health", "api.openapi"}


class Unauthorized(DomainError):
    status, code = 401, "unauthorized"


def authenticate_request() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("a bearer token is required")
    user = directory.user_for_token(session=get_session(), token=token.strip())
    if user is None:
        raise Unauthorized("the token is invalid or revoked")
    g.api_user = user


def current_user() -> User:
    return g.api_user
