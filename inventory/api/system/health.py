"""Liveness of the parts a request depends on; the broker being down is reported, never fatal."""
from __future__ import annotations

from flask import jsonify

from inventory.api.blueprint import bp
from inventory.api.spec import spec
from inventory.db import get_session
from inventory.services.system import checks


@bp.get("/health")
@spec.validate(tags=["system"], security={})
def health():
    """Database and broker state (200 while the database answers, even with the broker down)."""
    state = checks.status(session=get_session())
    return jsonify(state), 200 if state["database"] == "ok" else 503


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 document of this API."""
    return jsonify(spec.spec)
