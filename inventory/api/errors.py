"""Every API failure in the one shape of API.md: ``{"error": {"code", "message", "fields"}}``."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify
from werkzeug.exceptions import HTTPException

from inventory.db import get_session
from inventory.services.errors import DomainError

_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
               415: "unsupported_media_type", 422: "validation_error", 429: "too_many_requests"}


def error_response(status: int, code: str, message: str, fields: dict | None = None) -> Response:
    response = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    response.status_code = status
    return response


def _domain_error(error: DomainError) -> Response:
    get_session().rollback()
    return error_response(error.status, error.code, error.message, error.fields)


def http_error_response(error: HTTPException) -> Response:
    """Also used by the app-level handler for /api/ paths that matched no route (404, 405)."""
    get_session().rollback()
    status = error.code or 500
    return error_response(status, _HTTP_CODES.get(status, "error"), error.description or error.name)


def _unexpected(error: Exception) -> Response:
    current_app.logger.exception("unhandled API error", exc_info=error)
    get_session().rollback()
    return error_response(500, "internal_error", "an unexpected error occurred; it has been logged")


def register(bp: Blueprint) -> None:
    bp.register_error_handler(DomainError, _domain_error)
    bp.register_error_handler(HTTPException, http_error_response)
    bp.register_error_handler(Exception, _unexpected)
