"""Recovery (回收, reserve-materials-measures §一(三)): stock a dispatch delivered but did not use comes back.

An enterprise that released stock for a dispatch receives what returns into a new lot in one of its facilities,
with the inspection result; the receipt is linked to the dispatch, and what is recovered is not replenished.
Recovered at most what the enterprise released of that material for the dispatch, while it is executing: the
dispatch's row lock orders two recoveries of the same dispatch, so together they cannot pass that bound.
"""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlmodel import Session, select

from inventory import scope
from inventory.core.errors import Conflict, Invalid
from inventory.core.quantities import quantity_text
from inventory.core.vocab import DispatchStatus
from inventory.db import lock_row
from inventory.models import Dispatch, DispatchRecovery, Material, User
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


def of_dispatch(session: Session, dispatch_id: int) -> list[DispatchRecovery]:
    return list(session.exec(select(DispatchRecovery).where(DispatchRecovery.dispatch_id == dispatch_id)
                             .order_by(DispatchRecovery.id)))

