"""What the inspection page and ``GET /inspections/{id}`` read: the inspection with its lot checks, findings,
photos and sanctions, each timeline, and only the steps the reader may take now (the transition helper's own
checks, so no button answers 403 or 409)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from inventory import scope
from inventory.core.errors import DomainError
from inventory.models import (
    Facility, Inspection, InspectionFinding, InspectionLotCheck, InspectionPhoto, Lot, Organisation, Sanction, User,
)
from inventory.services.inspections import files, sanctions
from inventory.services.inspections.inspections import FINDING, INSPECTION, findings_of, lot_checks_of
from inventory.services.inspections.qualification import refusal, state_of
from inventory.services.stock.names import user_names
from inventory.services.workflows import engine
from inventory.services.workflows.dispatch_views import StepView, rows_by_id
from inventory.services.workflows.registry import Flow
from inventory.core.vocab import QualificationState


@dataclass(frozen=True)
class FindingView:
    finding: InspectionFinding
    steps: list[StepView]
    actions: frozenset[str]


@dataclass(frozen=True)
class SanctionView:
    sanction: Sanction
    organisation: Organisation | None
    steps: list[StepView]
    actions: frozenset[str]


@dataclass(frozen=True)
class InspectionView:
    inspection: Inspection
    enterprise: Organisation
    bureau: Organisation
    facility: Facility | None
    qualification: QualificationState
    lots: list[tuple[InspectionLotCheck, Lot]]
    findings: list[FindingView]
    photos: list[InspectionPhoto]
    sanctions: list[SanctionView]
    steps: list[StepView]
    people: dict[int, str]
    actions: frozenset[str]
    may_add_photo: bool
    may_interview: bool
    may_propose: bool
    #: the qualification decisions the enterprise's present state allows (qualification.refusal), in order
    proposable: tuple[str, ...] = ()


def actions_for(session: Session, actor: User, flow: Flow, row) -> frozenset[str]:
    offered = set()
    for action in {t.action for t in flow.transitions if t.source == row.status and t.roles}:
        try:
            engine.check(session, actor, flow, row, action)
        except DomainError:
            continue
        offered.add(action)
    return frozenset(offered)


def inspection_view(*, session: Session, actor: User, inspection_id: int) -> InspectionView:
    row = scope.visible_inspection(session, actor, inspection_id)
    findings = findings_of(session, row.id)
    sanction_rows = sanctions.of_inspection(session, row.id)
    timelines = {(INSPECTION.name, row.id): engine.timeline(session, flow=INSPECTION, row_id=row.id)}
    for finding in findings:
        timelines[(FINDING.name, finding.id)] = engine.timeline(session, flow=FINDING, row_id=finding.id)
    for sanction in sanction_rows:
        timelines[(sanctions.SANCTION.name, sanction.id)] = engine.timeline(session, flow=sanctions.SANCTION,
                                                                            row_id=sanction.id)
    every = [step for steps in timelines.values() for step in steps]
    people = user_names(session, [row.recorded_by, *(step.actor_id for step in every),
                                  *(f.answered_by for f in findings), *(s.proposed_by for s in sanction_rows)])
    orgs = rows_by_id(session, Organisation, [row.enterprise_id, row.bureau_id, *(s.org_id for s in sanction_rows),
                                          *(step.org_id for step in every)])

    def steps(flow: Flow, row_id: int) -> list[StepView]:
        return [StepView(step, people.get(step.actor_id, "—"), orgs.get(step.org_id))
                for step in timelines[(flow.name, row_id)]]

    photo_ok = row.status == "open" and scope.can(actor, "record", "inspection") and actor.org_id == row.bureau_id
    state = state_of(session, row.enterprise_id)
    proposable = tuple(kind.value for kind in sanctions.PROPOSED_KINDS if refusal(kind, state) is None) \
        if sanctions.may_propose(actor, row) else ()
    return InspectionView(
        inspection=row, enterprise=orgs[row.enterprise_id], bureau=orgs[row.bureau_id],
        facility=session.get(Facility, row.facility_id) if row.facility_id else None,
        qualification=state, lots=lot_checks_of(session, row.id),
        findings=[FindingView(f, steps(FINDING, f.id), actions_for(session, actor, FINDING, f)) for f in findings],
        photos=files.photos_of(session, row.id),
        sanctions=[SanctionView(s, orgs.get(s.org_id), steps(sanctions.SANCTION, s.id),
                                actions_for(session, actor, sanctions.SANCTION, s)) for s in sanction_rows],
        steps=steps(INSPECTION, row.id), people=people, actions=actions_for(session, actor, INSPECTION, row),
        may_add_photo=photo_ok, may_interview=sanctions.may_interview(session, actor, row),
        may_propose=bool(proposable), proposable=proposable)
