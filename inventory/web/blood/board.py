"""The blood board (docs/blood.md, "Board"): days of supply per ABO group and in total per component against the
3.00-day line, the level in force with its colour, the streaks and when they reach the next level, sixty days of
on hand and days of supply, the reporting clocks still open and the calendar warning. Also the home-page card of
what the blood station and the health commission have to do."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from inventory import scope
from inventory.core import clock
from inventory.core.vocab import BloodComponent, BloodGroup, EmergencyLevel, NoticeChannel, NoticeRecipient
from inventory.db import get_session
from inventory.services.blood import board as boards
from inventory.services.blood import calendar, donor_compliance, donors
from inventory.services.blood.supply import LEVEL_COMPONENT
from inventory.web.blood import charts

bp = Blueprint("blood", __name__, url_prefix="/blood")


def _as_of() -> date:
    text = request.args.get("as_of", "")
    if not text:
        return clock.business_today()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        abort(404)
    if day.year not in calendar.YEARS:
        abort(404)
    return day


@bp.get("/")
@login_required
def board():
    if not scope.can(current_user, "view", "blood"):
        abort(403)
    as_of = _as_of()
    found = boards.board(session=get_session(), user=current_user, as_of=as_of, now=clock.utcnow(),
                         station_code=request.args.get("station") or None)
    status = found.status
    targets = [*status.groups, status.total]
    component_bars = {component: charts.bars([(g.group, g.components[component]) for g in targets])
                      for component in BloodComponent.values()}
    rh_negative = charts.bars([(g.group, g.rh_negative) for g in targets])
    session = get_session()
    return render_template(
        "blood/board.html", board=found, status=status, as_of=as_of, component_bars=component_bars,
        rh_negative=rh_negative, chart=charts.chart(found.series, status.based_on or as_of, boards.CHART_DAYS),
        may_manage_calendar=scope.can(current_user, "manage", "calendar"), days_text=charts.days_text,
        LEVEL_COMPONENT=LEVEL_COMPONENT, BloodComponent=BloodComponent, BloodGroup=BloodGroup,
        EmergencyLevel=EmergencyLevel, NoticeRecipient=NoticeRecipient, NoticeChannel=NoticeChannel,
        donor_compliance=donor_compliance.evaluate(session=session, as_of=as_of),
        donor_districts=donors.team_districts(session))


@bp.app_context_processor
def _blood_helpers() -> dict:
    def blood_todo():
        """What the signed-in user has to do in the blood reserves (None: nothing of theirs)."""
        if not current_user.is_authenticated or not scope.can(current_user, "view", "blood"):
            return None
        return boards.todo(session=get_session(), user=current_user, today=clock.business_today(),
                           now=clock.utcnow())

    return {"blood_todo": blood_todo}
