"""Liveness of the parts a request depends on; the broker being down is reported, never fatal."""
from __future__ import annotations

from flask import current_app, jsonify
from sqlalchemy import text

from inventory.api.blueprint import bp
from inventory.api.spec import spec
from inventory.db import get_session
from workers.broker import broker_is_up


@bp.get("/health")
@spec.validate(tags=["system"], security={})
def health():
    """Database and broker state (200 while the database answers, even with the broker down)."""
    try:
        get_session().exec(text("SELECT 1"))
        database = "ok"
    except Exception:  # any driver failure means the database is not usable
        database = "down"
    broker = "ok" if broker_is_up(current_app.config["CELERY"], current_app.config["BROKER_HEALTH_TIMEOUT"]) else "down"
    status = 200 if database == "ok" else 503
    return jsonify({"status": "ok" if status == 200 else "degraded", "database": database, "broker": broker}), status


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 document of this API."""
    return jsonify(spec.spec)
