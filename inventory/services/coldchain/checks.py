"""Daily checks of cold facilities (日检查制度, cold-chain opinions §二(八)1; docs/coldchain.md, daily checks):
the keeper records doors, seals, compressor and temperature recorder once per business day, with remarks
(required when something is not in order); a monitored facility without yesterday's check is flagged
(``daily_check_missing``, services/coldchain/scans.py)."""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from inventory import scope
from inventory.core.clock import business_today
from inventory.core.errors import Conflict, Forbidden, Invalid
from inventory.core.vocab import Role
from inventory.models import DailyCheck, Facility, User
from inventory.services.audit import trail

ITEMS = ("doors", "seals", "compressor", "recorder")
#: how far back a forgotten check may still be recorded
LATE_DAYS = 7


def record_check(*, session: Session, actor: User, facility: Facility, doors: bool, seals: bool, compressor: bool,
                 recorder: bool, remarks: str = "", day: date | None = None) -> DailyCheck:
    """Record the day's check; a second one for the same day is a 409, a day ahead or more than a week back a 422."""
    scope.require(actor, "record", "daily_check")
    if facility.enterprise_id != actor.org_id:
        raise Forbidden(_l("the facility belongs to another enterprise"))
    if actor.role != Role.enterprise_manager and facility.keeper_id not in (None, actor.id):
        raise Forbidden(_l("the facility's keeper records its daily check"))
    today = business_today()
    day = day or today
    if not today - timedelta(days=LATE_DAYS) <= day <= today:
        raise Invalid.field("day", _l("today or up to %(days)s days back", days=LATE_DAYS))
    values = {"doors": doors, "seals": seals, "compressor": compressor, "recorder": recorder}
    remarks = remarks.strip()
    if not all(values.values()) and not remarks:
        raise Invalid.field("remarks", _l("say what is not in order"))
    if session.exec(select(DailyCheck.id).where(DailyCheck.facility_id == facility.id, DailyCheck.day == day)).first():
        raise Conflict(_l("the check of %(day)s is recorded already", day=day.isoformat()), code="duplicate_check")
    row = DailyCheck(facility_id=facility.id, day=day, remarks=remarks, checked_by=actor.id, **values)
    session.add(row)
    session.flush()
    trail.record(session, actor=actor, action="facility.daily_check", entity="facility", entity_id=facility.id,
                 org_id=facility.enterprise_id, after={"day": day.isoformat(), **values, "remarks": remarks})
    return row


def checks_query(facility_id: int):
    return select(DailyCheck).where(DailyCheck.facility_id == facility_id)


def recent_checks(session: Session, facility_id: int, days: int = 14) -> list[DailyCheck]:
    """The checks of the last ``days`` business days, newest first (the facility page)."""
    since = business_today() - timedelta(days=days)
    return list(session.exec(checks_query(facility_id).where(DailyCheck.day > since).order_by(DailyCheck.day.desc())))
