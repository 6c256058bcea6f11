"""What the dispatch pages read: a page of plans, one plan with its lines, signatures, allocations and timeline,
and the steps the reader may take on it now.

The steps offered are those the transition helper's own checks let the reader take (``engine.check``), so a page
never shows a button that answers 403 or 409. Submitting is offered to the drafting organisation even while the
plan is incomplete: the page lists what is missing, and submitting names it field by field.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

from inventory import scope
from inventory.core.errors import Conflict, DomainError, Invalid
from inventory.core.quantities import quantity_text
from inventory.core.vocab import DispatchParty, DispatchStatus, OrgKind
from inventory.core.vocab import WorkflowAction as A
from inventory.models import (
    Dispatch, DispatchAllocation, DispatchLine, DispatchRecovery, District, EmergencyAuthorisation, Facility,
    Instruction, Lot, Material, Organisation, Replenishment, User, WorkflowStep,
)
from inventory.services.stock.names import material_name, user_names
from inventory.services.workflows import engine, recoveries
from inventory.services.workflows.dispatch import DISPATCH, PARTY_ORGS, preview_allocations
from inventory.services.workflows.dispatch_allocation import allocations_of
from inventory.services.workflows.dispatch_plan import CENT, missing_fields, plan_lines


@dataclass(frozen=True)
class LineView:
    line: DispatchLine
    material: Material
    #: quantity × unit price, to the cent; None while the price is still to be stated
    amount: Decimal | None


@dataclass(frozen=True)
class Signature:
    party: DispatchParty
    organisation: Organisation | None
    signer: str | None
    signed_at: datetime | None
    note: str


@dataclass(frozen=True)
class AllocationView:
    allocation: DispatchAllocation
    lot: Lot
    material: Material
    enterprise: Organisation
    facility: Facility


@dataclass(frozen=True)
class StepView:
    step: WorkflowStep
    person: str
    organisation: Organisation | None


@dataclass(frozen=True)
class DispatchView:
    dispatch: Dispatch
    lines: list[LineView]
    #: the plan's value; None while a line has no price
    total: Decimal | None
    district: District | None
    drafting_org: Organisation | None
    bureau: Organisation | None
    #: the government organisation that approved, once approved
    approver_org: Organisation | None
    #: the people the plan's columns name (drafter, submitter, approver, rejecter, canceller)
    people: dict[int, str]
    signatures: list[Signature]
    allocations: list[AllocationView]
    steps: list[StepView]
    #: what a draft still lacks to be submitted, by field
    missing: dict[str, list[str]]
    actions: frozenset[str]
    editable: bool
    #: the instructions of the dispatch the reader may see (an enterprise its own)
    instructions: list[InstructionRow]
    recoveries: list[DispatchRecovery]
    replenishments: list[Replenishment]
    #: the emergency authorisation it was executed under
    authorisation: EmergencyAuthorisation | None


@dataclass(frozen=True)
class ListRow:
    """A plan in the list: what it dispatches, in a few words, and who drafted it."""

    materials: str
    drafting_org: Organisation | None


def dispatches(*, session: Session, actor: User, status: str | None = None) -> SelectOfScalar[Dispatch]:
    """The plans this reader may see, optionally of one status; the caller pages it."""
    query = scope.dispatches_query(session, actor)
    return query.where(Dispatch.status == status) if status else query


def list_rows(*, session: Session, rows: list[Dispatch]) -> dict[int, ListRow]:
    """Per plan of a page: its materials with quantities and its drafting organisation, in three queries."""
    ids = [row.id for row in rows]
    lines = list(session.exec(select(DispatchLine).where(DispatchLine.dispatch_id.in_(ids))
                              .order_by(DispatchLine.id))) if ids else []
    materials = rows_by_id(session, Material, (line.material_id for line in lines))
    orgs = rows_by_id(session, Organisation, (row.drafting_org_id for row in rows))
    words: dict[int, list[str]] = {}
    for line in lines:
        material = materials[line.material_id]
        words.setdefault(line.dispatch_id, []).append(
            f"{material_name(material)} {quantity_text(line.quantity)} {material.unit}")
    return {row.id: ListRow(", ".join(words.get(row.id, [])), orgs.get(row.drafting_org_id)) for row in rows}


def dispatch_view(*, session: Session, actor: User, dispatch_id: int) -> DispatchView:
    """One plan as its page and its printed order show it; 404 for a plan the reader may not see."""
    dispatch = scope.visible_dispatch(session, actor, dispatch_id)
    lines = plan_lines(session, dispatch.id)
    materials = rows_by_id(session, Material, (line.material_id for line in lines))
    shown = [LineView(line, materials[line.material_id], _amount(line)) for line in lines]
    amounts = [view.amount for view in shown]
    steps = engine.timeline(session, flow=DISPATCH, row_id=dispatch.id)
    party_orgs = {o.code: o for o in session.exec(select(Organisation).where(
        Organisation.code.in_(PARTY_ORGS.values())))}
    approver = session.get(User, dispatch.approved_by) if dispatch.approved_by else None
    orgs = rows_by_id(session, Organisation, [dispatch.drafting_org_id, dispatch.bureau_id,
                                          approver.org_id if approver else None, *(step.org_id for step in steps)])
    columns = ("drafted_by", "submitted_by", "approved_by", "rejected_by", "cancelled_by", "executed_by",
               "completed_by", "filed_by")
    people = user_names(session, [*(getattr(dispatch, c) for c in columns),
                                  *(getattr(dispatch, f"{party}_signed_by") for party in DispatchParty),
                                  *(step.actor_id for step in steps)])
    return DispatchView(
        dispatch=dispatch, lines=shown,
        total=sum(amounts, Decimal(0)) if amounts and None not in amounts else None,
        district=session.get(District, dispatch.district_id) if dispatch.district_id else None,
        drafting_org=orgs.get(dispatch.drafting_org_id), bureau=orgs.get(dispatch.bureau_id),
        approver_org=orgs.get(approver.org_id) if approver else None,
        people=people,
        signatures=[_signature(dispatch, party, party_orgs.get(PARTY_ORGS[party]) if party in PARTY_ORGS
                               else orgs.get(dispatch.bureau_id), people, steps) for party in DispatchParty],
        allocations=_allocation_views(session, actor, allocations_of(session, dispatch.id)),
        steps=[StepView(step, people.get(step.actor_id, "—"), orgs.get(step.org_id)) for step in steps],
        missing=missing_fields(session, dispatch) if dispatch.status == DispatchStatus.draft else {},
        actions=actions_for(session=session, actor=actor, dispatch=dispatch),
        editable=may_edit(session=session, actor=actor, dispatch=dispatch),
        instructions=instruction_rows(session=session, rows=list(session.exec(
            scope.enterprise_rows_query(session, actor, Instruction)
            .where(Instruction.dispatch_id == dispatch.id).order_by(Instruction.id)))),
        recoveries=[r for r in recoveries.of_dispatch(session, dispatch.id)
                    if r.enterprise_id == actor.org_id or scope.stock_reach(session, actor) != "enterprise"],
        replenishments=list(session.exec(scope.enterprise_rows_query(session, actor, Replenishment)
                                         .where(Replenishment.dispatch_id == dispatch.id).order_by(Replenishment.id))),
        authorisation=session.get(EmergencyAuthorisation, dispatch.authorisation_id)
        if dispatch.authorisation_id else None,
    )


@dataclass(frozen=True)
class InstructionRow:
    instruction: Instruction
    material: Material
    enterprise: Organisation


def instruction_rows(*, session: Session, rows: list[Instruction]) -> list[InstructionRow]:
    """Instructions with their material and enterprise, for lists and the dispatch page."""
    materials = rows_by_id(session, Material, (row.material_id for row in rows))
    orgs = rows_by_id(session, Organisation, (row.enterprise_id for row in rows))
    return [InstructionRow(row, materials[row.material_id], orgs[row.enterprise_id]) for row in rows]


def actions_for(*, session: Session, actor: User, dispatch: Dispatch) -> frozenset[str]:
    """The steps this reader may take on the plan now, by the transition helper's own checks."""
    offered = set()
    for action in {t.action for t in DISPATCH.transitions if t.source == dispatch.status and t.roles}:
        try:
            engine.check(session, actor, DISPATCH, dispatch, action)
        except Invalid:
            # only the completeness check says Invalid: the drafter may submit (or, for an emergency, execute)
            # and is told what is missing
            if action in (A.submit, A.execute):
                offered.add(action)
        except DomainError:
            continue
        else:
            offered.add(action)
    return frozenset(offered)


def may_edit(*, session: Session, actor: User, dispatch: Dispatch) -> bool:
    """Whether ``edit_dispatch`` would take this reader's changes: a draft, by a drafter of its organisation."""
    return (dispatch.status == DispatchStatus.draft and scope.can(actor, "draft", "dispatch")
            and actor.org_id == dispatch.drafting_org_id)


def allocation_preview(*, session: Session, actor: User, dispatch: Dispatch) -> tuple[list[AllocationView], str]:
    """For the government approver: the lots its approval would take now (first expiry, first out), or why the
    stock cannot cover the plan; writes nothing."""
    try:
        proposed = preview_allocations(session=session, actor=actor, dispatch_id=dispatch.id)
    except Conflict as error:
        return [], error.message
    return _allocation_views(session, actor, proposed), ""


def draftable_materials(*, session: Session, actor: User) -> list[Material]:
    """The active materials this reader may put on a plan: a bureau's own, any for a coordinator."""
    query = scope.materials_query(session, actor).where(Material.active)
    if scope.org_kind(session, actor) == OrgKind.bureau:
        query = query.where(Material.id.in_(scope.remit_materials(actor)))
    return list(session.exec(query.order_by(Material.category, Material.code)))


def _allocation_views(session: Session, actor: User,
                      allocations: list[DispatchAllocation]) -> list[AllocationView]:
    """The allocations from lots this reader may see: an enterprise sees its own, not its neighbours'."""
    lot_ids = {a.lot_id for a in allocations}
    lots = {lot.id: lot for lot in session.exec(scope.lots_query(session, actor).where(Lot.id.in_(lot_ids)))} \
        if lot_ids else {}
    shown = [a for a in allocations if a.lot_id in lots]
    materials = rows_by_id(session, Material, (lots[a.lot_id].material_id for a in shown))
    facilities = rows_by_id(session, Facility, (lots[a.lot_id].facility_id for a in shown))
    enterprises = rows_by_id(session, Organisation, (a.enterprise_id for a in shown))
    return [AllocationView(a, lots[a.lot_id], materials[lots[a.lot_id].material_id], enterprises[a.enterprise_id],
                           facilities[lots[a.lot_id].facility_id]) for a in shown]


def _signature(dispatch: Dispatch, party: DispatchParty, org: Organisation | None, people: dict[int, str],
               steps: list[WorkflowStep]) -> Signature:
    """A party's signature of this round, with the note its signer gave (the latest co-signing step by them)."""
    signer = getattr(dispatch, f"{party}_signed_by")
    notes = [s.note for s in steps if signer and s.actor_id == signer and s.action == A.approve
             and s.from_status in DispatchStatus.signing()]
    return Signature(party, org, people.get(signer), getattr(dispatch, f"{party}_signed_at"),
                     notes[-1] if notes else "")


def _amount(line: DispatchLine) -> Decimal | None:
    return None if line.unit_price is None else (line.quantity * line.unit_price).quantize(CENT)


def rows_by_id(session: Session, model: type, ids: Iterable[int | None]) -> dict:
    wanted = {i for i in ids if i}
    return {row.id: row for row in session.exec(select(model).where(model.id.in_(wanted)))} if wanted else {}
