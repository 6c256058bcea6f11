"""Server-rendered HTML: thin views and WTForms forms, one blueprint per area, grouped by domain."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from inventory.web import errors, main
    from inventory.web.accounts import admin, auth, profile
    from inventory.web.alerts import pages as alerts
    from inventory.web.audit import events
    from inventory.web.coldchain import pages as coldchain
    from inventory.web.inspections import pages as inspections
    from inventory.web.stock import catalogue, counts, display, entry, exports, facilities, imports, lots, summary
    from inventory.web.system import health
    from inventory.web.workflows import (
        authorisations, dispatches, inbox, instructions, replenishments, rotations, scraps,
    )

    for module in (auth, main, profile, admin, catalogue, imports, exports, lots, entry, summary,
                   facilities, counts, inbox, dispatches, instructions, replenishments, authorisations, rotations, scraps,
                   inspections, events, health, alerts, coldchain):
        app.register_blueprint(module.bp)
    errors.register(app)
    main.register_template_helpers(app)
    display.register(app)
