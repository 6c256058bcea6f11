"""Server-rendered HTML: thin views and WTForms forms, one blueprint per area."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from inventory.web import (
        admin, approvals, auth, catalogue, counts, errors, exports, facilities, imports, main, profile, stock,
        stock_display, stock_entry, stock_summary,
    )

    for module in (auth, main, profile, admin, catalogue, imports, exports, stock, stock_entry, stock_summary,
                   facilities, counts, approvals):
        app.register_blueprint(module.bp)
    errors.register(app)
    main.register_template_helpers(app)
    stock_display.register(app)
