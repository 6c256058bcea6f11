"""The Flask application factory."""
from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any

from flask import Flask, g, has_request_context, request, session
from werkzeug.routing import IntegerConverter

import config
from inventory import db
from inventory.request_guards import reject_long_request_id, reject_nul_characters
from inventory.extensions import babel, bootstrap, csrf, limiter, login_manager
from inventory.services.accounts import directory
from inventory.services.audit import trail

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(config.INSTANCE_DIR),
    )
    app.config.from_mapping(config.load())
    if test_config:
        app.config.from_mapping(test_config)
    app.config.from_prefixed_env()
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(Path(__file__).parent / "translations")

    # httpx logs every request's URL at INFO, and a robot's URL carries its access key
    logging.getLogger("httpx").setLevel(logging.WARNING)
    register_extensions(app)
    register_request_context(app)
    register_security_headers(app)
    register_blueprints(app)
    register_cli(app)
    register_celery(app)
    return app


def _select_locale() -> str:
    """English for the API (machine clients) and outside requests (CLI, workers); otherwise the user's choice."""
    from flask import current_app
    from flask_login import current_user

    if not has_request_context() or request.path.startswith("/api/"):
        return "en"
    chosen = session.get("lang")
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    if getattr(current_user, "is_authenticated", False) and current_user.locale:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    directory.configure_hashing(time_cost=app.config["ARGON2_TIME_COST"], memory_cost=app.config["ARGON2_MEMORY_COST"])
    csrf.init_app(app)
    bootstrap.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "warning"

    from inventory.web.accounts.auth import load_user

    login_manager.user_loader(load_user)


def register_request_context(app: Flask) -> None:
    """Give every request an id and tell the audit helper who is asking from where."""

    app.before_request(reject_nul_characters)
    app.before_request(reject_long_request_id)

    @app.before_request
    def _request_info() -> None:
        g.request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex
        trail.current_request.set(trail.RequestInfo(request_id=g.request_id, ip=request.remote_addr))

    @app.after_request
    def _request_id_header(response):
        response.headers["X-Request-Id"] = g.get("request_id", "")
        return response


#: scripts and styles only from this site (Bootstrap is served locally), no inline script, no framing.
#: Inline ``style`` attributes stay allowed: they cannot run code, and a few pages size bars with them.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def register_security_headers(app: Flask) -> None:
    """The same browser hardening on every response: pages, API, static files and error pages.

    Plain headers rather than an extension: nothing here forces HTTPS, which stays the proxy's job
    (``SESSION_COOKIE_SECURE`` and HSTS are switched on behind it).
    """

    @app.after_request
    def _security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if not (request.endpoint or "").endswith("static"):
            # pages and API answers hold one user's data: no shared or back-button cache keeps them
            response.headers.setdefault("Cache-Control", "no-store")
        return response


class RowIdConverter(IntegerConverter):
    """``<int:…>`` in every route: a number beyond what an id column holds is simply not found (404).

    It still matches the route (as id 0, which no row has): refusing the match instead would make a path
    served by several methods answer 405 for the one whose rule did not match."""

    MAX_ID = 2_147_483_647

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        return number if number <= self.MAX_ID else 0


def register_blueprints(app: Flask) -> None:
    from inventory import api, web

    app.url_map.converters["int"] = RowIdConverter

    api.init_app(app)
    web.init_app(app)


def register_cli(app: Flask) -> None:
    from inventory import cli

    cli.init_app(app)


def register_celery(app: Flask) -> None:
    from workers.factory import celery_init_app

    celery_init_app(app)
