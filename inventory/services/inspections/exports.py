"""Inspections and their findings as CSV or XLSX downloads, scoped and filtered like the inspection list."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from inventory import scope
from inventory.models import Facility, Inspection, InspectionFinding, Organisation, User
from inventory.services.inspections.inspections import InspectionFilter, inspections_query
from inventory.services.stock.exports import N_, Table, dated_filename

INSPECTION_COLUMNS = (
    ("code", N_("Inspection")), ("enterprise", N_("Enterprise code")), ("facility", N_("Facility code")),
    ("bureau", N_("Inspecting bureau")), ("inspected_on", N_("Inspected on")), ("scope", N_("Scope")),
    ("quality_findings", N_("Quality findings")), ("findings", N_("Findings")),
    ("open_findings", N_("Findings not closed")), ("status", N_("Status")), ("outcome", N_("Outcome")),
)
FINDING_COLUMNS = (
    ("inspection", N_("Inspection")), ("enterprise", N_("Enterprise code")), ("inspected_on", N_("Inspected on")),
    ("kind", N_("Violation")), ("evidence", N_("Evidence")), ("note", N_("Note")), ("status", N_("Status")),
    ("corrective_action", N_("Corrective action")), ("corrective_due_on", N_("Corrective action due")),
    ("close_note", N_("Closing note")),
)


def _codes(session: Session) -> tuple[dict[int, str], dict[int, str]]:
    return (dict(session.execute(select(Organisation.id, Organisation.code)).all()),
            dict(session.execute(select(Facility.id, Facility.code)).all()))


def inspection_table(*, session: Session, actor: User, filters: InspectionFilter, fmt: str) -> Table:
    scope.require(actor, "export", "inspection")
    rows = list(session.exec(inspections_query(session, actor, filters).order_by(Inspection.inspected_on,
                                                                                 Inspection.id)))
    orgs, facilities = _codes(session)
    counts: dict[int, list[int]] = {}
    if rows:
        for inspection_id, status in session.execute(select(InspectionFinding.inspection_id, InspectionFinding.status)
                                                     .where(InspectionFinding.inspection_id.in_([r.id for r in rows]))):
            tally = counts.setdefault(inspection_id, [0, 0])
            tally[0] += 1
            tally[1] += status != "closed"

    def values() -> Iterator[tuple[Any, ...]]:
        for row in rows:
            total, left = counts.get(row.id, [0, 0])
            yield (row.code, orgs[row.enterprise_id], facilities.get(row.facility_id, ""), orgs[row.bureau_id],
                   row.inspected_on, row.scope, row.quality_findings, total, left, row.status, row.outcome)

    return Table(N_("Inspections"), INSPECTION_COLUMNS, values(), dated_filename("inspections", fmt))


def finding_table(*, session: Session, actor: User, filters: InspectionFilter, fmt: str) -> Table:
    scope.require(actor, "export", "inspection")
    seen = inspections_query(session, actor, filters).subquery()
    rows = session.execute(select(InspectionFinding, seen.c.code, seen.c.inspected_on)
                           .join(seen, seen.c.id == InspectionFinding.inspection_id)
                           .order_by(seen.c.inspected_on, InspectionFinding.id)).all()
    orgs, _ = _codes(session)
    values = [(code, orgs[f.enterprise_id], inspected_on, f.kind, f.evidence, f.note, f.status, f.corrective_action,
               f.corrective_due_on, f.close_note) for f, code, inspected_on in rows]
    return Table(N_("Inspection findings"), FINDING_COLUMNS, values, dated_filename("inspection-findings", fmt))
