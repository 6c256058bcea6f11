"""Receiving lots, issuing and adjusting them, quality holds and FEFO picking.

Every quantity change goes through ``ledger.post_movement``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert
from sqlmodel import Session, select

from inventory import scope
from inventory.models import Adjustment, Facility, Lot, Material, Movement, User
from inventory.services.audit import trail
from inventory.services.stock import catalogue
from inventory.services.stock import ledger
from inventory.services.workflows import engine
from inventory.services.stock.catalogue import STORAGE_CLASSES
from inventory.core.vocab import LotStatus, RequestStatus, StorageClass
from inventory.services.stock.flows import ADJUSTMENT
from inventory.core import settings
from inventory.core.errors import Conflict, Invalid
from inventory.services.stock.facilities import facility_by_code
from inventory.core.clock import business_today, utcnow



@dataclass(frozen=True)
class Receipt:
    material: str
    facility: str
    lot_code: str
    quantity: Decimal
    production_date: date | None = None
    expiry_date: date | None = None
    received_on: date | None = None
    quality_grade: str = ""
    inspection_result: str = ""
    note: str = ""


def check_cold_chain(material: Material, facility) -> None:
    """A chilled, frozen or ultra-low material needs a facility that is at least that cold."""
    _, class_max = STORAGE_CLASSES[material.storage_class]
    if material.storage_class == StorageClass.ambient or class_max is None:
        return
    if facility.temp_max is None or facility.temp_max > class_max:
        raise Invalid.field("facility", _l("%(storage_class)s goods need a facility kept at or below %(max)s °C",
                                           storage_class=material.storage_class, max=class_max))


class ReceiptLookups:
    """Materials, facilities and the enterprise's lot codes, each read once for a whole file of receipts.

    A single receipt looks each of them up with one query; an import of ten thousand rows would make
    thirty thousand.
    """

    def __init__(self, session: Session, enterprise_id: int):
        self.session, self.enterprise_id = session, enterprise_id
        self.materials: dict[str, Material] = {}
        self.facilities: dict[str, Facility] = {}
        self.lot_codes: set[str] | None = None

    def material(self, code: str) -> Material:
        if code not in self.materials:
            self.materials[code] = catalogue.material_by_code(self.session, code)
        return self.materials[code]

    def facility(self, code: str) -> Facility:
        if code not in self.facilities:
            self.facilities[code] = facility_by_code(self.session, code)
        return self.facilities[code]

    def lot_code_taken(self, code: str) -> bool:
        if self.lot_codes is None:
            self.lot_codes = set(self.session.exec(select(Lot.lot_code).where(Lot.enterprise_id == self.enterprise_id)))
        return code in self.lot_codes


def validate_receipt(session: Session, actor: User, receipt: Receipt, *, today: date | None = None,
                     lookups: ReceiptLookups | None = None) -> tuple[Material, Facility, date]:
    """All checks of a receipt, without writing: shared by the API, the forms and the imports."""
    today = today or business_today()
    scope.require(actor, "receive", "lot")
    lookups = lookups or ReceiptLookups(session, actor.org_id)
    material = lookups.material(receipt.material)
    if not material.active:
        raise Invalid.field("material", _l("material %(code)s is no longer in the catalogue", code=material.code))
    facility = lookups.facility(receipt.facility)
    if facility.enterprise_id != actor.org_id:
        raise Invalid.field("facility", _l("unknown facility %(code)r", code=receipt.facility))
    amount = ledger.quantity(receipt.quantity)
    if amount <= 0:
        raise Invalid.field("quantity", _l("must be positive"))
    if not receipt.lot_code.strip():
        raise Invalid.field("lot_code", _l("required"))
    received_on = receipt.received_on or today
    if receipt.production_date and receipt.production_date > received_on:
        raise Invalid.field("production_date", _l("cannot be after the day it is received"))
    expiry = receipt.expiry_date
    if expiry is None:
        start = receipt.production_date or received_on
        expiry = start + timedelta(days=material.shelf_life_days)
    if receipt.production_date and expiry < receipt.production_date:
        raise Invalid.field("expiry_date", _l("cannot be before the production date"))
    if expiry < today:
        raise Invalid.field("expiry_date", _l("the lot has already expired"))
    check_cold_chain(material, facility)
    if lookups.lot_code_taken(receipt.lot_code.strip()):
        raise Conflict(_l("lot code %(code)s is already used by this enterprise", code=receipt.lot_code),
                       code="duplicate_code")
    return material, facility, expiry


def receive_lot(*, session: Session, actor: User, receipt: Receipt, today: date | None = None) -> Lot:
    material, facility, expiry = validate_receipt(session, actor, receipt, today=today)
    amount = ledger.quantity(receipt.quantity)
    lot = Lot(lot_code=receipt.lot_code.strip(), material_id=material.id, facility_id=facility.id,
              enterprise_id=facility.enterprise_id, production_date=receipt.production_date, expiry_date=expiry,
              received_on=receipt.received_on or today or business_today(), quality_grade=receipt.quality_grade,
              inspection_result=receipt.inspection_result, quantity_received=amount, on_hand=Decimal(0),
              status="depleted")
    session.add(lot)
    session.flush()
    ledger.post_movement(session=session, lot_id=lot.id, kind="receipt", amount=amount, actor=actor,
                         ref_type="lot", ref_id=lot.id, note=receipt.note)
    trail.record(session, actor=actor, action="lot.receive", entity="lot", entity_id=lot.id, org_id=lot.enterprise_id,
                 after={"lot_code": lot.lot_code, "material": material.code, "facility": facility.code,
                        "quantity": str(amount), "expiry_date": expiry.isoformat()})
    return lot


def receive_lots(*, session: Session, actor: User, receipts: list[Receipt], lookups: ReceiptLookups,
                 today: date | None = None) -> int:
    """Receive many lots with a few bulk statements (imports); the caller commits. Returns how many."""
    today = today or business_today()
    rows, codes = [], set()
    for receipt in receipts:
        material, facility, expiry = validate_receipt(session, actor, receipt, today=today, lookups=lookups)
        code = receipt.lot_code.strip()
        if code in codes:
            raise Conflict(_l("lot code %(code)s appears twice", code=code), code="duplicate_code")
        codes.add(code)
        rows.append(dict(lot_code=code, material_id=material.id, facility_id=facility.id,
                         enterprise_id=facility.enterprise_id, production_date=receipt.production_date,
                         expiry_date=expiry, received_on=receipt.received_on or today,
                         quality_grade=receipt.quality_grade, inspection_result=receipt.inspection_result,
                         quantity_received=ledger.quantity(receipt.quantity), on_hand=Decimal(0),
                         status="depleted", movement_count=0, last_hash="", created_at=utcnow()))
    if not rows:
        return 0
    table = Lot.__table__
    ids = session.connection().execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), rows).scalars().all()
    ledger.post_opening_receipts(session=session, actor=actor, receipts=[
        (lot_id, row["quantity_received"], receipt.note) for lot_id, row, receipt in zip(ids, rows, receipts)])
    lookups.lot_codes = (lookups.lot_codes or set()) | codes
    for lot_id, row in zip(ids, rows):
        trail.record(session, actor=actor, action="lot.receive", entity="lot", entity_id=lot_id,
                     org_id=row["enterprise_id"], after={"lot_code": row["lot_code"],
                                                         "quantity": str(row["quantity_received"]),
                                                         "expiry_date": row["expiry_date"].isoformat()})
    return len(ids)


def issue(*, session: Session, actor: User, lot_id: int, amount: Decimal, note: str = "") -> Movement:
    lot = scope.visible_lot(session, actor, lot_id)
    scope.require_enterprise_action(session, actor, "issue", "lot", lot.enterprise_id)
    amount = ledger.quantity(amount)
    if amount <= 0:
        raise Invalid.field("quantity", _l("must be positive"))
    return ledger.post_movement(session=session, lot_id=lot.id, kind="issue", amount=-amount, actor=actor, note=note)


def adjust(
    *, session: Session, actor: User, lot_id: int, amount: Decimal, note: str,
) -> Movement | Adjustment:
    """Small corrections post at once; a write-down beyond the tolerance waits for the bureau."""
    lot = scope.visible_lot(session, actor, lot_id)
    scope.require_enterprise_action(session, actor, "adjust", "lot", lot.enterprise_id)
    amount = ledger.quantity(amount)
    if amount == 0:
        raise Invalid.field("quantity", _l("must not be zero"))
    if not note.strip():
        raise Invalid.field("note", _l("say why the quantity is adjusted"))
    if amount < 0 and -amount > lot.on_hand * settings.adjustment_tolerance():
        if -amount > lot.on_hand:
            raise Conflict(_l("only %(on_hand)s on hand", on_hand=lot.on_hand), code="insufficient_stock")
        request = Adjustment(lot_id=lot.id, enterprise_id=lot.enterprise_id, quantity=amount, note=note,
                             requested_by=actor.id)
        session.add(request)
        session.flush()
        trail.record(session, actor=actor, action="adjustment.request", entity="adjustment", entity_id=request.id,
                     org_id=lot.enterprise_id, after={"lot_id": lot.id, "quantity": str(amount), "note": note})
        engine.opened(session, flow=ADJUSTMENT, row=request, actor=actor, note=note)
        return request
    return ledger.post_movement(session=session, lot_id=lot.id, kind="adjustment", amount=amount, actor=actor,
                                note=note)


def decide_adjustment(*, session: Session, actor: User, adjustment_id: int, action: str, note: str = "") -> Adjustment:
    return engine.take(session, flow=ADJUSTMENT, row_id=adjustment_id, action=action, actor=actor, note=note)


@ADJUSTMENT.on_enter(RequestStatus.approved)
def _post_adjustment(session: Session, actor: User, request: Adjustment, _note: str) -> None:
    movement = ledger.post_movement(session=session, lot_id=request.lot_id, kind="adjustment", amount=request.quantity,
                                    actor=actor, ref_type="adjustment", ref_id=request.id, note=request.note)
    request.movement_id = movement.id
    session.add(request)


def set_hold(*, session: Session, actor: User, lot_id: int, status: str, reason: str) -> Lot:
    """Put a lot on quality hold or quarantine, or release it; held stock cannot be issued."""
    lot = scope.visible_lot(session, actor, lot_id)
    scope.require(actor, "hold", "lot")
    if actor.role == "enterprise_manager" and lot.enterprise_id != actor.org_id:
        raise Invalid.field("lot", _l("not your enterprise's lot"))
    if status not in (*LotStatus.holds(), LotStatus.available):
        raise Invalid.field("status", _l("quality_hold, quarantined or available"))
    if not reason.strip():
        raise Invalid.field("reason", _l("required"))
    before = lot.status
    if status == "available":
        if before not in LotStatus.holds():
            raise Conflict(_l("the lot is %(status)s, not on hold", status=LotStatus.label_of(before)),
                           code="illegal_transition")
        status = LotStatus.available if lot.on_hand > 0 else LotStatus.depleted
    elif before not in LotStatus.automatic() | LotStatus.holds():
        raise Conflict(_l("a %(status)s lot cannot be put on hold", status=LotStatus.label_of(before)),
                       code="illegal_transition")
    lot.status = status
    session.add(lot)
    trail.record(session, actor=actor, action="lot.hold" if status in LotStatus.holds() else "lot.release", entity="lot",
                 entity_id=lot.id, org_id=lot.enterprise_id, before={"status": before},
                 after={"status": status, "reason": reason})
    return lot


@dataclass(frozen=True)
class Pick:
    lot: Lot
    take: Decimal


def fefo(
    *, session: Session, actor: User, material_id: int, quantity: Decimal | None = None,
    enterprise_id: int | None = None, facility_id: int | None = None, today: date | None = None,
) -> list[Pick]:
    """First expiry, first out: the available lots to take from, earliest expiry first."""
    query = (scope.lots_query(session, actor)
             .where(Lot.material_id == material_id, Lot.status == "available", Lot.on_hand > 0,
                    Lot.expiry_date >= (today or business_today())))
    if enterprise_id is not None:
        query = query.where(Lot.enterprise_id == enterprise_id)
    if facility_id is not None:
        query = query.where(Lot.facility_id == facility_id)
    picks: list[Pick] = []
    remaining = quantity
    for lot in session.exec(query.order_by(Lot.expiry_date, Lot.id).limit(200)):
        take = lot.on_hand if remaining is None else min(lot.on_hand, remaining)
        picks.append(Pick(lot, take))
        if remaining is not None:
            remaining -= take
            if remaining <= 0:
                break
    return picks


def plan_fefo_issue(*, session: Session, actor: User, material_id: int, amount: Decimal,
                    today: date | None = None) -> list[Pick]:
    """The FEFO picks that cover ``amount`` exactly; refused when the issuable stock falls short."""
    scope.require(actor, "issue", "lot")
    amount = ledger.quantity(amount)
    if amount <= 0:
        raise Invalid.field("quantity", _l("must be positive"))
    picks = fefo(session=session, actor=actor, material_id=material_id, quantity=amount, today=today)
    available = sum((pick.take for pick in picks), Decimal(0))
    if available < amount:
        raise Conflict(_l("only %(available)s can be issued from available lots; %(requested)s requested",
                          available=available, requested=amount),
                       code="insufficient_stock")
    return picks


def issue_fefo(*, session: Session, actor: User, material_id: int, amount: Decimal, note: str = "") -> list[Movement]:
    """Issue from the earliest-expiring lots in one unit of work: the caller commits, or rolls back on any error."""
    picks = plan_fefo_issue(session=session, actor=actor, material_id=material_id, amount=amount)
    return [issue(session=session, actor=actor, lot_id=pick.lot.id, amount=pick.take, note=note) for pick in picks]
