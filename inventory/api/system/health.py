"""Liveness of the parts a request depends on; the broker being down is reported, never fatal."""
from __future__ import annotations

from typing import Literal

from flask import jsonify
from pydantic import BaseModel
from spectree import Response

from inventory.api.blueprint import bp
from inventory.api.schemas import ErrorBody
from inventory.api.spec import document, spec
from inventory.db import get_session
from inventory.services.system import checks


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    database: Literal["ok", "down"]
    broker: Literal["ok", "down"]


@bp.get("/health")
@spec.validate(resp=Response(HTTP_200=Health, HTTP_400=ErrorBody, HTTP_503=Health), tags=["system"], security={})
def health():
    """Database and broker state (200 while the database answers, even with the broker down)."""
    state = Health.model_validate(checks.status(session=get_session()))
    return state, 200 if state.database == "ok" else 503


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 document of this API."""
    return jsonify(document())
