"""Receive and release instructions (入库/出库指令) to storage enterprises, and their execution through the ledger.

An approved (or emergency) dispatch sends each allocated enterprise one release instruction per material, with
the lots proposed first expiry, first out; a bureau issues others on its own (a replenishment's receipts). The
enterprise acknowledges, then executes in one or more goes: each execution is decided once by a conditional
``UPDATE … SET executed = executed + :q WHERE executed + :q <= quantity`` in the transaction that posts its
ledger movements, so neither two clerks nor a retried request take more than instructed, and the ledger's own
guard keeps two instructions over the same lot from overselling it. A lot outside the instruction needs the
bureau's consent (the bureau adds it). A refusal, or an execution after the deadline, is recorded against the
enterprise as the §六(二)10 violation "拒不执行出库指令" (docs/domain-rules.md, dispatch).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from uuid import uuid4

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from inventory import scope
from inventory.core import settings
from inventory.core.clock import business_today, utcnow
from inventory.core.errors import Conflict, Forbidden, Invalid, NotFound
from inventory.db import lock_row
from inventory.core.quantities import quantity_text
from inventory.core.vocab import (
    DispatchStatus, InspectionResult, InstructionKind, InstructionStatus as S, LotStatus, MovementKind, OrgKind,
)
from inventory.core.vocab import ReplenishmentStatus, ViolationKind, WorkflowAction as A
from inventory.models import (
    Dispatch, DispatchAllocation, DispatchLine, Instruction, InstructionLot, Lot, Material, Movement,
    Organisation, Replenishment, User,
)
from inventory.scope.dispatch import PERMISSIONS
from inventory.services.audit import trail
from inventory.services.stock import holds, ledger, lots as stock_lots, storage_fit
from inventory.services.workflows import engine, replenishments, violations
from inventory.services.workflows.dispatch_plan import Problems, fefo_take, positive_amount
from inventory.services.workflows.registry import Flow, InboxEntry, Transition, register

ENTERPRISE = PERMISSIONS[("instruction", "execute")]
BUREAU = PERMISSIONS[("instruction", "cancel")]
#: the longest an instruction may run
LONGEST_DAYS = 366


def _own_enterprise(session: Session, actor: User, row: Instruction) -> None:
    if actor.org_id != row.enterprise_id:
        raise NotFound(_l("instruction not found"))


def _issuing_bureau(session: Session, actor: User, row: Instruction) -> None:
    """The bureau of the instruction's material calls it off (the government's dispatch instructions too)."""
    material = session.get(Material, row.material_id)
    if actor.org_id != material.bureau_id:
        raise Forbidden(_l("only the bureau responsible for the material calls an instruction off"))


def _describe(session: Session, user: User, rows: list[Instruction]) -> dict[int, InboxEntry]:
    materials = {m.id: m for m in session.exec(select(Material).where(
        Material.id.in_({row.material_id for row in rows})))}
    return {row.id: InboxEntry(
        title=f"{row.code} · {InstructionKind.label_of(row.kind)}",
        detail=f"{materials[row.material_id].name_zh} {quantity_text(row.quantity - row.executed)} "
               f"{materials[row.material_id].unit} · {row.deadline.isoformat()}",
        endpoint="instructions.show", args={"instruction_id": row.id}, requested_by=row.issued_by,
        requested_at=row.created_at, reason=row.reason) for row in rows}


INSTRUCTION = register(Flow(
    name="instruction", label=_l("instruction"), model=Instruction, initial=S.issued, statuses=S,
    missing=_l("instruction not found"), requester="issued_by",
    transitions=(
        Transition(S.issued, A.acknowledge, S.acknowledged, ENTERPRISE, _own_enterprise,
                   by="acknowledged_by", at="acknowledged_at"),
        Transition(S.acknowledged, A.execute, S.executed, ENTERPRISE, _own_enterprise),
        *(Transition(source, A.refuse, S.refused, ENTERPRISE, _own_enterprise, by="refused_by", at="refused_at",
                     note="refusal_reason", awaited=False) for source in S.open()),
        *(Transition(source, A.cancel, S.cancelled, BUREAU, _issuing_bureau, by="cancelled_by", at="cancelled_at",
                     note="cancel_note", awaited=False) for source in S.open()),
    ),
    describe=_describe,
))


@INSTRUCTION.on_enter(S.executed)
def _executed_in_full(session: Session, actor: User, row: Instruction, note: str) -> None:
    """The status follows the quantities: an execution names its lots and quantities (``execute``)."""
    if row.executed < row.quantity:
        raise Invalid.field("quantity", _l("record each execution with its lots and quantities; %(left)s to go",
                                           left=quantity_text(row.quantity - row.executed)))
    _close(session, row)


@INSTRUCTION.on_enter(S.refused)
def _refused(session: Session, actor: User, row: Instruction, note: str) -> None:
    if not note.strip():
        raise Invalid.field("note", _l("a refusal needs a reason"))
    _close(session, row)
    violations.record(session, enterprise_id=row.enterprise_id, kind=ViolationKind.refused_instruction,
                      source_type="instruction", source_id=row.id, note=note, actor=actor)


@INSTRUCTION.on_enter(S.cancelled)
def _cancelled(session: Session, actor: User, row: Instruction, note: str) -> None:
    if not note.strip():
        raise Invalid.field("note", _l("calling an instruction off needs a reason"))
    _close(session, row)


def _close(session: Session, row: Instruction) -> None:
    now = utcnow()
    session.execute(update(Instruction).where(Instruction.id == row.id).values(closed_at=now)
                    .execution_options(synchronize_session=False))
    set_committed_value(row, "closed_at", now)


def _code(session: Session, row: Instruction) -> None:
    session.add(row)
    session.flush()
    row.code = f"IN-{business_today().year}-{row.id:05d}"
    session.flush()


# -- issuing ---------------------------------------------------------------------------------------------------


def issue_for_dispatch(session: Session, actor: User, dispatch: Dispatch) -> list[Instruction]:
    """One release instruction per enterprise and material of the dispatch's allocations, its lots proposed.

    The allocations were computed from what the lots held free when read; each lot is locked (in id order, so two
    approvals never wait on each other crosswise) and checked again before it is promised, so of two plans
    approved at once on the same stock the second is refused (409 ``held_by_instruction``) instead of both
    holding it."""
    allocations = list(session.exec(select(DispatchAllocation).where(DispatchAllocation.dispatch_id == dispatch.id)
                                    .order_by(DispatchAllocation.id)))
    for allocation in sorted(allocations, key=lambda a: a.lot_id):
        lot = session.get(Lot, allocation.lot_id)
        holds.require_free(session, lot, allocation.quantity)
        if allocation.quantity > lot.on_hand:
            raise Conflict(_l("lot %(code)s has %(on_hand)s on hand, less than allocated", code=lot.lot_code,
                              on_hand=quantity_text(lot.on_hand)), code="insufficient_stock")
    material_of = dict(session.exec(select(Lot.id, Lot.material_id).where(
        Lot.id.in_([a.lot_id for a in allocations]))).all()) if allocations else {}
    grouped: dict[tuple[int, int], list[DispatchAllocation]] = defaultdict(list)
    for allocation in allocations:
        grouped[(allocation.enterprise_id, material_of[allocation.lot_id])].append(allocation)
    today = business_today()
    deadline = max(dispatch.requested_on or today, today + timedelta(days=settings.instruction_days()))
    issued = []
    for (enterprise_id, material_id), parts in grouped.items():
        row = Instruction(code=f"new-{uuid4().hex}", kind=InstructionKind.release, enterprise_id=enterprise_id,
                          material_id=material_id, quantity=sum((a.quantity for a in parts), Decimal(0)),
                          deadline=deadline, reason=dispatch.code, dispatch_id=dispatch.id, issued_by=actor.id,
                          issuing_org_id=actor.org_id)
        _code(session, row)
        session.add_all([InstructionLot(instruction_id=row.id, lot_id=a.lot_id, proposed=a.quantity) for a in parts])
        engine.opened(session, flow=INSTRUCTION, row=row, actor=actor, note=dispatch.code)
        _audit_issue(session, actor, row, [(a.lot_id, a.quantity) for a in parts])
        issued.append(row)
    session.flush()
    return issued


@dataclass(frozen=True)
class InstructionInput:
    kind: str
    enterprise: str
    material: str
    quantity: Decimal | str | int
    deadline: date | None
    reason: str = ""
    #: release: (lot id, quantity) proposed; empty proposes first expiry, first out within the enterprise
    lots: tuple[tuple[int, Decimal | str | int], ...] = ()
    replenishment_id: int | None = None
    #: an executing dispatch this release serves (another enterprise takes over a refused instruction)
    dispatch_id: int | None = None


def issue_instruction(*, session: Session, actor: User, given: InstructionInput) -> Instruction:
    """A bureau's own instruction to an enterprise for a material of its remit; 422 naming every bad field."""
    scope.require(actor, "issue", "instruction")
    problems = Problems()
    today = business_today()
    if given.kind not in InstructionKind.values():
        problems.add("kind", _l("one of %(choices)s", choices=", ".join(InstructionKind.values())))
    enterprise = session.exec(select(Organisation).where(Organisation.code == given.enterprise.strip())).first()
    if enterprise is None or enterprise.kind != OrgKind.enterprise:
        problems.add("enterprise", _l("unknown enterprise %(code)s", code=given.enterprise))
    material = session.exec(select(Material).where(Material.code == given.material.strip())).first()
    if material is None or not material.active:
        problems.add("material", _l("unknown or withdrawn material %(code)s", code=given.material))
    elif material.bureau_id != actor.org_id:
        problems.add("material", _l("a bureau instructs only for the materials in its own remit"))
    quantity = positive_amount(given.quantity, "quantity", problems)
    if given.deadline is None:
        problems.add("deadline", _l("required"))
    elif not today <= given.deadline <= today + timedelta(days=LONGEST_DAYS):
        problems.add("deadline", _l("must be from today to a year ahead"))
    if len(given.reason.strip()) > 500:
        problems.add("reason", _l("at most %(count)s characters", count=500))
    if not given.reason.strip():
        problems.add("reason", _l("say why the instruction is given"))
    problems.raise_any(_l("the instruction has errors; nothing was saved"))
    picks: list[tuple[int, Decimal]] = []
    if given.kind == InstructionKind.release:
        picks = _release_lots(session, enterprise.id, material.id, quantity, given.lots, problems)
    else:
        if given.lots:
            problems.add("lots", _l("a receive instruction names no lots: the stock is yet to arrive"))
        if not storage_fit.enterprise_stores(session, enterprise.id, material):
            problems.add("enterprise", _l("the enterprise has no facility declared for this material's category "
                                          "and storage class"))
    replenishment = None
    if given.replenishment_id is not None:
        replenishment = replenishments.for_instruction(session, given.replenishment_id, enterprise.id, material.id,
                                                       given.kind, quantity, problems)
    if given.dispatch_id is not None:
        _dispatch_room(session, actor, given, material.id, quantity, problems)
    problems.raise_any(_l("the instruction has errors; nothing was saved"))
    row = Instruction(code=f"new-{uuid4().hex}", kind=given.kind, enterprise_id=enterprise.id,
                      material_id=material.id, quantity=quantity, deadline=given.deadline,
                      reason=given.reason.strip(), issued_by=actor.id, issuing_org_id=actor.org_id,
                      replenishment_id=replenishment.id if replenishment else None, dispatch_id=given.dispatch_id)
    _code(session, row)
    session.add_all([InstructionLot(instruction_id=row.id, lot_id=lot_id, proposed=amount) for lot_id, amount in picks])
    engine.opened(session, flow=INSTRUCTION, row=row, actor=actor, note=row.reason)
    _audit_issue(session, actor, row, picks)
    return row


def _dispatch_room(session: Session, actor: User, given: InstructionInput, material_id: int, quantity: Decimal,
                   problems: Problems) -> None:
    """A release for an executing dispatch of the bureau, within what its line still lacks: the line less what
    open instructions will take and closed ones took."""
    row = scope.visible_dispatch(session, actor, given.dispatch_id)
    if row.status != DispatchStatus.executing or given.kind != InstructionKind.release:
        problems.add("dispatch", _l("only releases for an executing dispatch are instructed"))
        return
    line = session.exec(select(DispatchLine).where(DispatchLine.dispatch_id == row.id,
                                                   DispatchLine.material_id == material_id)).first()
    if line is None:
        problems.add("material", _l("the dispatch has no line of this material"))
        return
    promised = session.exec(select(func.coalesce(func.sum(case(
        (Instruction.status.in_([str(s) for s in S.open()]), Instruction.quantity), else_=Instruction.executed)), 0))
        .where(Instruction.dispatch_id == row.id, Instruction.material_id == material_id,
               Instruction.kind == InstructionKind.release)).one()
    room = line.quantity - Decimal(promised)
    if quantity > room:
        problems.add("quantity", _l("the dispatch lacks %(room)s of this material", room=quantity_text(room)))


def issue_receive_for(session: Session, actor: User, *, enterprise_id: int, material_id: int, quantity: Decimal,
                      deadline: date, reason: str, replenishment_id: int) -> Instruction:
    """The receive instruction a confirmed replenishment sends its enterprise."""
    row = Instruction(code=f"new-{uuid4().hex}", kind=InstructionKind.receive, enterprise_id=enterprise_id,
                      material_id=material_id, quantity=quantity, deadline=deadline, reason=reason,
                      issued_by=actor.id, issuing_org_id=actor.org_id, replenishment_id=replenishment_id)
    _code(session, row)
    engine.opened(session, flow=INSTRUCTION, row=row, actor=actor, note=reason)
    _audit_issue(session, actor, row, [])
    return row


def _audit_issue(session: Session, actor: User, row: Instruction, picks: list[tuple[int, Decimal]]) -> None:
    trail.record(session, actor=actor, action="instruction.issue", entity="instruction", entity_id=row.id,
                 org_id=row.enterprise_id, after={
                     "code": row.code, "kind": row.kind, "material_id": row.material_id,
                     "quantity": str(row.quantity), "deadline": row.deadline.isoformat(),
                     "dispatch_id": row.dispatch_id, "replenishment_id": row.replenishment_id,
                     "lots": [{"lot": lot_id, "quantity": str(amount)} for lot_id, amount in picks]})


def _release_lots(session: Session, enterprise_id: int, material_id: int, quantity: Decimal,
                  given: tuple[tuple[int, Decimal | str | int], ...], problems: Problems) -> list[tuple[int, Decimal]]:
    """The lots a release is proposed from: the given ones, checked, or FEFO within the enterprise; either way
    the enterprise's dispatchable stock must cover the quantity."""
    today = business_today()
    usable = list(session.exec(select(Lot).where(
        Lot.enterprise_id == enterprise_id, Lot.material_id == material_id, Lot.status == LotStatus.available,
        Lot.on_hand > 0, Lot.expiry_date >= today).order_by(Lot.expiry_date, Lot.id)))
    by_id = {lot.id: lot for lot in usable}
    free = holds.free(session, usable)
    if not given:
        picks, remaining = fefo_take(usable, free, quantity)
        if remaining == 0:
            return picks
        problems.add("quantity", _l("the enterprise holds %(available)s available; %(requested)s instructed",
                                    available=quantity_text(quantity - remaining), requested=quantity_text(quantity)))
        return []
    picks, total = [], Decimal(0)
    for index, (lot_id, amount) in enumerate(given):
        lot = by_id.get(lot_id)
        name = f"lots[{index}]"
        if lot is None:
            problems.add(f"{name}.lot", _l("not an available lot of this enterprise and material"))
            continue
        value = positive_amount(amount, f"{name}.quantity", problems)
        if value is None:
            continue
        if value > free[lot.id]:
            problems.add(f"{name}.quantity", _l("lot %(code)s can give %(free)s at most", code=lot.lot_code,
                                                free=quantity_text(free[lot.id])))
        picks.append((lot.id, value))
        total += value
    if len({lot_id for lot_id, _ in picks}) != len(picks):
        problems.add("lots", _l("a lot is listed twice"))
    if not problems.fields and total != quantity:
        problems.add("lots", _l("the lots give %(total)s; the instruction is for %(quantity)s",
                                total=quantity_text(total), quantity=quantity_text(quantity)))
    return picks


# -- consent to another lot ------------------------------------------------------------------------------------


def add_lot(*, session: Session, actor: User, instruction_id: int, lot_id: int) -> InstructionLot:
    """The bureau consents to a release from a lot the instruction did not propose (same enterprise, material)."""
    row = scope.visible_instruction(session, actor, instruction_id)
    scope.require(actor, "consent", "instruction")
    _issuing_bureau(session, actor, row)
    if row.kind != InstructionKind.release or row.status not in S.open():
        raise Conflict(_l("lots are added to an open release instruction only"), code="illegal_transition")
    lot = session.get(Lot, lot_id)
    if lot is None or lot.enterprise_id != row.enterprise_id or lot.material_id != row.material_id:
        raise Invalid.field("lot", _l("not a lot of the instruction's enterprise and material"))
    if lot.status != LotStatus.available or lot.expiry_date < business_today():
        raise Invalid.field("lot", _l("lot %(code)s cannot be released: it is %(status)s", code=lot.lot_code,
                                      status=LotStatus.label_of(lot.status) if lot.expiry_date >= business_today()
                                      else LotStatus.expired.label))
    if session.exec(select(InstructionLot).where(InstructionLot.instruction_id == row.id,
                                                 InstructionLot.lot_id == lot_id)).first():
        raise Conflict(_l("lot %(code)s is already in the instruction", code=lot.lot_code), code="duplicate")
    added = InstructionLot(instruction_id=row.id, lot_id=lot_id, proposed=Decimal(0), added_by=actor.id)
    session.add(added)
    session.flush()
    trail.record(session, actor=actor, action="instruction.consent", entity="instruction", entity_id=row.id,
                 org_id=row.enterprise_id, after={"lot": lot_id, "lot_code": lot.lot_code})
    return added


# -- execution -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseInput:
    """The lots and quantities taken out in this go; empty takes the instruction's lots first expiry, first out."""

    picks: tuple[tuple[int, Decimal | str | int], ...] = ()
    note: str = ""


@dataclass
class Execution:
    instruction: Instruction
    movements: list[Movement] = field(default_factory=list)
    lot: Lot | None = None


def execute(*, session: Session, actor: User, instruction_id: int, release: ReleaseInput | None = None,
            receipt: stock_lots.Receipt | None = None) -> Execution:
    """One go of an acknowledged instruction by its enterprise: a release takes stock out of instructed lots, a
    receive brings a new lot in; the instruction is executed once its quantity is reached."""
    row = scope.visible_instruction(session, actor, instruction_id)
    scope.require(actor, "execute", "instruction")
    _own_enterprise(session, actor, row)
    if row.status != S.acknowledged:
        raise Conflict(_l("an instruction is executed once acknowledged and until it is closed; this one is "
                          "%(status)s", status=S.label_of(row.status)), code="illegal_transition")
    if row.kind == InstructionKind.release:
        if receipt is not None:
            raise Invalid.field("receipt", _l("a release instruction takes stock out: give lots, not a receipt"))
        done = _release(session, actor, row, release or ReleaseInput())
    else:
        if receipt is None:
            raise Invalid.field("receipt", _l("a receive instruction is executed by receiving a lot"))
        done = _receive(session, actor, row, receipt)
    return done


def _take(session: Session, row: Instruction, amount: Decimal) -> None:
    """Add ``amount`` to what was executed, never past the instruction (decided once, by the UPDATE)."""
    result = session.execute(update(Instruction).where(
        Instruction.id == row.id, Instruction.status == S.acknowledged, Instruction.executed + amount <= Instruction.quantity,
    ).values(executed=Instruction.executed + amount).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        current = session.exec(select(Instruction.executed).where(Instruction.id == row.id)
                               .execution_options(populate_existing=True)).one()
        raise Conflict(_l("only %(left)s remains to execute; %(asked)s given", asked=quantity_text(amount),
                          left=quantity_text(row.quantity - current)), code="over_instructed")
    set_committed_value(row, "executed", session.exec(select(Instruction.executed).where(Instruction.id == row.id)).one())


def _release(session: Session, actor: User, row: Instruction, given: ReleaseInput) -> Execution:
    instructed = {link.lot_id: link for link in session.exec(
        select(InstructionLot).where(InstructionLot.instruction_id == row.id))}
    picks = _picks(session, row, instructed, given)
    total = sum((amount for _, amount in picks), Decimal(0))
    _take(session, row, total)
    kind = MovementKind.dispatch if row.dispatch_id else MovementKind.issue
    done = Execution(row)
    for lot_id, amount in picks:
        # what other open instructions hold of the lot is theirs (a consented lot may be another's proposal)
        holds.require_free(session, session.get(Lot, lot_id), amount, except_instruction=row.id)
        done.movements.append(ledger.post_movement(session=session, lot_id=lot_id, kind=kind, amount=-amount,
                                                   actor=actor, ref_type="instruction", ref_id=row.id,
                                                   note=given.note.strip()[:500]))
        session.execute(update(InstructionLot).where(InstructionLot.instruction_id == row.id,
                                                     InstructionLot.lot_id == lot_id)
                        .values(taken=InstructionLot.taken + amount).execution_options(synchronize_session=False))
    _progress(session, actor, row, total, given.note)
    return done


def _picks(session: Session, row: Instruction, instructed: dict[int, InstructionLot],
           given: ReleaseInput) -> list[tuple[int, Decimal]]:
    problems = Problems()
    if not given.picks:
        remaining = row.quantity - row.executed
        lots = list(session.exec(select(Lot).where(Lot.id.in_(list(instructed)), Lot.status == LotStatus.available,
                                                   Lot.on_hand > 0, Lot.expiry_date >= business_today())
                                 .order_by(Lot.expiry_date, Lot.id)))
        picks, remaining = fefo_take(lots, holds.free(session, lots, except_instruction=row.id), remaining)
        if remaining == 0:
            return picks
        raise Conflict(_l("the instructed lots hold %(held)s of the %(left)s remaining; the bureau can add a lot",
                          held=quantity_text(row.quantity - row.executed - remaining),
                          left=quantity_text(row.quantity - row.executed)), code="insufficient_stock")
    lots = {lot.id: lot for lot in session.exec(select(Lot).where(Lot.id.in_([lot_id for lot_id, _ in given.picks])))}
    picks: list[tuple[int, Decimal]] = []
    for index, (lot_id, amount) in enumerate(given.picks):
        name = f"lots[{index}]"
        lot = lots.get(lot_id)
        value = positive_amount(amount, f"{name}.quantity", problems)
        if lot is None or lot.enterprise_id != row.enterprise_id or lot.material_id != row.material_id:
            problems.add(f"{name}.lot", _l("not a lot of this enterprise and material"))
        elif lot_id not in instructed:
            problems.add(f"{name}.lot", _l("lot %(code)s is not in the instruction: the bureau must consent first",
                                           code=lot.lot_code))
        elif value is not None:
            picks.append((lot_id, value))
    if len({lot_id for lot_id, _ in picks}) != len(picks):
        problems.add("lots", _l("a lot is listed twice"))
    problems.raise_any(_l("the execution has errors; nothing was taken out"))
    return picks


def _receive(session: Session, actor: User, row: Instruction, receipt: stock_lots.Receipt) -> Execution:
    material = session.get(Material, row.material_id)
    if receipt.material.strip() and receipt.material.strip() != material.code:
        raise Invalid.field("material", _l("the instruction is for %(code)s", code=material.code))
    receipt = stock_lots.Receipt(**{**receipt.__dict__, "material": material.code})
    if stock_lots.inspection_result(receipt.inspection_result) != InspectionResult.passed:
        raise Invalid.field("inspection_result", _l("an instruction is fulfilled by stock that passed inspection; "
                                                    "receive failed or uninspected stock as an ordinary receipt"))
    amount = ledger.quantity(receipt.quantity)
    if amount > 0:
        _take(session, row, amount)
    lot = stock_lots.receive_lot(session=session, actor=actor, receipt=receipt, ref_type="instruction", ref_id=row.id)
    if row.replenishment_id is not None:
        replenishments.received(session, actor, row.replenishment_id, amount)
    _progress(session, actor, row, amount, receipt.note)
    return Execution(row, lot=lot)


def _progress(session: Session, actor: User, row: Instruction, amount: Decimal, note: str) -> None:
    """The timeline and audit of one go; the deadline's violation; executed in full closes the instruction."""
    late = business_today() > row.deadline
    if late:
        marked = session.execute(update(Instruction).where(Instruction.id == row.id, Instruction.late.is_(False))
                                 .values(late=True).execution_options(synchronize_session=False)).rowcount
        set_committed_value(row, "late", True)
        if marked:
            violations.record(session, enterprise_id=row.enterprise_id, kind=ViolationKind.refused_instruction,
                              source_type="instruction", source_id=row.id, actor=actor,
                              note=f"deadline {row.deadline.isoformat()}")
    # stored as written, not in the request's language: the page translates the step's action, not its note
    text = quantity_text(amount) + (f" · {note.strip()}" if note.strip() else "")
    engine.progressed(session, flow=INSTRUCTION, row=row, action=A.execute, actor=actor, note=text[:500])
    trail.record(session, actor=actor, action="instruction.execute", entity="instruction", entity_id=row.id,
                 org_id=row.enterprise_id, after={"quantity": str(amount), "executed": str(row.executed),
                                                  "late": late})
    if row.executed >= row.quantity:
        engine.take(session, flow=INSTRUCTION, row_id=row.id, action=A.execute, actor=actor)


# -- reads -----------------------------------------------------------------------------------------------------


def instructions_query(session: Session, actor: User):
    scope.require(actor, "view", "instruction")
    return scope.enterprise_rows_query(session, actor, Instruction)


def of_dispatch(session: Session, dispatch_id: int) -> list[Instruction]:
    return list(session.exec(select(Instruction).where(Instruction.dispatch_id == dispatch_id).order_by(Instruction.id)))


def instructed_lots(session: Session, instruction_id: int) -> list[tuple[InstructionLot, Lot]]:
    return list(session.exec(select(InstructionLot, Lot).join(Lot, Lot.id == InstructionLot.lot_id)
                             .where(InstructionLot.instruction_id == instruction_id)
                             .order_by(Lot.expiry_date, Lot.id)))


def executions(session: Session, instruction_id: int) -> list[Movement]:
    """The ledger movements (and receipts) carrying out the instruction."""
    return list(session.exec(select(Movement).where(Movement.ref_type == "instruction",
                                                    Movement.ref_id == instruction_id).order_by(Movement.id)))


def released(session: Session, dispatch_id: int) -> dict[tuple[int, int], Decimal]:
    """What each enterprise released of each material for the dispatch: (enterprise, material) -> quantity."""
    rows = session.exec(select(Instruction.enterprise_id, Instruction.material_id, func.sum(Instruction.executed))
                        .where(Instruction.dispatch_id == dispatch_id, Instruction.kind == InstructionKind.release)
                        .group_by(Instruction.enterprise_id, Instruction.material_id))
    return {(enterprise, material): Decimal(total or 0) for enterprise, material, total in rows}


def open_count(session: Session, dispatch_id: int) -> int:
    return session.exec(select(func.count()).select_from(Instruction).where(
        Instruction.dispatch_id == dispatch_id, Instruction.status.in_([str(s) for s in S.open()]))).one()


def reinstruct(*, session: Session, actor: User, replenishment_id: int) -> Instruction:
    """A confirmed replenishment whose receive instruction was refused or called off is instructed again, for what
    no receipt and no open instruction covers, by the bureau of its material."""
    row = scope.visible_replenishment(session, actor, replenishment_id)
    scope.require(actor, "issue", "instruction")
    material = session.get(Material, row.material_id)
    if actor.org_id != material.bureau_id:
        raise Forbidden(_l("a bureau instructs only for the materials in its own remit"))
    lock_row(session, Replenishment.__table__, row.id)
    session.refresh(row)
    room = reinstructable(session, row)
    if room <= 0:
        raise Conflict(_l("nothing of this replenishment is left to instruct"), code="illegal_transition")
    deadline = max(row.due_on, business_today() + timedelta(days=settings.instruction_days()))
    return issue_receive_for(session, actor, enterprise_id=row.enterprise_id, material_id=row.material_id,
                             quantity=room, deadline=deadline, reason=row.code, replenishment_id=row.id)


def reinstructable(session: Session, row: Replenishment) -> Decimal:
    """What of a confirmed replenishment neither a receipt nor an open receive instruction covers."""
    if row.status != ReplenishmentStatus.confirmed:
        return Decimal(0)
    pending = session.exec(select(func.coalesce(func.sum(Instruction.quantity - Instruction.executed), 0)).where(
        Instruction.replenishment_id == row.id, Instruction.status.in_([str(s) for s in S.open()]))).one()
    return row.quantity - row.received - Decimal(pending)


@replenishments.REPLENISHMENT.on_enter(ReplenishmentStatus.confirmed)
def _send_receive_instruction(session: Session, actor: User, row, note: str) -> None:
    """A confirmed replenishment instructs its enterprise to receive the quantity by the due date."""
    issue_receive_for(session, actor, enterprise_id=row.enterprise_id, material_id=row.material_id,
                      quantity=row.quantity, deadline=row.due_on, reason=row.code, replenishment_id=row.id)
