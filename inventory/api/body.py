"""Request-body guards that run before validation: size, media type and well-formed, shallow JSON.

Uploads (receipt files) are the one kind of body that is not JSON: their endpoints say so with
``@accepts_upload`` and get ``multipart/form-data`` up to ``MAX_CONTENT_LENGTH`` instead.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import current_app, request
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from inventory.request_guards import contains_nul

_BODY_METHODS = {"POST", "PUT", "PATCH"}
#: deeper JSON is refused before anything walks it (a thousand levels overflow Python's recursion)
MAX_JSON_DEPTH = 32
_UPLOADS: set[str] = set()


def accepts_upload(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view that takes a ``multipart/form-data`` file instead of a JSON body."""
    _UPLOADS.add(view.__name__)
    return view


def json_depth(raw: bytes) -> int:
    """How deeply arrays and objects nest in ``raw``, counted without parsing (strings are skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


def check_body() -> None:
    if request.endpoint is not None and request.endpoint.removeprefix("api.") in _UPLOADS:
        request.max_content_length = current_app.config["MAX_CONTENT_LENGTH"]
        if request.method in _BODY_METHODS and request.mimetype != "multipart/form-data":
            raise UnsupportedMediaType("send the file as multipart/form-data")
        if any(not name for name in (*request.form, *request.files)):
            raise BadRequest("every part of the form needs a name")
        return
    request.max_content_length = current_app.config["API_MAX_JSON_BYTES"]
    if request.method not in _BODY_METHODS:
        return
    if request.mimetype and not request.is_json:  # before reading: a form body is parsed away from get_data
        raise UnsupportedMediaType("send the body with Content-Type: application/json")
    raw = request.get_data(cache=True)  # raises 413 past the limit
    if not raw:
        return
    if not request.is_json:
        raise UnsupportedMediaType("send the body with Content-Type: application/json")
    if json_depth(raw) > MAX_JSON_DEPTH:
        raise BadRequest(f"the body nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        parsed = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:  # ValueError: also a number past Python's digit limit
        raise BadRequest(f"the body is not valid JSON: {exc}") from None
    if not isinstance(parsed, dict):
        raise BadRequest("the body must be a JSON object")
    if contains_nul(parsed):
        raise BadRequest("the body contains a NUL character")
