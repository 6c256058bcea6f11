"""Request-body guards that run before validation: size, media type and well-formed JSON."""
from __future__ import annotations

import json

from flask import current_app, request
from werkzeug.exceptions import BadRequest

from inventory.request_guards import contains_nul

_BODY_METHODS = {"POST", "PUT", "PATCH"}


def check_body() -> None:
    request.max_content_length = current_app.config["API_MAX_JSON_BYTES"]
    if request.method not in _BODY_METHODS:
        return
    raw = request.get_data(cache=True)  # raises 413 past the limit
    if not raw:
        return
    try:
        parsed = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from None
    if not isinstance(parsed, dict):
        raise BadRequest("the body must be a JSON object")
    if contains_nul(parsed):
        raise BadRequest("the body contains a NUL character")
    if not request.is_json:
        raise BadRequest("send the body with Content-Type: application/json")
