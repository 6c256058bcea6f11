"""Inspections (监督检查, reserve-materials-measures §五(二)) and their findings, on the workflow registry.

"市级储备部门应当加强对市级重要储备物资品种、数量和质量、储存安全等情况的监督检查": a reserve bureau's inspector (or
officer, approver) records an inspection of an enterprise or one of its facilities — the date, the scope, a
quantity check by lot (counted against the book), quality findings, storage safety (fire, theft, flood, power,
with the facility's safety systems as they stood) and the ten violations of §六(二) as a checklist, each with
evidence and a note. Each violation ticked is a finding and a ``Violation`` (source ``inspection``). The
enterprise answers each finding with a corrective action and a date; the inspecting bureau closes it or sends it
back; once no finding is outstanding the bureau closes the inspection (docs/domain-rules.md, inspections).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import uuid4

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from inventory import scope
from inventory.core.clock import business_today
from inventory.core.errors import Conflict, Forbidden, Invalid
from inventory.core.vocab import FindingStatus as F
from inventory.core.vocab import InspectionStatus as S
from inventory.core.vocab import OrgKind, SafetyAspect, SafetySystem, ViolationKind
from inventory.core.vocab import WorkflowAction as A
from inventory.models import (
    Facility, Inspection, InspectionFinding, InspectionLotCheck, Lot, Material, Organisation, User,
)
from inventory.scope.inspections import INSPECTORS, PERMISSIONS
from inventory.services.audit import trail
from inventory.services.stock import ledger
from inventory.services.workflows import engine, violations
from inventory.services.workflows.dispatch_plan import Problems
from inventory.services.workflows.registry import Flow, InboxEntry, Transition, register

MAX_LOTS = 500
LENGTHS = {"scope": 2000, "quality_findings": 2000}



def _years_from(day: date, years: int) -> date:
    """The same calendar day ``years`` away ("a year back", "a year ahead"); 29 February falls to the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)

def _inspecting_bureau(session: Session, actor: User, row: Any) -> None:
    if actor.org_id != row.bureau_id:
        raise Forbidden(_l("only the bureau that inspected may do this"))


def _own_enterprise(session: Session, actor: User, row: Any) -> None:
    if actor.org_id != row.enterprise_id:
        raise Forbidden(_l("only the enterprise inspected answers its findings"))


def _nothing_outstanding(session: Session, actor: User, row: Inspection) -> None:
    _inspecting_bureau(session, actor, row)
    left = session.exec(select(func.count()).select_from(InspectionFinding).where(
        InspectionFinding.inspection_id == row.id, InspectionFinding.status.in_([F.open, F.answered]))).one()
    if left:
        raise Conflict(_l("%(count)s findings are not closed yet", count=left), code="findings_open")


def _names(session: Session, rows: list[Any]) -> dict[int, Organisation]:
    return {org.id: org for org in session.exec(select(Organisation).where(
        Organisation.id.in_({row.enterprise_id for row in rows})))}


def _describe_inspections(session: Session, user: User, rows: list[Inspection]) -> dict[int, InboxEntry]:
    orgs = _names(session, rows)
    return {row.id: InboxEntry(
        title=f"{row.code} · {orgs[row.enterprise_id].name}", detail=row.inspected_on.isoformat(),
        endpoint="inspections.show", args={"inspection_id": row.id}, requested_by=row.recorded_by,
        requested_at=row.created_at, reason=row.scope[:120]) for row in rows}


def _describe_findings(session: Session, user: User, rows: list[InspectionFinding]) -> dict[int, InboxEntry]:
    orgs = _names(session, rows)
    codes = dict(session.exec(select(Inspection.id, Inspection.code).where(
        Inspection.id.in_({row.inspection_id for row in rows}))).all())
    return {row.id: InboxEntry(
        title=f"{codes[row.inspection_id]} · {orgs[row.enterprise_id].name}",
        detail=str(ViolationKind.label_of(row.kind)), endpoint="inspections.show",
        args={"inspection_id": row.inspection_id},
        requested_by=row.answered_by if row.status == F.answered else row.recorded_by,
        requested_at=row.answered_at if row.status == F.answered else row.created_at,
        reason=(row.corrective_action if row.status == F.answered else row.evidence)[:120]) for row in rows}


INSPECTION = register(Flow(
    name="inspection", label=_l("inspection"), model=Inspection, initial=S.open, statuses=S,
    missing=_l("inspection not found"), requester="recorded_by",
    transitions=(
        Transition(S.open, A.close, S.closed, PERMISSIONS[("inspection", "close")], _nothing_outstanding,
                   by="closed_by", at="closed_at", note="close_note"),
    ),
    describe=_describe_inspections,
))

FINDING = register(Flow(
    name="inspection_finding", label=_l("inspection finding"), model=InspectionFinding, initial=F.open,
    statuses=F, missing=_l("finding not found"), requester="answered_by",
    transitions=(
        Transition(F.open, A.answer, F.answered, PERMISSIONS[("inspection_finding", "answer")], _own_enterprise,
                   by="answered_by", at="answered_at", note="corrective_action"),
        # the bureau judges the enterprise's own answer: never the person who gave it (four eyes)
        Transition(F.answered, A.close, F.closed, PERMISSIONS[("inspection_finding", "close")], _inspecting_bureau,
                   four_eyes=True, by="closed_by", at="closed_at", note="close_note"),
        Transition(F.answered, A.send_back, F.open, PERMISSIONS[("inspection_finding", "close")],
                   _inspecting_bureau, four_eyes=True, by="returned_by", note="return_note"),
    ),
    describe=_describe_findings,
))


@FINDING.on_enter(F.open)
def _sent_back_with_reason(session: Session, actor: User, row: InspectionFinding, note: str) -> None:
    """Sending an answer back states why, whichever face took it: 422 rolls the step back."""
    if not note.strip():
        raise Invalid.field("note", _l("say why the answer is sent back"))


@dataclass(frozen=True)
class LotCheckInput:
    lot_id: int
    counted: Decimal | str | int
    note: str = ""


@dataclass(frozen=True)
class FindingInput:
    kind: str
    evidence: str
    note: str = ""


@dataclass(frozen=True)
class SafetyInput:
    ok: bool | None
    note: str = ""


@dataclass(frozen=True)
class InspectionInput:
    enterprise: str
    inspected_on: date | None
    scope: str
    facility: str = ""
    quality_findings: str = ""
    safety: dict[str, SafetyInput] = field(default_factory=dict)
    lots: tuple[LotCheckInput, ...] = ()
    findings: tuple[FindingInput, ...] = ()


def _bureau_of(session: Session, actor: User) -> int:
    scope.require(actor, "record", "inspection")
    if scope.org_kind(session, actor) != OrgKind.bureau:
        raise Forbidden(_l("inspections are recorded by a reserve bureau's staff"))
    return actor.org_id


def _remit_lots(session: Session, bureau_id: int, enterprise_id: int):
    return select(Lot).join(Material, Material.id == Lot.material_id).where(
        Lot.enterprise_id == enterprise_id, Material.bureau_id == bureau_id)


def record_inspection(*, session: Session, actor: User, given: InspectionInput,
                      today: date | None = None) -> Inspection:
    """Check everything, then write the inspection, its lot checks, findings and violations: 422 naming every bad
    field, nothing written."""
    bureau_id = _bureau_of(session, actor)
    today = today or business_today()
    problems = Problems()
    enterprise = session.exec(select(Organisation).where(Organisation.code == given.enterprise.strip(),
                                                        Organisation.kind == OrgKind.enterprise)).first()
    facility = None
    if enterprise is None:
        problems.add("enterprise", _l("unknown enterprise %(code)s", code=given.enterprise.strip()))
    elif session.exec(_remit_lots(session, bureau_id, enterprise.id).limit(1)).first() is None:
        problems.add("enterprise", _l("the enterprise stores none of your bureau's materials"))
    elif given.facility.strip():
        facility = session.exec(select(Facility).where(Facility.code == given.facility.strip(),
                                                       Facility.enterprise_id == enterprise.id)).first()
        if facility is None:
            problems.add("facility", _l("not a facility of this enterprise"))
    if given.inspected_on is None:
        problems.add("inspected_on", _l("required"))
    elif not _years_from(today, -1) <= given.inspected_on <= today:
        problems.add("inspected_on", _l("must be from a year ago to today"))
    texts = {"scope": given.scope.strip(), "quality_findings": given.quality_findings.strip()}
    if not texts["scope"]:
        problems.add("scope", _l("required"))
    for name, longest in LENGTHS.items():
        if len(texts[name]) > longest:
            problems.add(name, _l("at most %(count)s characters", count=longest))
    safety = _read_safety(given.safety, problems)
    if facility is not None:
        safety["systems"] = {str(system): {"in_place": bool(getattr(facility, f"{system}_safety")),
                                           "checked_on": _iso(getattr(facility, f"{system}_checked_on"))}
                             for system in SafetySystem}
    checks = _read_lots(session, given.lots, bureau_id, enterprise, facility, problems)
    findings = _read_findings(given.findings, problems)
    problems.raise_any(_l("the inspection has errors; nothing was saved"))
    row = Inspection(code=f"new-{uuid4().hex}",
                     enterprise_id=enterprise.id, facility_id=facility.id if facility else None, bureau_id=bureau_id,
                     inspected_on=given.inspected_on, safety=safety, recorded_by=actor.id, **texts)
    session.add(row)
    session.flush()
    row.code = f"IN-{given.inspected_on.year}-{row.id:05d}"
    for lot, counted, note in checks:
        session.add(InspectionLotCheck(inspection_id=row.id, lot_id=lot.id, book=lot.on_hand, counted=counted,
                                       note=note))
    made = []
    for kind, evidence, note in findings:
        finding = InspectionFinding(inspection_id=row.id, enterprise_id=enterprise.id, bureau_id=bureau_id,
                                    kind=kind, evidence=evidence, note=note, recorded_by=actor.id)
        session.add(finding)
        made.append(finding)
        violations.record(session, enterprise_id=enterprise.id, kind=ViolationKind(kind), source_type="inspection",
                          source_id=row.id, note=evidence, actor=actor)
    session.flush()
    engine.opened(session, flow=INSPECTION, row=row, actor=actor, note=texts["scope"][:500])
    for finding in made:
        engine.opened(session, flow=FINDING, row=finding, actor=actor, note=finding.note)
    trail.record(session, actor=actor, action="inspection.record", entity="inspection", entity_id=row.id,
                 org_id=enterprise.id, after={
                     "code": row.code, "enterprise": enterprise.code, "facility": facility.code if facility else None,
                     "inspected_on": row.inspected_on.isoformat(),
                     "lots": [{"lot_id": lot.id, "book": str(lot.on_hand), "counted": str(counted)}
                              for lot, counted, _ in checks],
                     "findings": [kind for kind, _, _ in findings]})
    return row


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _read_safety(given: dict[str, SafetyInput], problems: Problems) -> dict[str, Any]:
    read: dict[str, Any] = {}
    for aspect, answer in given.items():
        if aspect not in SafetyAspect.values():
            problems.add(f"safety.{aspect}", _l("one of %(choices)s", choices=", ".join(SafetyAspect.values())))
        elif not isinstance(answer.ok, bool):
            problems.add(f"safety.{aspect}.ok", _l("say whether it is in order"))
        elif len(answer.note.strip()) > 500:
            problems.add(f"safety.{aspect}.note", _l("at most %(count)s characters", count=500))
        else:
            read[aspect] = {"ok": answer.ok, "note": answer.note.strip()}
    return read


def _read_lots(session: Session, given: tuple[LotCheckInput, ...], bureau_id: int, enterprise: Organisation | None,
               facility: Facility | None, problems: Problems) -> list[tuple[Lot, Decimal, str]]:
    if len(given) > MAX_LOTS:
        problems.add("lots", _l("at most %(count)s lots", count=MAX_LOTS))
        return []
    lots = {}
    if enterprise is not None and given:
        query = _remit_lots(session, bureau_id, enterprise.id).where(Lot.id.in_({g.lot_id for g in given}))
        if facility is not None:
            query = query.where(Lot.facility_id == facility.id)
        lots = {lot.id: lot for lot in session.exec(query)}
    read, seen = [], set()
    for index, check in enumerate(given):
        lot = lots.get(check.lot_id)
        if lot is None:
            problems.add(f"lots[{index}].lot_id", _l("not a lot of your bureau's materials at this enterprise "
                                                     "or facility"))
        elif lot.id in seen:
            problems.add(f"lots[{index}].lot_id", _l("listed twice"))
        seen.add(check.lot_id)
        try:
            counted = ledger.quantity(check.counted)
        except Invalid as error:
            problems.add(f"lots[{index}].counted", error.message)
            continue
        if counted < 0:
            problems.add(f"lots[{index}].counted", _l("cannot be negative"))
        if len(check.note.strip()) > 500:
            problems.add(f"lots[{index}].note", _l("at most %(count)s characters", count=500))
        if lot is not None:
            read.append((lot, counted, check.note.strip()))
    return read


def _read_findings(given: tuple[FindingInput, ...], problems: Problems) -> list[tuple[str, str, str]]:
    read, seen = [], set()
    for index, finding in enumerate(given):
        kind, evidence, note = finding.kind.strip(), finding.evidence.strip(), finding.note.strip()
        if kind not in ViolationKind.values():
            problems.add(f"findings[{index}].kind", _l("one of the ten violations: %(choices)s",
                                                       choices=", ".join(ViolationKind.values())))
        elif kind in seen:
            problems.add(f"findings[{index}].kind", _l("listed twice"))
        seen.add(kind)
        if not evidence:
            problems.add(f"findings[{index}].evidence", _l("required: what was seen"))
        elif len(evidence) > 2000:
            problems.add(f"findings[{index}].evidence", _l("at most %(count)s characters", count=2000))
        if len(note) > 500:
            problems.add(f"findings[{index}].note", _l("at most %(count)s characters", count=500))
        read.append((kind, evidence, note))
    return read


def visible_finding(session: Session, actor: User, finding_id: int) -> InspectionFinding:
    return engine.visible_row(session, actor, FINDING, finding_id)


def answer_finding(*, session: Session, actor: User, finding_id: int, corrective_action: str,
                   corrective_due_on: date | None, today: date | None = None) -> InspectionFinding:
    """The enterprise's answer: what it does to correct the finding, and by when."""
    row = visible_finding(session, actor, finding_id)
    engine.check(session, actor, FINDING, row, A.answer)
    today = today or business_today()
    problems = Problems()
    action = corrective_action.strip()
    if not action:
        problems.add("corrective_action", _l("required"))
    elif len(action) > 2000:
        problems.add("corrective_action", _l("at most %(count)s characters", count=2000))
    if corrective_due_on is None:
        problems.add("corrective_due_on", _l("required"))
    elif not today <= corrective_due_on <= _years_from(today, 1):
        problems.add("corrective_due_on", _l("must be from today to a year ahead"))
    problems.raise_any(_l("the answer has errors; nothing was saved"))
    result = session.execute(update(InspectionFinding).where(InspectionFinding.id == row.id,
                                                             InspectionFinding.status == F.open)
                             .values(corrective_due_on=corrective_due_on).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict(_l("someone else has acted on this finding; reload it"), code="illegal_transition")
    set_committed_value(row, "corrective_due_on", corrective_due_on)
    return engine.take(session, flow=FINDING, row_id=row.id, action=A.answer, actor=actor, note=action)


def judge_finding(*, session: Session, actor: User, finding_id: int, action: str, note: str = "") -> InspectionFinding:
    """The inspecting bureau closes an answered finding, or sends it back with the reason (required)."""
    if action not in (A.close, A.send_back):
        raise Invalid.field("action", _l("one of %(choices)s", choices="close, send_back"))
    note = note.strip()
    if len(note) > 500:
        raise Invalid.field("note", _l("at most %(count)s characters", count=500))
    if action == A.send_back and not note:
        row = visible_finding(session, actor, finding_id)
        engine.check(session, actor, FINDING, row, action)
        raise Invalid.field("note", _l("say why the answer is sent back"))
    return engine.take(session, flow=FINDING, row_id=finding_id, action=action, actor=actor, note=note)


def close_inspection(*, session: Session, actor: User, inspection_id: int, note: str = "") -> Inspection:
    """The inspecting bureau closes the inspection once every finding is closed (409 ``findings_open`` before)."""
    note = note.strip()
    if len(note) > 500:
        raise Invalid.field("note", _l("at most %(count)s characters", count=500))
    return engine.take(session, flow=INSPECTION, row_id=inspection_id, action=A.close, actor=actor, note=note)


def findings_of(session: Session, inspection_id: int) -> list[InspectionFinding]:
    return list(session.exec(select(InspectionFinding).where(InspectionFinding.inspection_id == inspection_id)
                             .order_by(InspectionFinding.id)))


def lot_checks_of(session: Session, inspection_id: int) -> list[tuple[InspectionLotCheck, Lot]]:
    return list(session.exec(select(InspectionLotCheck, Lot).join(Lot, Lot.id == InspectionLotCheck.lot_id)
                             .where(InspectionLotCheck.inspection_id == inspection_id).order_by(InspectionLotCheck.id)))


@dataclass(frozen=True)
class InspectionFilter:
    status: str = ""
    outcome: str = ""
    enterprise: str = ""
    inspected_from: date | None = None
    inspected_to: date | None = None


def inspections_query(session: Session, actor: User, filters: InspectionFilter | None = None):
    """The inspections this user may see, filtered; an unknown enterprise code matches nothing."""
    scope.require(actor, "view", "inspection")
    query = scope.inspections_query(session, actor)
    filters = filters or InspectionFilter()
    if filters.status:
        query = query.where(Inspection.status == filters.status)
    if filters.outcome:
        query = query.where(Inspection.outcome == filters.outcome)
    if filters.enterprise:
        query = query.where(Inspection.enterprise_id.in_(select(Organisation.id).where(
            Organisation.code == filters.enterprise.strip())))
    if filters.inspected_from:
        query = query.where(Inspection.inspected_on >= filters.inspected_from)
    if filters.inspected_to:
        query = query.where(Inspection.inspected_on <= filters.inspected_to)
    return query


def may_record(actor: User) -> bool:
    return actor.role in INSPECTORS


def lot_ids_by_code(session: Session, actor: User, enterprise_code: str, codes: list[str]) -> dict[str, int]:
    """The ids of the enterprise's lots of the actor's bureau's materials, by lot code (the record page names lots
    by code); codes not found are left out, and the service's check names them."""
    if not codes:
        return {}
    return dict(session.exec(select(Lot.lot_code, Lot.id).join(Material, Material.id == Lot.material_id)
                             .join(Organisation, Organisation.id == Lot.enterprise_id)
                             .where(Organisation.code == enterprise_code.strip(), Material.bureau_id == actor.org_id,
                                    Lot.lot_code.in_(codes))).all())
