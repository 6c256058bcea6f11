"""Stock promised to open release instructions (入库/出库指令, docs/domain-rules.md, dispatch).

An open release instruction holds, on each of its lots, what it proposed to take less what it took: no issue,
transfer, other instruction or new allocation may take that share. The lot's row lock is taken before the
check, so two requests cannot both pass it on the same stock.
"""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func
from sqlmodel import Session, select

from inventory.core.errors import Conflict
from inventory.core.quantities import quantity_text
from inventory.core.vocab import InstructionKind, InstructionStatus
from inventory.db import lock_row
from inventory.models import Instruction, InstructionLot, Lot


def held(session: Session, lot_ids: list[int], *, except_instruction: int | None = None) -> dict[int, Decimal]:
    """Per lot, what open release instructions (but ``except_instruction``) still have to take from it."""
    if not lot_ids:
        return {}
    left = InstructionLot.proposed - InstructionLot.taken
    query = (select(InstructionLot.lot_id, func.sum(case((left > 0, left), else_=0)))
             .join(Instruction, Instruction.id == InstructionLot.instruction_id)
             .where(InstructionLot.lot_id.in_(lot_ids), Instruction.kind == InstructionKind.release,
                    Instruction.status.in_([str(s) for s in InstructionStatus.open()]))
             .group_by(InstructionLot.lot_id))
    if except_instruction is not None:
        query = query.where(Instruction.id != except_instruction)
    return {lot_id: Decimal(amount or 0) for lot_id, amount in session.exec(query).all()}


def free(session: Session, lots: list[Lot], *, except_instruction: int | None = None) -> dict[int, Decimal]:
    """What each lot can still give: on hand less what open release instructions hold of it."""
    holds = held(session, [lot.id for lot in lots], except_instruction=except_instruction)
    return {lot.id: max(lot.on_hand - holds.get(lot.id, Decimal(0)), Decimal(0)) for lot in lots}


def require_free(session: Session, lot: Lot, amount: Decimal, *, except_instruction: int | None = None) -> None:
    """Lock the lot, then refuse (409 ``held_by_instruction``) taking more than it holds free of instructions."""
    lock_row(session, Lot.__table__, lot.id)
    session.refresh(lot)
    holds = held(session, [lot.id], except_instruction=except_instruction).get(lot.id, Decimal(0))
    if holds and amount > lot.on_hand - holds:
        raise Conflict(_l("lot %(code)s holds %(held)s for open release instructions; %(free)s can be taken",
                          code=lot.lot_code, held=quantity_text(holds),
                          free=quantity_text(max(lot.on_hand - holds, Decimal(0)))), code="held_by_instruction")
