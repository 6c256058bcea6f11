"""JSON API v1: token auth, one error shape, size limits, idempotent creates, OpenAPI."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from inventory.api import accounts, catalogue, exports, health, lots, stock_workflows  # noqa: F401  (routes register on import)
    from inventory.api.blueprint import bp
    from inventory.extensions import csrf

    csrf.exempt(bp)
    app.register_blueprint(bp)
