"""Server-rendered HTML: thin views and WTForms forms, one blueprint per area."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from inventory.web import admin, auth, errors, exports, imports, main, profile

    for module in (auth, main, profile, admin, imports, exports):
        app.register_blueprint(module.bp)
    errors.register(app)
    main.register_template_helpers(app)
