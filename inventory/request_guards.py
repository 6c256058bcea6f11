"""Input no layer below should ever see: NUL characters, which PostgreSQL text cannot store."""
from __future__ import annotations

from typing import Any

from flask import request
from werkzeug.exceptions import BadRequest

NUL = "\x00"


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
