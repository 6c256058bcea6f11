"""The facility temperature page: the chart for 24 h / 7 d / 30 d drawn on the server, the allowed band and the
excursions shaded, the sensors and the excursions (docs/coldchain.md, facility page)."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from inventory import scope
from inventory.core.vocab import LotStatus, ReadingMetric, RuleComparison, RuleMode, StorageClass
from inventory.db import get_session
from inventory.services.coldchain import charts, checks, rules

bp = Blueprint("coldchain", __name__, url_prefix="/coldchain")


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
    return render_template("coldchain/facility.html", facility=found, chart=drawn, rules=in_force,
                           positions=charts.positions(session, found), stock=charts.stock(session, current_user, found),
                           checks=checks.recent_checks(session, found.id),
                           storage_class=storage_class, ranges=list(charts.RANGES), width=charts.WIDTH,
                           height=charts.HEIGHT, pad=charts.PAD, StorageClass=StorageClass,
                           ReadingMetric=ReadingMetric, RuleComparison=RuleComparison, RuleMode=RuleMode,
                           LotStatus=LotStatus)
