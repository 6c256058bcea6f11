"""What the report pages read: a station's reports over a span with their red-cell totals and the days missing,
and one report with its lines and its versions (the audit trail of its filing and corrections)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from inventory import scope
from inventory.core.errors import Invalid, NotFound
from inventory.core.vocab import BloodComponent
from inventory.models import AuditEvent, BloodReport, BloodReportLine, Organisation, User
from inventory.services.blood import reports
from inventory.services.blood.scans import missing_days
from inventory.services.stock.names import user_names

#: the longest span one list shows, and the span shown when no first day is given
MAX_SPAN_DAYS, LIST_DAYS = 366, 30
LAST_DAY = date(2099, 12, 31)


@dataclass(frozen=True)
class ReportRow:
    report: BloodReport
    #: red cells of all groups: on hand, collected, issued
    red_cells: tuple[Decimal, Decimal, Decimal]


@dataclass(frozen=True)
class ReportList:
    station: Organisation
    rows: list[ReportRow]
    missing: list[date]
    people: dict[int, str]


def report_list(*, session: Session, user: User, start: date | None, end: date, now: datetime,
                station_code: str | None = None) -> ReportList:
    """The reports from ``start`` (default: ``LIST_DAYS`` back from ``end``) to ``end``, newest first."""
    scope.require(user, "view", "blood")
    for name, day in (("date_from", start), ("date_to", end)):
        if day is not None and not reports.FIRST_DAY <= day <= LAST_DAY:
            raise Invalid.field(name, _l("a day between %(first)s and %(last)s", first=reports.FIRST_DAY.isoformat(),
                                         last=LAST_DAY.isoformat()))
    start = start or max(reports.FIRST_DAY, end - timedelta(days=LIST_DAYS - 1))
    if start > end:
        raise Invalid.field("date_to", _l("the last day comes before the first"))
    if (end - start).days >= MAX_SPAN_DAYS:
        raise Invalid.field("date_from", _l("at most %(days)s days at once", days=MAX_SPAN_DAYS))
    station = scope.blood.visible_station(session, user, station_code)
    found = list(reversed(reports.reports_between(session, station.id, start, end)))
    lines = reports.lines_by_report(session, [r.id for r in found])
    rows = []
    for report in found:
        red = [line for line in lines.get(report.id, []) if line.component == BloodComponent.red_cells]
        rows.append(ReportRow(report, tuple(sum((getattr(line, f) for line in red), Decimal(0))
                                            for f in reports.FIGURES)))
    people = user_names(session, [r.filed_by for r in found] + [r.corrected_by for r in found])
    return ReportList(station, rows, [d for d in missing_days(session, station.id, end, now) if d >= start],
                      people)


def visible_report(session: Session, user: User, report_id: int) -> BloodReport:
    """The report if the user may read it; 404 otherwise, as for one that does not exist."""
    scope.require(user, "view", "blood")
    found = session.exec(scope.blood.reports_query(session, user).where(BloodReport.id == report_id)).first()
    if found is None:
        raise NotFound(_l("blood report not found"))
    return found


def own_report_on(session: Session, user: User, day: date) -> BloodReport:
    """The officer's own station's report of ``day``, to correct it; 404 when none is filed."""
    station = scope.blood.require_station(session, user)
    found = session.exec(select(BloodReport).where(BloodReport.station_id == station.id,
                                                   BloodReport.report_date == day)).first()
    if found is None:
        raise NotFound(_l("blood report not found"))
    return found


@dataclass(frozen=True)
class ReportView:
    report: BloodReport
    station: Organisation
    lines: list[BloodReportLine]
    #: the filing and each correction, newest first: who, when and the version before and after
    versions: list[AuditEvent]
    people: dict[int, str]


def report_view(*, session: Session, user: User, report_id: int) -> ReportView:
    report = visible_report(session, user, report_id)
    versions = list(session.exec(select(AuditEvent).where(
        AuditEvent.entity == "blood_report", AuditEvent.entity_id == str(report.id)).order_by(AuditEvent.id.desc())))
    people = user_names(session, [report.filed_by, report.corrected_by, *(e.actor_id for e in versions)])
    return ReportView(report, session.get(Organisation, report.station_id), reports.lines_of(session, report.id),
                      versions, people)
