"""The blood station's daily report (docs/blood.md, "Daily report").

One report per station and business day: per ABO group, Rh type and component, the stock at the end of the day,
what was collected and what was issued that day. A combination left out is zero. A second report for the same
day is refused (409) unless it is sent as a correction (``replace``), which replaces the day's lines and keeps the
earlier version in the audit trail. A report for a day after today is refused; every problem is reported against
its field (``lines[3].on_hand``), or its row for a CSV back-fill, and nothing is written.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert, update
from sqlmodel import Session, select

from inventory import scope
from inventory.core.clock import business_today, utcnow
from inventory.core.errors import Conflict, Invalid, Text
from inventory.core.vocab import BloodComponent, BloodGroup, Rh
from inventory.models import BloodReport, BloodReportLine, Organisation, User
from inventory.services.audit import trail

#: the largest count a line may carry (the column holds NUMERIC(18,3))
LIMIT = Decimal("1e12")
FIGURES = ("on_hand", "collected", "issued")
CSV_COLUMNS = ("date", "group", "rh", "component", *FIGURES)
#: the first day a report may be for: the plan dates from 2022; older history is still accepted back to 2000
FIRST_DAY = date(2000, 1, 1)
#: rows with errors listed for a refused CSV file; the rest are counted
MAX_ERROR_ROWS = 200


@dataclass(frozen=True)
class LineInput:
    group: str
    rh: str
    component: str
    on_hand: Decimal | str | int
    collected: Decimal | str | int
    issued: Decimal | str | int


@dataclass(frozen=True)
class ReportInput:
    day: date
    lines: tuple[LineInput, ...]
    note: str = ""


@dataclass(frozen=True)
class Filed:
    report: BloodReport
    #: True when an earlier report of the day was replaced
    replaced: bool


def _count(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or number < 0 or number >= LIMIT or number != number.quantize(Decimal("0.001")):
        return None
    return number


def check_lines(day: date | None, lines: Sequence[LineInput], *, today: date, prefix: str = "lines",
                names: Sequence[str] | None = None) -> tuple[list[dict[str, Any]], dict[str, list[Text]]]:
    """The lines as rows to store, and every problem by field; ``names`` say where each line is (CSV rows)."""
    problems: dict[str, list[Text]] = {}
    if day is not None and day > today:
        problems["date"] = [_l("a report cannot be for a day after today (%(today)s)", today=today.isoformat())]
    elif day is not None and day < FIRST_DAY:
        problems["date"] = [_l("a report cannot be for a day before %(first)s", first=FIRST_DAY.isoformat())]
    if not lines:
        problems[prefix] = [_l("give at least one line")]
    rows, seen = [], {}
    for index, line in enumerate(lines):
        where = f"{prefix}[{index}]"
        key = (str(line.group).strip(), str(line.rh).strip(), str(line.component).strip())
        for field, value, vocab in zip(("group", "rh", "component"), key, (BloodGroup, Rh, BloodComponent)):
            if value not in vocab.values():
                problems.setdefault(f"{where}.{field}", []).append(
                    _l("one of %(values)s", values=", ".join(vocab.values())))
        figures = {}
        for field in FIGURES:
            figures[field] = _count(getattr(line, field))
            if figures[field] is None:
                problems.setdefault(f"{where}.{field}", []).append(
                    _l("a number from 0, with at most three decimals"))
        if key in seen:
            problems.setdefault(where, []).append(
                _l("%(group)s %(rh)s %(component)s is also given at %(where)s", group=key[0], rh=key[1],
                   component=key[2], where=names[seen[key]] if names else f"{prefix}[{seen[key]}]"))
        seen.setdefault(key, index)
        rows.append({"abo_group": key[0], "rh": key[1], "component": key[2], **figures})
    return rows, problems


def _snapshot(report: BloodReport, lines: Iterable[dict[str, Any] | BloodReportLine]) -> dict[str, Any]:
    def figures(line) -> dict[str, Any]:
        get = line.get if isinstance(line, dict) else lambda name: getattr(line, name)
        return {"group": get("abo_group"), "rh": get("rh"), "component": get("component"),
                **{field: str(get(field)) for field in FIGURES}}
    return {"date": report.report_date.isoformat(), "revision": report.revision, "note": report.note,
            "lines": [figures(line) for line in lines]}


def lines_of(session: Session, report_id: int) -> list[BloodReportLine]:
    return list(session.exec(select(BloodReportLine).where(BloodReportLine.report_id == report_id)
                             .order_by(BloodReportLine.abo_group, BloodReportLine.rh, BloodReportLine.component)))


def _store(session: Session, *, actor: User, station: Organisation, day: date, rows: list[dict[str, Any]],
           note: str, replace: bool) -> Filed:
    existing = session.exec(select(BloodReport).where(BloodReport.station_id == station.id,
                                                      BloodReport.report_date == day)).first()
    if existing is not None and not replace:
        raise Conflict(_l("the report of %(day)s is already filed; send it as a correction to replace it",
                          day=day.isoformat()), code="duplicate_report", fields={"date": [_l("already filed")]})
    if existing is None:
        report = BloodReport(station_id=station.id, report_date=day, note=note, filed_by=actor.id)
        session.add(report)
        session.flush()
        before = None
    else:
        report = existing
        before = _snapshot(report, lines_of(session, report.id))
        # decided once: of two corrections of the same revision at once, the second finds it moved on (409)
        done = session.execute(update(BloodReport).where(
            BloodReport.id == report.id, BloodReport.revision == report.revision).values(
            revision=report.revision + 1, note=note, corrected_by=actor.id, corrected_at=utcnow()))
        if done.rowcount != 1:
            raise Conflict(_l("the report of %(day)s was corrected by someone else meanwhile; look again",
                              day=day.isoformat()), code="conflict")
        session.refresh(report)
        session.execute(delete(BloodReportLine).where(BloodReportLine.report_id == report.id))
    session.execute(insert(BloodReportLine), [{"report_id": report.id, **row} for row in rows])
    trail.record(session, actor=actor, action="blood_report.correct" if before else "blood_report.file",
                 entity="blood_report", entity_id=report.id, org_id=station.id, before=before,
                 after=_snapshot(report, rows))
    return Filed(report, replaced=before is not None)


def file_report(*, session: Session, actor: User, report: ReportInput, replace: bool = False,
                today: date | None = None) -> Filed:
    """File (or, with ``replace``, correct) the actor's station's report of ``report.day``; then the computed
    level of that day is proposed to the health commission if it is new (services/blood/levels.py)."""
    from inventory.services.blood import levels  # levels reads reports: imported here, not at module level

    scope.require(actor, "file", "blood_report")
    station = scope.blood.require_station(session, actor)
    rows, problems = check_lines(report.day, report.lines, today=today or business_today())
    if len(report.note) > 500:
        problems["note"] = [_l("at most 500 characters")]
    if problems:
        raise Invalid(_l("the report was not filed"), fields=problems)
    filed = _store(session, actor=actor, station=station, day=report.day, rows=rows, note=report.note.strip(),
                   replace=replace)
    levels.propose(session=session, station_id=station.id, as_of=report.day)
    return filed


def import_csv(*, session: Session, actor: User, text: str, replace: bool = False,
               today: date | None = None) -> list[Filed]:
    """Back-fill history from CSV (``date,group,rh,component,on_hand,collected,issued``, one line per row, a day's
    rows together or not): every row is checked first and any problem refuses the whole file, each reported as
    ``row N`` (the header is row 1). Back-filled days propose no level: the next scan judges today."""
    scope.require(actor, "file", "blood_report")
    station = scope.blood.require_station(session, actor)
    today = today or business_today()
    try:
        table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    except csv.Error as error:
        raise Invalid(_l("the file was not imported"), fields={"csv": [_l("not a CSV file: %(error)s",
                                                                          error=str(error))]}) from None
    reader = iter(table)
    header = [cell.strip().lower() for cell in next(reader, [])]
    missing = [column for column in CSV_COLUMNS if column not in header]
    if missing:
        raise Invalid(_l("the file was not imported"), fields={"row 1": [
            _l("missing columns: %(columns)s", columns=", ".join(missing))]})
    at = {column: header.index(column) for column in CSV_COLUMNS}
    days: dict[date, list[tuple[int, LineInput]]] = {}
    problems: dict[str, list[Text]] = {}
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        cell = {column: cells[index].strip() if index < len(cells) else "" for column, index in at.items()}
        try:
            day = date.fromisoformat(cell["date"])
        except ValueError:
            problems.setdefault(f"row {number}", []).append(_l("date: a day as YYYY-MM-DD"))
            continue
        days.setdefault(day, []).append((number, LineInput(cell["group"], cell["rh"], cell["component"],
                                                           cell["on_hand"], cell["collected"], cell["issued"])))
    if not days and not problems:
        problems["row 2"] = [_l("the file has no rows")]
    known = set(session.exec(select(BloodReport.report_date).where(BloodReport.station_id == station.id,
                                                                   BloodReport.report_date.in_(list(days))))) \
        if days and not replace else set()
    checked: dict[date, list[dict[str, Any]]] = {}
    for day, numbered in sorted(days.items()):
        rows, found = check_lines(day, [line for _, line in numbered], today=today, prefix="lines",
                                  names=[f"row {number}" for number, _ in numbered])
        for field, messages in found.items():
            number = numbered[int(field.split("[")[1].split("]")[0])][0] if "[" in field else numbered[0][0]
            column = field.rsplit(".", 1)[1] if "." in field else field if field == "date" else None
            problems.setdefault(f"row {number}", []).extend(
                _l("%(column)s: %(message)s", column=column, message=message) if column else message
                for message in messages)
        if day in known:
            problems.setdefault(f"row {numbered[0][0]}", []).append(
                _l("the report of %(day)s is already filed; import with replace to correct it", day=day.isoformat()))
        checked[day] = rows
    if problems:
        ordered = dict(sorted(problems.items(), key=lambda item: int(item[0].split()[1]))[:MAX_ERROR_ROWS])
        if len(problems) > MAX_ERROR_ROWS:
            ordered["more"] = [_l("%(count)s more rows with errors not listed",
                                  count=len(problems) - MAX_ERROR_ROWS)]
        raise Invalid(_l("the file was not imported"), fields=ordered)
    return [_store(session, actor=actor, station=station, day=day, rows=rows, note="", replace=replace)
            for day, rows in checked.items()]


def reports_between(session: Session, station_id: int, start: date, end: date) -> list[BloodReport]:
    return list(session.exec(select(BloodReport).where(BloodReport.station_id == station_id,
                                                       BloodReport.report_date >= start,
                                                       BloodReport.report_date <= end)
                             .order_by(BloodReport.report_date)))


def lines_by_report(session: Session, report_ids: Sequence[int]) -> dict[int, list[BloodReportLine]]:
    """The lines of several reports, read at once, in group, Rh and component order."""
    found: dict[int, list[BloodReportLine]] = {}
    if not report_ids:
        return found
    for line in session.exec(select(BloodReportLine).where(BloodReportLine.report_id.in_(list(report_ids)))
                             .order_by(BloodReportLine.report_id, BloodReportLine.abo_group, BloodReportLine.rh,
                                       BloodReportLine.component)):
        found.setdefault(line.report_id, []).append(line)
    return found


def station_codes(session: Session, station_ids: Iterable[int]) -> dict[int, str]:
    ids = list(station_ids)
    if not ids:
        return {}
    return dict(session.exec(select(Organisation.id, Organisation.code).where(Organisation.id.in_(ids))).all())
