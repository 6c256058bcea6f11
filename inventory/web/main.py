"""The home page, the language switch, the navigation and helpers every template uses."""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import (
    Blueprint, Flask, current_app, redirect, render_template, request, send_from_directory, session, url_for,
)
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_login import current_user, login_required

from inventory import scope
from inventory.core.vocab import AlertSeverity, Role
from inventory.db import get_session
from inventory.services.accounts import directory
from inventory.services.alerts import home, queries
from inventory.services.workflows.registry import FLOWS

bp = Blueprint("main", __name__)


@dataclass(frozen=True)
class NavEntry:
    """A page in the navigation, shown when ``scope.can(user, action, resource)`` (always when no resource).

    ``manage`` names the permission that makes a directory page an administration task; a reader without
    it finds the page in the user menu instead (a clerk's "Users" page lists only the clerk).
    """

    endpoint: str
    label: LazyString
    resource: str | None = None
    action: str | None = None
    manage: tuple[str, str] | None = None

    def allowed(self) -> bool:
        return self.resource is None or scope.can(current_user, self.action, self.resource)

    def managed(self) -> bool:
        return self.manage is not None and scope.can(current_user, *self.manage)


#: the task groups of the navigation bar, in order; the inbox and the notifications stand alone (see base.html)
NAVIGATION: list[tuple[LazyString, list[NavEntry]]] = [
    (_l("Stock"), [
        NavEntry("stock.lot_list", _l("Lots"), "lot", "view"),
        NavEntry("stock_entry.receive", _l("Receive"), "lot", "receive"),
        NavEntry("stock_entry.fefo_issue", _l("Issue (FEFO)"), "lot", "issue"),
        NavEntry("counts.index", _l("Physical counts"), "count", "open"),
        NavEntry("dispatches.index", _l("Dispatches"), "dispatch", "view"),
        NavEntry("instructions.index", _l("Instructions"), "instruction", "view"),
        NavEntry("replenishments.index", _l("Replenishments"), "replenishment", "view"),
        NavEntry("rotations.index", _l("Rotations"), "rotation", "view"),
        NavEntry("scraps.index", _l("Scraps"), "scrap", "view"),
        NavEntry("inspections.index", _l("Inspections"), "inspection", "view"),
        NavEntry("coldchain.index", _l("Cold chain"), "coldchain", "view"),
        NavEntry("imports.new", _l("Import receipts"), "import", "run"),
    ]),
    (_l("Plans"), [
        NavEntry("catalogue_versions.index", _l("Reserve catalogue"), "catalogue", "view"),
        NavEntry("annual_plans.index", _l("Annual plans"), "annual_plan", "view"),
        NavEntry("temporary_additions.index", _l("Temporary additions"), "temporary_addition", "view"),
    ]),
    (_l("Alerts"), [
        NavEntry("alerts.index", _l("All alerts"), "alert", "view"),
        NavEntry("alerts.subscriptions.index", _l("My subscriptions"), "subscription", "create"),
        NavEntry("alerts.silences.index", _l("Silences"), "silence", "view"),
        NavEntry("alerts.deliveries.index", _l("Deliveries"), "delivery", "view"),
    ]),
    (_l("Blood reserves"), [
        NavEntry("blood.board", _l("Blood board"), "blood", "view"),
        NavEntry("blood_reports.index", _l("Daily blood reports"), "blood", "view"),
        NavEntry("blood_emergencies.index", _l("Blood emergencies"), "blood", "view"),
        NavEntry("blood_donors.compliance", _l("Donor teams and collection points"), "blood", "view"),
        NavEntry("blood_donors.index", _l("Donor register"), "blood_donor", "view"),
    ]),
    (_l("Reports"), [
        NavEntry("stock_summary.show", _l("Stock summary"), "lot", "view"),
        NavEntry("plans_coverage.show", _l("Coverage against the plan"), "coverage", "view"),
        NavEntry("exports.index", _l("Export stock"), "lot", "export"),
        NavEntry("audit.events", _l("Audit log"), "audit", "view"),
        NavEntry("evaluations.index", _l("Annual evaluations"), "evaluation", "view"),
        NavEntry("statistics.index", _l("Statistics reports"), "statistics", "view"),
        NavEntry("statistics.performance_page", _l("Performance evaluation"), "performance", "view"),
    ]),
    (_l("Set-up"), [
        NavEntry("facilities.index", _l("Facilities"), "facility", "view"),
        NavEntry("catalogue.index", _l("Catalogue"), "material", "view"),
        NavEntry("scrap_rules.index", _l("Scrap rules"), "scrap", "view"),
        NavEntry("contracts.index", _l("Storage contracts"), "contract", "view"),
        NavEntry("qualifications.index", _l("Storage qualification"), "selection", "view"),
    ]),
    (_l("Administration"), [
        NavEntry("admin.organisations", _l("Organisations"), "organisation", "view", ("create", "organisation")),
        NavEntry("admin.users", _l("Users"), "user", "view", ("create", "user")),
        NavEntry("admin.districts", _l("Districts"), "district", "view", ("update", "district")),
        NavEntry("authorisations.index", _l("Emergency authorisations"), "emergency_authorisation", "record"),
        NavEntry("blood_calendar.index", _l("Working-day calendar"), "calendar", "manage"),
        NavEntry("system.health", _l("System health"), "system", "view"),
    ]),
]
INBOX = NavEntry("inbox.index", _l("Inbox"))
NOTIFICATIONS = NavEntry("alerts.notifications.index", _l("Notifications"))
#: what the home page's counts cover, by ``scope.stock_reach``
REACH_LABELS = {"enterprise": _l("your enterprise"), "bureau": _l("the materials in your bureau's remit"),
                "all": _l("the whole city"), "none": _l("nothing in reserve stock")}

#: ASCII control characters and white space, which browsers drop from a URL before resolving it
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]")


def same_site_path(target: str | None) -> str | None:
    """``target`` if it is a path on this site once a browser has normalised it, else None.

    Browsers drop tabs and new lines anywhere in a URL and read ``\\`` as ``/``, so ``/\\t/evil.example``
    would leave the site as ``//evil.example``; the check runs on what the browser would resolve.
    """
    if not target:
        return None
    cleaned = _URL_NOISE.sub("", target)
    if "\\" in cleaned or not cleaned.startswith("/") or cleaned.startswith("//"):
        return None
    parts = urlsplit(cleaned)
    if parts.scheme or parts.netloc:
        return None
    return cleaned


@bp.get("/")
@login_required
def index():
    """What needs the reader's attention, counted over what the reader may see, each number a link."""
    session = get_session()
    return render_template("main/index.html", org=directory.organisation_of(session=session, user=current_user),
                           home=home.summary(session=session, actor=current_user), kinds=queries.kinds(),
                           flows=FLOWS, AlertSeverity=AlertSeverity, reach_labels=REACH_LABELS)


@bp.get("/lang/<code>")
def set_language(code: str):
    """Switch language and return to the page the link was on, if that page is on this site."""
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    referrer = urlsplit(request.referrer or "")
    back = None
    if referrer.netloc == request.host and referrer.scheme in {"http", "https"}:
        back = same_site_path(referrer.path + (f"?{referrer.query}" if referrer.query else ""))
    return redirect(back or url_for("main.index"))


@bp.get("/favicon.ico")
def favicon():
    return send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=86400)


def _nav_groups() -> list[tuple[LazyString, list[NavEntry]]]:
    """The groups with the entries this user may open; directory pages one cannot manage go to the user menu."""
    if not current_user.is_authenticated:
        return []
    groups = []
    for label, entries in NAVIGATION:
        shown = [e for e in entries if e.allowed() and (e.manage is None or e.managed())]
        if shown:
            groups.append((label, shown))
    return groups


def _user_menu() -> list[NavEntry]:
    if not current_user.is_authenticated:
        return []
    return [e for _, entries in NAVIGATION for e in entries if e.manage is not None and e.allowed() and not e.managed()]


def register_template_helpers(app: Flask) -> None:
    @app.context_processor
    def _helpers() -> dict:
        return {
            "nav_groups": _nav_groups,
            "user_menu": _user_menu,
            "inbox_entry": INBOX,
            "notifications_entry": NOTIFICATIONS,
            "current_locale": lambda: str(get_locale()),
            "role_label": Role.label_of,
        }
