"""Request-body guards that run before validation: size, media type and well-formed, shallow JSON.

The body is parsed once per request: the guard hands its parse to the request's JSON cache, so the validation
(spectree's ``request.get_json``) and the view read that object instead of parsing the bytes again — a
10,000-reading ingest body is about 1 MB (docs/coldchain.md, benchmarks).

Uploads (receipt files) are the one kind of body that is not JSON: their endpoints say so with
``@accepts_upload`` and get ``multipart/form-data`` up to ``MAX_CONTENT_LENGTH`` instead.
"""
from __future__ import annotations

import json
import re
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


#: a JSON string with its escapes (an unterminated one runs to the end, so no start is tried twice); what is
#: left once they are cut out is structure, numbers and literals
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.DOTALL)
#: every byte but the brackets, deleted by ``bytes.translate``
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def json_depth(raw: bytes) -> int:
    """How deeply arrays and objects nest in ``raw``, counted without parsing: strings are cut out and the
    brackets kept (both in C), and only the brackets are walked here."""
    depth = deepest = 0
    for byte in _JSON_STRING.sub(b"", raw).translate(None, _NOT_BRACKETS):
        if byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > deepest:
                deepest = depth
        else:
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
    # in UTF-8 a NUL reaches a parsed string only as the escape \u0000 (strict JSON refuses raw control
    # characters), so such a body without that text is not walked
    escaped_nul = b"\\u0000" in raw or not json.detect_encoding(raw).startswith("utf-8")
    if escaped_nul and contains_nul(parsed):
        raise BadRequest("the body contains a NUL character")
    request._cached_json = (parsed, parsed)  # what get_json(cache=True) would keep: nothing parses it again
