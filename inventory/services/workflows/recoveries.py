"""Recovery (回收, reserve-materials-measures §一(三)): stock a dispatch delivered but did not use comes back.

An enterprise that released stock for a dispatch receives what returns into a new lot in one of its facilities,
with the inspection result and an expiry no later than the stock released; the receipt is linked to the dispatch,
and what is recovered in good order (passed inspection) is not replenished. Never back into the lot it left: the
new lot goes through ``receive_lot`` and its checks, so cold-chain food comes back with its certificates
(docs/coldchain.md, traceability).
Recovered at most what the enterprise released of that material for the dispatch, while it is executing: the
dispatch's row lock orders two recoveries of the same dispatch, so together they cannot pass that bound.
"""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func
from sqlmodel import Session, select

from inventory import scope
from inventory.core.errors import Conflict, Invalid
from inventory.core.quantities import quantity_text
from inventory.core.vocab import DispatchStatus
from inventory.db import lock_row
from inventory.models import Dispatch, DispatchRecovery, Instruction, Lot, Material, Movement, User
from inventory.services.audit import trail
from inventory.services.stock import ledger
from inventory.services.stock.lots import Receipt, inspection_result, receive_lot
from inventory.services.workflows import instructions


def recover(*, session: Session, actor: User, dispatch_id: int, receipt: Receipt) -> DispatchRecovery:
    dispatch = scope.visible_dispatch(session, actor, dispatch_id)
    scope.require(actor, "recover", "dispatch")
    lock_row(session, Dispatch.__table__, dispatch.id)
    session.refresh(dispatch)
    if dispatch.status != DispatchStatus.executing:
        raise Conflict(_l("stock is recovered while the dispatch is executing; this one is %(status)s",
                          status=DispatchStatus.label_of(dispatch.status)), code="illegal_transition")
    material = session.exec(select(Material).where(Material.code == receipt.material.strip())).first()
    released = instructions.released(session, dispatch.id)
    if material is None or (actor.org_id, material.id) not in released:
        raise Invalid.field("material", _l("your enterprise released no %(code)s for this dispatch",
                                           code=receipt.material))
    amount = ledger.quantity(receipt.quantity)
    already = session.exec(select(func.coalesce(func.sum(DispatchRecovery.quantity), 0)).where(
        DispatchRecovery.dispatch_id == dispatch.id, DispatchRecovery.enterprise_id == actor.org_id,
        DispatchRecovery.material_id == material.id)).one()
    room = released[(actor.org_id, material.id)] - Decimal(already)
    if amount > room:
        raise Conflict(_l("at most %(room)s %(unit)s can come back: released less recovered",
                          room=quantity_text(room), unit=material.unit), code="over_recovered")
    receipt = _within_released_expiry(session, dispatch.id, actor.org_id, material.id, receipt)
    lot = receive_lot(session=session, actor=actor, receipt=receipt, ref_type="dispatch", ref_id=dispatch.id)
    row = DispatchRecovery(dispatch_id=dispatch.id, material_id=material.id, enterprise_id=actor.org_id,
                           lot_id=lot.id, quantity=amount, quality_result=inspection_result(receipt.inspection_result),
                           note=receipt.note.strip()[:500], recorded_by=actor.id)
    session.add(row)
    session.flush()
    trail.record(session, actor=actor, action="dispatch.recover", entity="dispatch", entity_id=dispatch.id,
                 org_id=actor.org_id, after={"lot": lot.id, "lot_code": lot.lot_code, "material": material.code,
                                             "quantity": str(amount), "quality": row.quality_result})
    return row


def _within_released_expiry(session: Session, dispatch_id: int, enterprise_id: int, material_id: int,
                            receipt: Receipt) -> Receipt:
    """Returned stock is the stock that went out: it expires no later than the earliest lot it was released from
    (the default), so FEFO and the expiry alerts are not misled by a fresh date."""
    earliest = session.exec(select(func.min(Lot.expiry_date)).join(Movement, Movement.lot_id == Lot.id)
                            .join(Instruction, and_(Movement.ref_type == "instruction", Movement.ref_id == Instruction.id))
                            .where(Instruction.dispatch_id == dispatch_id, Instruction.enterprise_id == enterprise_id,
                                   Instruction.material_id == material_id)).one()
    if receipt.expiry_date is None:
        return replace(receipt, expiry_date=earliest)
    if earliest is not None and receipt.expiry_date > earliest:
        raise Invalid.field("expiry_date", _l("returned stock expires by %(day)s at the latest, as the stock released",
                                              day=earliest.isoformat()))
    return receipt


def of_dispatch(session: Session, dispatch_id: int) -> list[DispatchRecovery]:
    return list(session.exec(select(DispatchRecovery).where(DispatchRecovery.dispatch_id == dispatch_id)
                             .order_by(DispatchRecovery.id)))

