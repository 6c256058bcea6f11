"""HTML error pages, and domain errors raised by services shown as a page with the message."""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from inventory.http import error_response, http_error_response
from inventory.db import get_session
from inventory.core.errors import DomainError


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if request.path.startswith("/api/"):
            return http_error_response(error)
        allow = [(name, value) for name, value in error.get_headers() if name == "Allow"]
        return render_template("errors/error.html", code=error.code, message=error.description), error.code, allow

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        return render_template("errors/error.html", code=400, message=error.description), 400

    @app.errorhandler(IntegrityError)
    def _lost_race(_error: IntegrityError):
        get_session().rollback()
        if request.path.startswith("/api/"):
            return error_response(409, "conflict", "another request wrote the same record at the same moment")
        return render_template("errors/error.html", code=409, message=_(
            "Someone else saved the same thing at the same moment. Look again before you repeat it.")), 409

    @app.errorhandler(DomainError)
    def _domain(error: DomainError):
        get_session().rollback()
        return render_template("errors/error.html", code=error.status, message=error.message), error.status
