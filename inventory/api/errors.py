"""Every API failure in the one shape of API.md: ``{"error": {"code", "message", "fields"}}``."""
from __future__ import annotations

from flask import Blueprint, Response, current_app
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from inventory.db import get_session
from inventory.core.errors import DomainError
from inventory.http import error_response, http_error_response

def _domain_error(error: DomainError) -> Response:
    get_session().rollback()
    return error_response(error.status, error.code, error.message, error.fields)


def _lost_race(error: IntegrityError) -> Response:
    """Two requests created the same thing at once (a double click, a retry): the one that lost is told so."""
    get_session().rollback()
    return error_response(409, "conflict", "another request wrote the same record at the same moment; look again")


def _unexpected(error: Exception) -> Response:
    current_app.logger.exception("unhandled API error", exc_info=error)
    get_session().rollback()
    return error_response(500, "internal_error", "an unexpected error occurred; it has been logged")


def register(bp: Blueprint) -> None:
    bp.register_error_handler(DomainError, _domain_error)
    bp.register_error_handler(HTTPException, http_error_response)
    bp.register_error_handler(IntegrityError, _lost_race)
    bp.register_error_handler(Exception, _unexpected)
