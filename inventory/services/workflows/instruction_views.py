"""What the instruction and replenishment pages read: one row with its lots, executions, timeline and the steps
the reader may take now (the transition helper's own checks, so no button answers 403 or 409)."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, select

from inventory import scope
from inventory.core.errors import DomainError
from inventory.core.vocab import InstructionKind, InstructionStatus, QualificationState
from inventory.models import (
    Dispatch, Facility, Instruction, InstructionLot, Lot, Material, Movement, Organisation, Replenishment, User,
)
from inventory.services.inspections import qualification
from inventory.services.stock.names import user_names
from inventory.services.workflows import engine, instructions, replenishments
from inventory.services.workflows.dispatch_views import StepView, rows_by_id
from inventory.services.workflows.registry import Flow


@dataclass(frozen=True)
class LotLine:
    link: InstructionLot
    lot: Lot
    facility: Facility

    @property
    def taken(self):
        """What this instruction took from the lot so far."""
        return self.link.taken


@dataclass(frozen=True)
class InstructionView:
    instruction: Instruction
    material: Material
    enterprise: Organisation
    issuing_org: Organisation | None
    dispatch: Dispatch | None
    replenishment: Replenishment | None
    lots: list[LotLine]
    executions: list[Movement]
    steps: list[StepView]
    people: dict[int, str]
    actions: frozenset[str]
    #: whether the reader may record an execution now, and consent to another lot
    may_execute: bool
    may_consent: bool


@dataclass(frozen=True)
class ReplenishmentView:
    replenishment: Replenishment
    material: Material
    enterprise: Organisation
    dispatch: Dispatch | None
    instructions: list[Instruction]
    steps: list[StepView]
    people: dict[int, str]
    actions: frozenset[str]
    #: what the reader may instruct again (a refused or called-off receive instruction), 0 when nothing
    reinstructable: object = 0
    #: the enterprise's storage qualification: suspended or revoked, it may not receive (flagged on the page)
    qualification: QualificationState = QualificationState.qualified
    #: the enterprises the confirming approver may choose instead, when the reader may confirm
    receivers: list[Organisation] = field(default_factory=list)


def _actions(session: Session, actor: User, flow: Flow, row) -> frozenset[str]:
    offered = set()
    for action in {t.action for t in flow.transitions if t.source == row.status and t.roles}:
        try:
            engine.check(session, actor, flow, row, action)
        except DomainError:
            continue
        offered.add(action)
    return frozenset(offered)


def _steps(session: Session, flow: Flow, row_id: int, extra: list[int | None]):
    steps = engine.timeline(session, flow=flow, row_id=row_id)
    people = user_names(session, [*extra, *(step.actor_id for step in steps)])
    orgs = rows_by_id(session, Organisation, (step.org_id for step in steps))
    return [StepView(step, people.get(step.actor_id, "—"), orgs.get(step.org_id)) for step in steps], people


def instruction_view(*, session: Session, actor: User, instruction_id: int) -> InstructionView:
    row = scope.visible_instruction(session, actor, instruction_id)
    linked = instructions.instructed_lots(session, row.id)
    executions = instructions.executions(session, row.id)
    facilities = rows_by_id(session, Facility, (lot.facility_id for _, lot in linked))
    steps, people = _steps(session, instructions.INSTRUCTION, row.id, [row.issued_by, row.acknowledged_by,
                                                                        row.refused_by, row.cancelled_by])
    actions = _actions(session, actor, instructions.INSTRUCTION, row)
    may_execute = (row.status == InstructionStatus.acknowledged and actor.org_id == row.enterprise_id
                   and scope.can(actor, "execute", "instruction"))
    material = session.get(Material, row.material_id)
    may_consent = (row.kind == InstructionKind.release and row.status in InstructionStatus.open()
                   and scope.can(actor, "consent", "instruction") and actor.org_id == material.bureau_id)
    return InstructionView(
        instruction=row, material=material, enterprise=session.get(Organisation, row.enterprise_id),
        issuing_org=session.get(Organisation, row.issuing_org_id),
        dispatch=session.get(Dispatch, row.dispatch_id) if row.dispatch_id else None,
        replenishment=session.get(Replenishment, row.replenishment_id) if row.replenishment_id else None,
        lots=[LotLine(link, lot, facilities[lot.facility_id]) for link, lot in linked],
        executions=executions, steps=steps, people=people, actions=actions - {"execute"},
        may_execute=may_execute, may_consent=may_consent)


def replenishment_view(*, session: Session, actor: User, replenishment_id: int) -> ReplenishmentView:
    row = scope.visible_replenishment(session, actor, replenishment_id)
    steps, people = _steps(session, replenishments.REPLENISHMENT, row.id, [row.proposed_by, row.confirmed_by])
    actions = _actions(session, actor, replenishments.REPLENISHMENT, row)
    material = session.get(Material, row.material_id)
    return ReplenishmentView(
        replenishment=row, material=material,
        enterprise=session.get(Organisation, row.enterprise_id),
        dispatch=session.get(Dispatch, row.dispatch_id) if row.dispatch_id else None,
        instructions=list(session.exec(select(Instruction).where(Instruction.replenishment_id == row.id)
                                       .order_by(Instruction.id))),
        steps=steps, people=people, actions=actions,
        reinstructable=instructions.reinstructable(session, row)
        if scope.can(actor, "issue", "instruction") and actor.org_id == material.bureau_id
        else 0,
        qualification=qualification.state_of(session, row.enterprise_id),
        receivers=replenishments.receivers(session, actor, material) if "confirm" in actions else [])
