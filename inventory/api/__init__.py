"""JSON API v1: token auth, one error shape, size limits, idempotent creates, OpenAPI."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    # routes register on import
    from inventory.api.accounts import directory  # noqa: F401
    from inventory.api.alerts import alerts  # noqa: F401
    from inventory.api.blood import calendar as blood_calendar, emergencies as blood_emergencies  # noqa: F401
    from inventory.api.blood import reports as blood_reports  # noqa: F401
    from inventory.api.blood import donors as blood_donors  # noqa: F401
    from inventory.api.blood import responses as blood_responses  # noqa: F401
    from inventory.api.coldchain import monitoring as coldchain_monitoring  # noqa: F401
    from inventory.api.stock import catalogue, exports, imports, lots, requests  # noqa: F401
    from inventory.api.system import health  # noqa: F401
    from inventory.api.workflows import authorisations, dispatches, inbox, instructions, replenishments  # noqa: F401
    from inventory.api.workflows import rotations as _rotations, scraps as _scraps  # noqa: F401  (issue 10)
    from inventory.api.inspections import inspections as _inspections  # noqa: F401  (issue 10)
    from inventory.api.plans import evaluations as _evaluations, statistics as _statistics  # noqa: F401 (issue 13)
    from inventory.api.plans import coverage as _coverage  # noqa: F401  (issue 13)
    from inventory.api.plans import additions as _additions, annual_plans as _annual_plans  # noqa: F401
    from inventory.api.plans import catalogue as _plans_catalogue  # noqa: F401  (issue 13)
    from inventory.api.plans import contracts as _contracts, selections as _selections  # noqa: F401  (issue 13)
    from inventory.api.blueprint import bp
    from inventory.extensions import csrf

    csrf.exempt(bp)
    app.register_blueprint(bp)
