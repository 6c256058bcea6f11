"""Input no layer below should ever see: NUL characters, which PostgreSQL text cannot store, and request
ids longer than the audit column that keeps them."""
from __future__ import annotations

from typing import Any

from flask import request
from werkzeug.exceptions import BadRequest

NUL = "\x00"
#: the length of ``audit_event.request_id``; a longer ``X-Request-Id`` is refused, not cut, so the id a
#: client logs is always the one stored with the audit events it caused (docs/api.md)
MAX_REQUEST_ID = 64


def contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(contains_nul(v) for v in value)
    return False


def reject_nul_characters() -> None:
    """A 400 for a NUL anywhere in the path, query or form, instead of a database error later."""
    if NUL in request.path or any(contains_nul(v) for v in request.args.values()):
        raise BadRequest("the request contains a NUL character")
    if request.method in {"POST", "PUT", "PATCH"} and request.mimetype in {"application/x-www-form-urlencoded",
                                                                             "multipart/form-data"}:
        if any(contains_nul(v) for v in request.form.values()):
            raise BadRequest("the form contains a NUL character")


def reject_long_request_id() -> None:
    """A 400 for an ``X-Request-Id`` the audit trail could not store whole."""
    if len(request.headers.get("X-Request-Id", "")) > MAX_REQUEST_ID:
        raise BadRequest(f"X-Request-Id is longer than {MAX_REQUEST_ID} characters")
