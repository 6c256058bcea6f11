"""Transfers between facilities (§二(六)2(3), §六(二): no changing the storage place without approval).

A transfer to another facility waits for the approver of the bureau responsible for the material: a new
depot of the same enterprise in the same district is still another storage place. A move between two
facilities that the enterprise's active storage contracts name for the material (存储库点, docs/plans.md) was
agreed by the bureau when it signed: it is approved by the contract and executed at once, on the timeline and
audited like any other. Moving a lot within its facility is a relocation (``lots.relocate``), not a transfer.
"""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from inventory import scope
from inventory.models import Facility, Lot, Material, Transfer, User
from inventory.services.audit import trail
from inventory.services.coldchain import holds as excursion_holds, traceability
from inventory.services.plans import storage_places
from inventory.services.stock import holds, ledger
from inventory.services.workflows import engine
from inventory.services.stock.flows import TRANSFER
from inventory.core.vocab import RequestStatus, WorkflowAction
from inventory.core.errors import Invalid
from inventory.services.stock.lots import check_category, check_cold_chain

def request_transfer(*, session: Session, actor: User, lot_id: int, to_facility: str, amount: Decimal,
                     reason: str = "") -> Transfer:
    lot = scope.visible_lot(session, actor, lot_id)
    scope.require_enterprise_action(session, actor, "request", "transfer", lot.enterprise_id)
    ledger.require_available(lot, "transfer_out")     # a held lot: refused now, not only at approval
    target = _own_facility(session, lot, to_facility)
    if target.id == lot.facility_id:
        raise Invalid.field("to_facility", _l("the lot is already there"))
    _fits(session, lot, target)
    amount = ledger.quantity(amount)
    if amount <= 0:
        raise Invalid.field("quantity", _l("must be positive"))
    if amount > lot.on_hand:
        raise Invalid.field("quantity", _l("only %(on_hand)s on hand", on_hand=lot.on_hand))
    reason = (reason or "").strip()
    if not reason:
        raise Invalid.field("reason", _l("a transfer to another storage place needs a reason for the bureau"))
    contract = storage_places.naming_both(session, lot.enterprise_id, lot.material_id, lot.facility_id, target.id)
    transfer = Transfer(lot_id=lot.id, to_facility_id=target.id, enterprise_id=lot.enterprise_id,
                        to_enterprise_id=target.enterprise_id, quantity=amount, needs_approval=contract is None,
                        reason=reason, requested_by=actor.id,
                        **({} if contract is None else {"status": RequestStatus.approved,
                                                       "decision_note": f"contract {contract.number}"}))
    session.add(transfer)
    session.flush()
    trail.record(session, actor=actor, action="transfer.request", entity="transfer", entity_id=transfer.id,
                 org_id=lot.enterprise_id, after={"lot_id": lot.id, "to": target.code, "quantity": str(amount),
                                                  **({} if contract is None else {"contract": contract.number})})
    engine.opened(session, flow=TRANSFER, row=transfer, actor=actor, note=reason)
    if contract is not None:
        _execute(session, actor, transfer)
    return transfer


def decide_transfer(*, session: Session, actor: User, transfer_id: int, action: str, note: str = "") -> Transfer:
    return engine.take(session, flow=TRANSFER, row_id=transfer_id, action=action, actor=actor, note=note)


def _own_facility(session: Session, lot: Lot, code: str) -> Facility:
    """A facility of the lot's own enterprise: stock goes to another enterprise only on the bureau's instruction
    (docs/domain-rules.md, transfers), and another enterprise's facility codes are not confirmed to exist."""
    target = session.exec(select(Facility).where(Facility.code == code, Facility.enterprise_id == lot.enterprise_id,
                                                 Facility.active)).first()
    if target is None:
        raise Invalid.field("to_facility", _l("unknown facility %(code)r", code=code))
    return target


def _fits(session: Session, lot: Lot, target: Facility) -> None:
    material = session.get(Material, lot.material_id)
    check_cold_chain(material, target)
    check_category(material, target)


@TRANSFER.on_enter(RequestStatus.approved)
def _execute(session: Session, actor: User, transfer: Transfer, _note: str = "") -> None:
    """Out of the source lot, into a new lot at the destination with the same dates and the same traceability and
    quarantine certificates (the same goods: they are carried on, not asked again; docs/coldchain.md); the
    destination is checked again, as it may have been re-declared since the request."""
    lot = session.get(Lot, transfer.lot_id)
    target = session.get(Facility, transfer.to_facility_id)
    _fits(session, lot, target)
    holds.require_free(session, lot, transfer.quantity)
    ledger.post_movement(session=session, lot_id=lot.id, kind="transfer_out", amount=-transfer.quantity,
                         actor=actor, ref_type="transfer", ref_id=transfer.id)
    moved = Lot(lot_code=f"{lot.lot_code}-T{transfer.id}", material_id=lot.material_id, facility_id=target.id,
                enterprise_id=target.enterprise_id, production_date=lot.production_date, expiry_date=lot.expiry_date,
                received_on=lot.received_on, quality_grade=lot.quality_grade, inspection_result=lot.inspection_result,
                quantity_received=transfer.quantity, on_hand=Decimal(0), status="depleted",
                **traceability.of_lot(lot).columns())
    session.add(moved)
    session.flush()
    ledger.post_movement(session=session, lot_id=moved.id, kind="transfer_in", amount=transfer.quantity,
                         actor=actor, ref_type="transfer", ref_id=transfer.id)
    excursion_holds.hold_arrivals(session, [moved.id])
    transfer.to_lot_id = moved.id
    session.add(transfer)
    session.flush()
    engine.follow(session, flow=TRANSFER, row=transfer, action=WorkflowAction.execute, actor=actor)
    trail.record(session, actor=actor, action="transfer.execute", entity="transfer", entity_id=transfer.id,
                 org_id=transfer.enterprise_id, after={"to_lot_id": moved.id})
