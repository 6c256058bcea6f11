"""Receiving lots, issuing and adjusting them, quality holds and FEFO picking.

Every quantity change goes through ``ledger.post_movement``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, update
from sqlmodel import Session, select

from inventory import scope
from inventory.core.quantities import quantity_text
from inventory.db import lock_row
from inventory.models import Adjustment, Facility, Lot, Material, Movement, Organisation, User
from inventory.services.audit import trail
from inventory.services.coldchain import holds as excursion_holds, traceability
from inventory.services.stock import catalogue
from inventory.services.inspections import qualification
from inventory.services.stock import holds, ledger
from inventory.services.workflows import engine
from inventory.core.vocab import (
    Category, InspectionResult, LotStatus, MovementKind, OrgKind, RequestStatus, Role, StorageClass,
)
from inventory.services.stock.flows import ADJUSTMENT
from inventory.core import settings
from inventory.core.errors import Conflict, Forbidden, Invalid
from inventory.services.stock.facilities import facility_by_code
from inventory.core.clock import business_today, utcnow

T = TypeVar("T")



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
    inspection_result: str = InspectionResult.passed
    note: str = ""
    #: checked on every path a lot enters stock by (docs/coldchain.md, traceability): none given is an empty set,
    #: which passes only for materials that need none
    certificates: traceability.Certificates = traceability.Certificates()


def check_cold_chain(material: Material, facility: Facility) -> None:
    """The facility's whole range must lie inside the material's storage class: chilled eggs (0–4 °C) do not go
    into a −30…−18 °C freezer, frozen pork does not go into a 0–4 °C room (docs/domain-rules.md)."""
    if material.storage_class == StorageClass.ambient:
        return
    low, high = catalogue.storage_range(material.storage_class)
    too_warm = high is not None and (facility.temp_max is None or facility.temp_max > high)
    too_cold = low is not None and (facility.temp_min is None or facility.temp_min < low)
    if too_warm or too_cold:
        raise Invalid.field("facility", _l(
            "%(storage_class)s goods need a facility kept within %(low)s…%(high)s °C; %(facility)s is kept at "
            "%(facility_low)s…%(facility_high)s °C", storage_class=StorageClass.label_of(material.storage_class),
            low="" if low is None else low, high="" if high is None else high, facility=facility.code,
            facility_low="" if facility.temp_min is None else facility.temp_min,
            facility_high="" if facility.temp_max is None else facility.temp_max))


def check_category(material: Material, facility: Facility) -> None:
    """A facility stores only the material categories its enterprise declared for it (until contracts say)."""
    declared = {c for c in facility.categories.split(",") if c}
    if material.category not in declared:
        raise Invalid.field("facility", _l(
            "%(facility)s is not declared to store %(category)s (it stores: %(declared)s)", facility=facility.code,
            category=Category.label_of(material.category),
            declared=", ".join(str(Category.label_of(c)) for c in sorted(declared)) or "—"))


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
        self.loads: dict[int, Decimal] = {}

    def material(self, code: str) -> Material:
        if code not in self.materials:
            self.materials[code] = catalogue.material_by_code(self.session, code)
        return self.materials[code]

    def facility(self, code: str) -> Facility:
        if code not in self.facilities:
            self.facilities[code] = facility_by_code(self.session, code)
        return self.facilities[code]

    def load(self, facility: Facility) -> Decimal:
        """What the facility holds now in its capacity unit, plus what this batch has received into it so far."""
        if facility.id not in self.loads:
            self.loads[facility.id] = Decimal(self.session.exec(
                select(func.coalesce(func.sum(Lot.on_hand), 0)).join(Material, Material.id == Lot.material_id)
                .where(Lot.facility_id == facility.id, Material.unit == facility.capacity_unit)).one())
        return self.loads[facility.id]

    def lot_code_taken(self, code: str) -> bool:
        if self.lot_codes is None:
            self.lot_codes = set(self.session.exec(select(Lot.lot_code).where(Lot.enterprise_id == self.enterprise_id)))
        return code in self.lot_codes


#: receipts are dated from this day to today; an earlier or later date is a typing error (docs/domain-rules.md)
EARLIEST_RECEIPT = date(2000, 1, 1)
#: no reserve keeps longer than this; an expiry further out is a typing error
LONGEST_SHELF_LIFE_YEARS = 30


def _within_capacity(lookups: ReceiptLookups, material: Material, facility: Facility, amount: Decimal) -> None:
    """A receipt fits in what the facility has room for, where its capacity is in the material's unit."""
    if facility.capacity is None or facility.capacity_unit != material.unit:
        return
    try:
        amount = ledger.quantity(amount)
    except Invalid:
        return  # reported by the quantity's own check
    load = lookups.load(facility)
    if load + amount > facility.capacity:
        raise Invalid.field("quantity", _l("%(facility)s holds %(load)s of %(capacity)s %(unit)s: no room for %(amount)s",
                                           facility=facility.code, load=quantity_text(load),
                                           capacity=quantity_text(facility.capacity), unit=material.unit,
                                           amount=quantity_text(amount)))
    lookups.loads[facility.id] = load + amount


class _Problems:
    """Every field problem of one receipt, so a form or an import row reports them all, not only the first."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, message: object) -> None:
        self.fields.setdefault(field, []).append(str(message))

    def check(self, check: Callable[[], T]) -> T | None:
        try:
            return check()
        except Invalid as error:
            for field, messages in error.fields.items():
                self.fields.setdefault(field, []).extend(messages)
            return None

    def about(self, *fields: str) -> bool:
        return any(field in self.fields for field in fields)

    def raise_any(self) -> None:
        if self.fields:
            first = next(iter(self.fields.values()))[0]
            raise Invalid(first, fields=self.fields)


def _active_material(lookups: ReceiptLookups, code: str) -> Material:
    material = lookups.material(code)
    if not material.active:
        raise Invalid.field("material", _l("material %(code)s is no longer in the catalogue", code=material.code))
    return material


def _own_facility(lookups: ReceiptLookups, code: str, actor: User) -> Facility:
    facility = lookups.facility(code)
    if facility.enterprise_id != actor.org_id:
        raise Invalid.field("facility", _l("unknown facility %(code)r", code=code))
    return facility


def _positive(quantity: Decimal) -> None:
    if ledger.quantity(quantity) <= 0:
        raise Invalid.field("quantity", _l("must be positive"))


def validate_receipt(session: Session, actor: User, receipt: Receipt, *, today: date | None = None,
                     lookups: ReceiptLookups | None = None) -> tuple[Material, Facility, date]:
    """All checks of a receipt, without writing: shared by the API, the forms and the imports."""
    today = today or business_today()
    scope.require(actor, "receive", "lot")
    lookups = lookups or ReceiptLookups(session, actor.org_id)
    problems = _Problems()
    material = problems.check(lambda: _active_material(lookups, receipt.material))
    facility = problems.check(lambda: _own_facility(lookups, receipt.facility, actor))
    problems.check(lambda: _positive(receipt.quantity))
    if not receipt.lot_code.strip():
        problems.add("lot_code", _l("required"))
    received_on = receipt.received_on or today
    if not EARLIEST_RECEIPT <= received_on <= today:
        problems.add("received_on", _l("must be from %(first)s to today", first=EARLIEST_RECEIPT.isoformat()))
    elif receipt.production_date and receipt.production_date < EARLIEST_RECEIPT:
        problems.add("production_date", _l("must be from %(first)s on", first=EARLIEST_RECEIPT.isoformat()))
    elif receipt.production_date and receipt.production_date > received_on:
        problems.add("production_date", _l("cannot be after the day it is received"))
    expiry = receipt.expiry_date
    if expiry is None and material is not None and not problems.about("received_on", "production_date"):
        expiry = (receipt.production_date or received_on) + timedelta(days=material.shelf_life_days)
    if expiry is not None and receipt.production_date and expiry < receipt.production_date:
        problems.add("expiry_date", _l("cannot be before the production date"))
    elif expiry is not None and expiry < today:
        problems.add("expiry_date", _l("the lot has already expired"))
    elif expiry is not None and expiry > received_on + timedelta(days=365 * LONGEST_SHELF_LIFE_YEARS):
        problems.add("expiry_date", _l("more than %(years)s years after receipt", years=LONGEST_SHELF_LIFE_YEARS))
    if material is not None and facility is not None:
        problems.check(lambda: check_cold_chain(material, facility))
        problems.check(lambda: check_category(material, facility))
        problems.check(lambda: _within_capacity(lookups, material, facility, receipt.quantity))
    if material is not None:
        problems.check(lambda: traceability.check(material, receipt.certificates))
    problems.check(lambda: inspection_result(receipt.inspection_result))
    problems.raise_any()
    # a suspended or revoked storage qualification bars new reserve lots (§六(二), docs/domain-rules.md)
    qualification.check_may_receive(session, facility.enterprise_id)
    if lookups.lot_code_taken(receipt.lot_code.strip()):
        raise Conflict(_l("lot code %(code)s is already used by this enterprise", code=receipt.lot_code),
                       code="duplicate_code")
    return material, facility, expiry


def receive_lot(*, session: Session, actor: User, receipt: Receipt, today: date | None = None,
                ref_type: str = "lot", ref_id: int | None = None, kind: str = MovementKind.receipt,
                audited: dict[str, str] | None = None) -> Lot:
    """A new lot and its opening movement — a ``receipt``, or what brings it in (a rotation's ``rotation_in``);
    ``ref_*`` name what it carries out (an instruction, a dispatch's recovery, a rotation), else the lot itself;
    ``audited`` is added to the audit event. Every way a new lot enters stock comes here, so the receipt's checks
    (certificates included, docs/coldchain.md) are the same on all of them."""
    material, facility, expiry = validate_receipt(session, actor, receipt, today=today)
    amount = ledger.quantity(receipt.quantity)
    lot = Lot(lot_code=receipt.lot_code.strip(), material_id=material.id, facility_id=facility.id,
              enterprise_id=facility.enterprise_id, production_date=receipt.production_date, expiry_date=expiry,
              received_on=receipt.received_on or today or business_today(), quality_grade=receipt.quality_grade,
              inspection_result=inspection_result(receipt.inspection_result), quantity_received=amount, on_hand=Decimal(0),
              status="depleted", **receipt.certificates.columns())
    session.add(lot)
    session.flush()
    ledger.post_movement(session=session, lot_id=lot.id, kind=kind, amount=amount, actor=actor,
                         ref_type=ref_type, ref_id=ref_id if ref_id is not None else lot.id, note=receipt.note)
    _hold_uninspected(session, {lot.id: inspection_result(receipt.inspection_result)})
    excursion_holds.hold_arrivals(session, [lot.id])
    trail.record(session, actor=actor, action="lot.receive", entity="lot", entity_id=lot.id, org_id=lot.enterprise_id,
                 after={"lot_code": lot.lot_code, "material": material.code, "facility": facility.code,
                        "quantity": str(amount), "expiry_date": expiry.isoformat(),
                        **_certificates_audited(receipt.certificates), **(audited or {})})
    return lot


def _certificates_audited(certificates: traceability.Certificates) -> dict[str, dict[str, str | bool]]:
    """The certificates for the audit event, when the receipt names any (wheat's would only be empty fields)."""
    return {"certificates": certificates.columns()} if certificates.given() else {}


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
                         quality_grade=receipt.quality_grade,
                         inspection_result=inspection_result(receipt.inspection_result),
                         quantity_received=ledger.quantity(receipt.quantity), on_hand=Decimal(0),
                         status="depleted", movement_count=0, last_hash="", created_at=utcnow(),
                         **receipt.certificates.columns()))
    if not rows:
        return 0
    table = Lot.__table__
    ids = session.connection().execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), rows).scalars().all()
    ledger.post_opening_receipts(session=session, actor=actor, receipts=[
        (lot_id, row["quantity_received"], receipt.note) for lot_id, row, receipt in zip(ids, rows, receipts)])
    lookups.lot_codes = (lookups.lot_codes or set()) | codes
    _hold_uninspected(session, {lot_id: inspection_result(receipt.inspection_result)
                                for lot_id, receipt in zip(ids, receipts)})
    excursion_holds.hold_arrivals(session, ids)
    for lot_id, row, receipt in zip(ids, rows, receipts):
        trail.record(session, actor=actor, action="lot.receive", entity="lot", entity_id=lot_id,
                     org_id=row["enterprise_id"], after={"lot_code": row["lot_code"],
                                                         "quantity": str(row["quantity_received"]),
                                                         "expiry_date": row["expiry_date"].isoformat(),
                                                         **_certificates_audited(receipt.certificates)})
    return len(ids)


#: how people write the results in forms and spreadsheets; empty means the receipt passed inspection
RESULT_WORDS = {"": InspectionResult.passed, "pass": InspectionResult.passed, "合格": InspectionResult.passed,
                "fail": InspectionResult.failed, "不合格": InspectionResult.failed,
                "待检": InspectionResult.pending, "待定": InspectionResult.pending}


def inspection_result(text: str) -> InspectionResult:
    word = (text or "").strip().lower()
    if word in InspectionResult.values():
        return InspectionResult(word)
    if word not in RESULT_WORDS:
        raise Invalid.field("inspection_result", _l("one of %(choices)s", choices=", ".join(InspectionResult.values())))
    return RESULT_WORDS[word]


#: the status a lot is received in, by its inspection result: failed stock is quarantined, unknown stock held
RECEIVED_STATUS = {InspectionResult.failed: LotStatus.quarantined, InspectionResult.pending: LotStatus.quality_hold}


def _hold_uninspected(session: Session, results: dict[int, str]) -> None:
    for status in set(RECEIVED_STATUS.values()):
        ids = [lot_id for lot_id, result in results.items() if RECEIVED_STATUS.get(result) == status]
        if ids:
            session.connection().execute(update(Lot).where(Lot.id.in_(ids)).values(status=status))


def issue(*, session: Session, actor: User, lot_id: int, amount: Decimal, note: str = "") -> Movement:
    lot = scope.visible_lot(session, actor, lot_id)
    scope.require_enterprise_action(session, actor, "issue", "lot", lot.enterprise_id)
    amount = ledger.quantity(amount)
    if amount <= 0:
        raise Invalid.field("quantity", _l("must be positive"))
    holds.require_free(session, lot, amount)
    return ledger.post_movement(session=session, lot_id=lot.id, kind="issue", amount=-amount, actor=actor, note=note)


def adjust(
    *, session: Session, actor: User, lot_id: int, amount: Decimal, note: str,
) -> Movement | Adjustment:
    """Small corrections post at once; beyond the tolerance, a write-down or a write-up waits for the bureau.

    The tolerance holds cumulatively (§二(六)2, §六(二): no 虚报 or dodged approvals): what was adjusted without
    approval over the rolling window, on the lot and on the enterprise's stock of the material, plus this change,
    stays within the tolerance of the stock before those changes.
    """
    lot = scope.visible_lot(session, actor, lot_id)
    scope.require_enterprise_action(session, actor, "adjust", "lot", lot.enterprise_id)
    amount = ledger.quantity(amount)
    if amount == 0:
        raise Invalid.field("quantity", _l("must not be zero"))
    if not note.strip():
        raise Invalid.field("note", _l("say why the quantity is adjusted"))
    # adjustments of one material take turns, so two at once cannot both read the tolerance as unused
    lock_row(session, Material.__table__, lot.material_id)
    session.refresh(lot)
    if lot.status in LotStatus.holds() and lot.held_by_org_id not in (None, lot.enterprise_id):
        raise Conflict(_l("the lot is held by %(org)s: its quantity cannot be adjusted until they lift the hold",
                          org=session.get(Organisation, lot.held_by_org_id).name), code="lot_held")
    if not _within_tolerance(session, lot, amount):
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


def _within_tolerance(session: Session, lot: Lot, amount: Decimal) -> bool:
    since = utcnow() - timedelta(days=settings.adjustment_window_days())
    tolerance = settings.adjustment_tolerance()
    unapproved = (select(func.coalesce(func.sum(func.abs(Movement.quantity)), 0), func.coalesce(func.sum(Movement.quantity), 0))
                  .join(Lot, Lot.id == Movement.lot_id)
                  .where(Movement.kind == MovementKind.adjustment, Movement.ref_type.is_(None), Movement.at >= since))
    lot_moved, lot_net = session.exec(unapproved.where(Movement.lot_id == lot.id)).one()
    ours = (Lot.enterprise_id == lot.enterprise_id, Lot.material_id == lot.material_id)
    stock_moved, stock_net = session.exec(unapproved.where(*ours)).one()
    stock_on_hand = session.exec(select(func.coalesce(func.sum(Lot.on_hand), 0)).where(*ours)).one()
    change = abs(amount)
    return (Decimal(lot_moved) + change <= (lot.on_hand - Decimal(lot_net)) * tolerance
            and Decimal(stock_moved) + change <= (Decimal(stock_on_hand) - Decimal(stock_net)) * tolerance)


def decide_adjustment(*, session: Session, actor: User, adjustment_id: int, action: str, note: str = "") -> Adjustment:
    return engine.take(session, flow=ADJUSTMENT, row_id=adjustment_id, action=action, actor=actor, note=note)


@ADJUSTMENT.on_enter(RequestStatus.approved)
def _post_adjustment(session: Session, actor: User, request: Adjustment, _note: str) -> None:
    movement = ledger.post_movement(session=session, lot_id=request.lot_id, kind="adjustment", amount=request.quantity,
                                    actor=actor, ref_type="adjustment", ref_id=request.id, note=request.note)
    request.movement_id = movement.id
    session.add(request)


def set_hold(*, session: Session, actor: User, lot_id: int, status: str, reason: str) -> Lot:
    """Put a lot on quality hold or quarantine, or release it with the result; held stock cannot be issued.

    A hold belongs to the organisation that placed it: one placed by a bureau (its officers, approvers or
    inspectors) is changed or lifted only by that bureau; an enterprise manager lifts only the enterprise's own.
    The status changes by a conditional update, so two people releasing at once release once.
    """
    lot = scope.visible_lot(session, actor, lot_id)
    scope.require(actor, "hold", "lot")
    if actor.role == Role.enterprise_manager and lot.enterprise_id != actor.org_id:
        raise Invalid.field("lot", _l("not your enterprise's lot"))
    if status not in (*LotStatus.holds(), LotStatus.available):
        raise Invalid.field("status", _l("quality_hold, quarantined or available"))
    if not reason.strip():
        raise Invalid.field("reason", _l("required"))
    before = lot.status
    if before in LotStatus.holds():
        _require_hold_owner(session, actor, lot)
    if status == LotStatus.available:
        if before not in LotStatus.holds():
            raise Conflict(_l("the lot is %(status)s, not on hold", status=LotStatus.label_of(before)),
                           code="illegal_transition")
        if excursion_holds.current_excursion_hold(session, lot.id) is not None:
            scope.require(actor, "release", "excursion_hold")     # the bureau's inspector (docs/coldchain.md)
        status, held_by = (LotStatus.available if lot.on_hand > 0 else LotStatus.depleted), None
    elif before not in LotStatus.automatic() | LotStatus.holds():
        raise Conflict(_l("a %(status)s lot cannot be put on hold", status=LotStatus.label_of(before)),
                       code="illegal_transition")
    else:
        held_by = actor.org_id
    changed = session.connection().execute(update(Lot).where(Lot.id == lot.id, Lot.status == before)
                                           .values(status=status, held_by_org_id=held_by)).rowcount
    if changed != 1:
        raise Conflict(_l("the lot's status changed meanwhile; look again"), code="illegal_transition")
    session.refresh(lot)
    trail.record(session, actor=actor, action="lot.hold" if status in LotStatus.holds() else "lot.release", entity="lot",
                 entity_id=lot.id, org_id=lot.enterprise_id, before={"status": before, "held_by": lot.held_by_org_id},
                 after={"status": status, "reason": reason, "held_by": held_by})
    return lot


def _require_hold_owner(session: Session, actor: User, lot: Lot) -> None:
    """A hold is changed by whoever placed it; the responsible bureau also takes over an enterprise's own hold
    (the lot is visible to it, so it is of its remit), so an enterprise hold cannot block a bureau quarantine."""
    owner = lot.held_by_org_id or lot.enterprise_id
    bureau_over_enterprise = owner == lot.enterprise_id and scope.org_kind(session, actor) == OrgKind.bureau
    if owner != actor.org_id and not bureau_over_enterprise:
        raise Forbidden(_l("this hold was placed by another organisation; only it may change or lift it"))


@dataclass(frozen=True)
class Pick:
    lot: Lot
    take: Decimal


def fefo(
    *, session: Session, actor: User, material_id: int, quantity: Decimal | None = None,
    enterprise_id: int | None = None, facility_id: int | None = None, today: date | None = None,
) -> list[Pick]:
    """First expiry, first out: the available lots to take from, earliest expiry first, less what open release
    instructions hold of them."""
    query = (scope.lots_query(session, actor)
             .where(Lot.material_id == material_id, Lot.status == "available", Lot.on_hand > 0,
                    Lot.expiry_date >= (today or business_today())))
    if enterprise_id is not None:
        query = query.where(Lot.enterprise_id == enterprise_id)
    if facility_id is not None:
        query = query.where(Lot.facility_id == facility_id)
    picks: list[Pick] = []
    remaining = quantity
    lots = list(session.exec(query.order_by(Lot.expiry_date, Lot.id).limit(200)))
    free = holds.free(session, lots)
    for lot in lots:
        if free[lot.id] <= 0:
            continue
        take = free[lot.id] if remaining is None else min(free[lot.id], remaining)
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


def relocate(*, session: Session, actor: User, lot_id: int, position: str, reason: str = "") -> Lot:
    """Move a lot to another store room or stack inside its facility (专仓专垛): audited, not a transfer, so no
    stock moves in the ledger and no approval is needed."""
    lot = scope.visible_lot(session, actor, lot_id)
    scope.require_enterprise_action(session, actor, "relocate", "lot", lot.enterprise_id)
    position = (position or "").strip()
    if not position:
        raise Invalid.field("position", _l("name the store room or stack"))
    if len(position) > Lot.__table__.c.position.type.length:
        raise Invalid.field("position", _l("at most %(count)s characters", count=Lot.__table__.c.position.type.length))
    if position == lot.position:
        raise Invalid.field("position", _l("the lot is already there"))
    before = lot.position
    lot.position = position
    session.add(lot)
    trail.record(session, actor=actor, action="lot.relocate", entity="lot", entity_id=lot.id, org_id=lot.enterprise_id,
                 before={"position": before}, after={"position": position, "reason": reason.strip()})
    return lot
