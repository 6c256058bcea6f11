"""The cold-chain overview (every cold facility the reader sees, with what needs attention now); the facility
temperature page: the chart for 24 h / 7 d / 30 d drawn on the server, the allowed band and the excursions shaded,
the sensors and the excursions; and an excursion's page with the lots it held (docs/coldchain.md, overview page and
facility page)."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from inventory import scope
from inventory.core.errors import Forbidden
from inventory.core.vocab import LotStatus, ReadingMetric, RuleComparison, RuleMode, StorageClass
from inventory.db import get_session
from inventory.models import Facility
from inventory.services.coldchain import charts, checks, holds, overview, rules, tracks
from inventory.services.stock.names import user_names

bp = Blueprint("coldchain", __name__, url_prefix="/coldchain")


@bp.app_context_processor
def _coldchain_helpers() -> dict:
    """How a rule code reads, on the cold-chain pages and the lot page's excursion holds alike."""
    return {"rule_label": rules.rule_label}


@bp.get("/")
@login_required
def index():
    """The cold facilities the reader may see, each with its open excursions, silent sensors, today's daily check
    and lots on quality hold, linked to its temperature page."""
    if not scope.can(current_user, "view", "coldchain"):
        abort(403)
    return render_template("coldchain/overview.html",
                           states=overview.cold_facilities(get_session(), current_user), StorageClass=StorageClass)


@bp.get("/facilities/<code>")
@login_required
def facility(code: str):
    if not scope.can(current_user, "view", "coldchain"):
        abort(403)
    session = get_session()
    found = scope.coldchain.coldchain_facility(session, current_user, code)
    range_key = request.args.get("range", "24h")
    drawn = charts.chart(session, found, range_key if range_key in charts.RANGES else "24h")
    storage_class, in_force = rules.effective_rules(session, found)
    try:
        scope.coldchain.require_facility_writer(session, current_user, "ingest", "reading", code)
        can_upload = True
    except Forbidden:
        can_upload = False
    return render_template("coldchain/facility.html", facility=found, chart=drawn, rules=in_force,
                           positions=charts.positions(session, found), stock=charts.stock(session, current_user, found),
                           checks=checks.recent_checks(session, found.id),
                           storage_class=storage_class, ranges=list(charts.RANGES), range_labels=charts.RANGE_LABELS,
                           width=charts.WIDTH,
                           height=charts.HEIGHT, pad=charts.PAD, StorageClass=StorageClass,
                           ReadingMetric=ReadingMetric, RuleComparison=RuleComparison, RuleMode=RuleMode,
                           LotStatus=LotStatus, can_upload=can_upload,
                           track=tracks.track(session, found, drawn.start, drawn.end), tracks=tracks)


@bp.get("/excursions/<int:excursion_id>")
@login_required
def excursion(excursion_id: int):
    """One excursion: its rule, period, peak and duration, the sensors, the acknowledgement and the lots it held."""
    if not scope.can(current_user, "view", "coldchain"):
        abort(403)
    session = get_session()
    row = scope.coldchain.visible_excursion(session, current_user, excursion_id)
    return render_template("coldchain/excursion.html", excursion=row,
                           facility=session.get(Facility, row.facility_id),
                           lots=holds.held_lots(session, current_user, row.id),
                           acknowledged_by=user_names(session, [row.acknowledged_by] if row.acknowledged_by else []),
                           StorageClass=StorageClass, ReadingMetric=ReadingMetric, RuleComparison=RuleComparison,
                           RuleMode=RuleMode, LotStatus=LotStatus)
