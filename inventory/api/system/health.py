"""Liveness of the parts a request depends on; the broker being down is reported, never fatal."""
from __future__ import annotations

from flask import current_app, jsonify

from inventory.api.blueprint import bp
from inventory.api.spec import spec
from inventory.db import get_session
from inventory.services import system


@bp.get("/health")
@spec.validate(tags=["system"], security={})
def health():
    """Database and broker state (200 while the database answers, even with the broker down)."""
    state = system.status(session=get_session(), celery_config=current_app.config["CELERY"],
                          broker_timeout=current_app.config["BROKER_HEALTH_TIMEOUT"])
    return jsonify(state), 200 if state["database"] == "ok" else 503


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 document of this API."""
    return jsonify(spec.spec)
