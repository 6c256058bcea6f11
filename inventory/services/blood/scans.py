"""The blood alert kinds, registered with the alerts interface (docs/blood.md, "Alerts"):

- ``blood_low_stock``: the total or an ABO group is low (red cells ≤ 3.00 days of supply) on the latest reported
  day; warning, critical once its working-day streak reaches a level (5 days);
- ``blood_emergency``: a level is in force (computed or confirmed): warning for Level IV (blue), critical for III,
  II and I; the level and colour are in the payload, so an escalation from IV to III is a change of severity;
- ``report_overdue``: a reporting clock of a Level III, II or I (§三(三)2: 1.5 hours; 20 minutes by phone, 35 in
  writing) past its deadline with no report recorded: critical, so it escalates (services/blood/clocks.py);
- ``report_missing``: a day's report not filed by ``BLOOD_REPORT_DUE_HOUR`` of the next day (the plan forbids
  迟报、漏报, §六(九)), one alert per missing day, counted from the station's first report and for at most
  ``MISSING_LOOKBACK_DAYS``; filing it resolves the alert.

The levels are computed in Python over the working-day calendar (services/blood/supply.py), so the conditions are
literal rows. Each names the health commission as its bureau: health officers, and the city-wide roles, see them.
``flask scan blood --as-of DATE`` runs them for any day; the emergency scan first records the day's proposal.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Integer, Select, String, cast, literal, select, union_all
from sqlmodel import Session

from inventory.core import settings
from inventory.core.clock import BUSINESS_TZ, utcnow
from inventory.core.vocab import AlertSeverity, EmergencyLevel, OrgKind
from inventory.models import BloodEmergency, BloodReport, Organisation
from inventory.services.alerts.registry import Scan, register
from inventory.services.blood import clocks, levels, supply

MISSING_LOOKBACK_DAYS = 31
SUBJECT = "blood_station"


def _stations(session: Session) -> list[Organisation]:
    return list(session.exec(select(Organisation).where(Organisation.kind == OrgKind.blood_station,
                                                        Organisation.active.is_(True)).order_by(Organisation.id))
                .scalars())


def health_commission_id(session: Session) -> int | None:
    """The bureau that confirms levels and reads the blood alerts: the health commission (domain ``health``)."""
    return session.execute(select(Organisation.id).where(Organisation.kind == OrgKind.bureau,
                                                         Organisation.domain == "health")
                           .order_by(Organisation.id)).scalars().first()


def _row(key: str, severity: str, station: Organisation, bureau_id: int | None, payload: dict[str, Any]) -> Select:
    return select(cast(literal(key), String).label("dedup_key"), cast(literal(severity), String).label("severity"),
                  cast(literal(SUBJECT), String).label("subject_type"),
                  cast(literal(station.id), Integer).label("subject_id"),
                  cast(literal(bureau_id), Integer).label("bureau_id"),
                  cast(literal(station.district_id), Integer).label("district_id"),
                  literal(payload, JSON).label("payload"))


def _union(rows: list[Select]) -> Select | None:
    if not rows:
        return None
    return rows[0] if len(rows) == 1 else select(union_all(*rows).subquery())


def _text(value) -> str | None:
    return None if value is None else str(value)


def blood_low_stock(session: Session, as_of: date) -> Select | None:
    bureau, rows = health_commission_id(session), []
    for station in _stations(session):
        found = supply.status(session=session, station_id=station.id, as_of=as_of)
        for group in (*found.groups, found.total):
            if not group.supply.low:
                continue
            severity = AlertSeverity.critical if supply.level_for(group.low_streak_working_days) else \
                AlertSeverity.warning
            rows.append(_row(f"blood_low_stock:{station.id}:{group.group}", severity.value, station, bureau, {
                "station": station.code, "group": group.group, "based_on": _text(found.based_on),
                "on_hand": _text(group.supply.on_hand), "daily_use": _text(group.supply.daily_use),
                "days_of_supply": _text(group.supply.days_of_supply),
                "low_streak_working_days": group.low_streak_working_days}))
    return _union(rows)


def _propose(session: Session, as_of: date) -> int:
    return sum(levels.propose(session=session, station_id=station.id, as_of=as_of) is not None
               for station in _stations(session))


def blood_emergency(session: Session, as_of: date) -> Select | None:
    bureau, rows = health_commission_id(session), []
    for station in _stations(session):
        found = supply.status(session=session, station_id=station.id, as_of=as_of)
        if found.level is None:
            continue
        severity = AlertSeverity.warning if found.level == EmergencyLevel.IV else AlertSeverity.critical
        confirmed = any(e.level == found.level for e in found.emergencies)
        rows.append(_row(f"blood_emergency:{station.id}", severity.value, station, bureau, {
            "station": station.code, "level": found.level.value, "colour": found.level.colour.value,
            "computed_level": found.computed_level.value if found.computed_level else None,
            "rule": found.computed_rule, "confirmed": confirmed, "based_on": _text(found.based_on)}))
    return _union(rows)


def missing_days(session: Session, station_id: int, as_of: date, now: datetime) -> list[date]:
    """Days before ``as_of`` (from the station's first report, at most ``MISSING_LOOKBACK_DAYS`` back) whose report
    was due by ``now`` (the due hour of the next day, Asia/Shanghai) and is not filed."""
    first = session.execute(select(BloodReport.report_date).where(BloodReport.station_id == station_id)
                            .order_by(BloodReport.report_date)).scalars().first()
    if first is None:
        return []
    start = max(first, as_of - timedelta(days=MISSING_LOOKBACK_DAYS))
    filed = set(session.execute(select(BloodReport.report_date).where(
        BloodReport.station_id == station_id, BloodReport.report_date >= start,
        BloodReport.report_date < as_of)).scalars())
    due_hour = settings.blood_report_due_hour()
    days, day = [], start
    while day < as_of:
        due = datetime.combine(day + timedelta(days=1), time(due_hour), BUSINESS_TZ)
        if day not in filed and due <= now:
            days.append(day)
        day += timedelta(days=1)
    return days


def report_missing(session: Session, as_of: date) -> Select | None:
    bureau, rows, now = health_commission_id(session), [], utcnow()
    for station in _stations(session):
        for day in missing_days(session, station.id, as_of, now):
            rows.append(_row(f"report_missing:{station.id}:{day.isoformat()}", AlertSeverity.warning.value, station,
                             bureau, {"station": station.code, "report_date": day.isoformat(),
                                      "due_hour": settings.blood_report_due_hour()}))
    return _union(rows)


def overdue_clocks(session: Session, now: datetime) -> list[tuple[Organisation, BloodEmergency, clocks.Clock]]:
    """Unmet reporting clocks past their deadline, of the levels not terminated, of active stations."""
    found = []
    for station in _stations(session):
        for emergency in session.execute(select(BloodEmergency).where(
                BloodEmergency.station_id == station.id, BloodEmergency.ended_at.is_(None),
                BloodEmergency.level.in_([str(level) for level in clocks.LIMITS]))
                .order_by(BloodEmergency.id)).scalars():
            found += [(station, emergency, clock) for clock in clocks.clocks(session, emergency)
                      if clock.notice is None and clock.due_at <= now]
    return found


def report_overdue(session: Session, as_of: date) -> Select | None:
    bureau = health_commission_id(session)
    rows = [_row(f"report_overdue:{emergency.id}:{clock.key}", AlertSeverity.critical.value, station, bureau, {
        "station": station.code, "emergency_id": emergency.id, "level": emergency.level,
        "recipient": clock.recipient.value, "channel": clock.channel.value if clock.channel else None,
        "started_at": clock.started_at.isoformat(), "due_at": clock.due_at.isoformat()})
        for station, emergency, clock in overdue_clocks(session, utcnow())]
    return _union(rows)


register(Scan("blood_low_stock", _l("Blood stock low"), blood_low_stock, group="blood",
              inhibited_by=("blood_emergency",)))
register(Scan("blood_emergency", _l("Blood supply emergency"), blood_emergency, group="blood", prepare=_propose))
register(Scan("report_missing", _l("Blood report missing"), report_missing, group="blood"))
register(Scan("report_overdue", _l("Emergency report overdue"), report_overdue, group="blood"))
