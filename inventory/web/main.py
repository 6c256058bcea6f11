"""The home page, the language switch and helpers every template uses."""
from __future__ import annotations

from flask import Blueprint, Flask, current_app, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from inventory import scope
from inventory.db import get_session
from inventory.core.vocab import Role
from inventory.models import Organisation

bp = Blueprint("main", __name__)

#: navigation entries: (endpoint, label, resource, action) — shown when scope allows the action
NAVIGATION = [
    ("main.index", _l("Home"), None, None),
    ("inbox.index", _l("Inbox"), None, None),
    ("stock.lot_list", _l("Lots"), "lot", "view"),
    ("stock_entry.receive", _l("Receive"), "lot", "receive"),
    ("stock_entry.fefo_issue", _l("Issue (FEFO)"), "lot", "issue"),
    ("stock_summary.show", _l("Stock summary"), "lot", "view"),
    ("facilities.index", _l("Facilities"), "facility", "view"),
    ("catalogue.index", _l("Catalogue"), "material", "view"),
    ("counts.index", _l("Physical counts"), "count", "open"),
    ("imports.new", _l("Import receipts"), "import", "run"),
    ("exports.index", _l("Export stock"), "lot", "export"),
    ("admin.audit", _l("Audit log"), "audit", "view"),
    ("admin.organisations", _l("Organisations"), "organisation", "view"),
    ("admin.users", _l("Users"), "user", "view"),
    ("admin.districts", _l("Districts"), "district", "view"),
    ("admin.system_health", _l("System health"), "system", "view"),
]

@bp.get("/")
@login_required
def index():
    org = get_session().get(Organisation, current_user.org_id)
    return render_template("main/index.html", org=org)


@bp.get("/lang/<code>")
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    target = request.referrer or url_for("main.index")
    return redirect(target)


def _nav_items() -> list[tuple[str, str]]:
    if not current_user.is_authenticated:
        return []
    return [
        (endpoint, label)
        for endpoint, label, resource, action in NAVIGATION
        if resource is None or scope.can(current_user, action, resource)
    ]


def register_template_helpers(app: Flask) -> None:
    @app.context_processor
    def _helpers() -> dict:
        return {
            "nav_items": _nav_items,
            "current_locale": lambda: str(get_locale()),
            "role_label": Role.label_of,
        }
