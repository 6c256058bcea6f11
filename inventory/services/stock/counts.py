"""Physical counts (盘点): books must agree with the floor (账实相符, §二(六)).

An enterprise opens a count for a facility, enters what it counted per lot (form or CSV), submits;
the book quantities are frozen at submission. A bureau approver of the materials concerned approves,
which posts one ``count_correction`` per differing lot. Differences beyond the tolerance leave a
``CountMismatch`` row for the alert scans.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlmodel import Session, select

from inventory import scope
from inventory.models import CountMismatch, Facility, Lot, Material, Organisation, StockCount, StockCountLine, User
from inventory.services.audit import trail
from inventory.services.stock import ledger
from inventory.services.workflows import engine
from inventory.core.vocab import RequestStatus, Role, WorkflowAction
from inventory.services.stock.flows import COUNT, require_counting_side
from inventory.core.errors import Conflict, Invalid, Text
from inventory.db import lock_row
from inventory.core import settings
from inventory.core.clock import utcnow



#: statuses of a count that keep its facility from being counted again
IN_PROGRESS = (RequestStatus.open, RequestStatus.submitted)


def _count(session: Session, actor: User, count_id: int) -> StockCount:
    return engine.visible_row(session, actor, COUNT, count_id)


def open_count(*, session: Session, actor: User, facility_code: str, note: str = "",
               bureau_code: str | None = None) -> StockCount:
    """One line per lot with stock, all of one bureau's materials, so that bureau's approver can decide it.

    A facility holding several bureaus' materials is counted per bureau (``bureau_code``); an inspector counts
    only the materials of its own bureau (issue 7: a count never locks stock nobody may decide).
    """
    facility = scope.visible_facility(session, actor, facility_code)
    scope.require_enterprise_action(session, actor, "open", "count", facility.enterprise_id)
    if actor.role == Role.inspector:
        own = session.get(Organisation, actor.org_id)
        if bureau_code and bureau_code != own.code:
            raise Invalid.field("bureau", _l("an inspector counts only the materials of its own bureau"))
        bureau_code = own.code
    # opening takes turns per facility: two opened at once would both post their corrections
    lock_row(session, Facility.__table__, facility.id)
    already = session.exec(select(StockCount.id).where(StockCount.facility_id == facility.id,
                                                       StockCount.status.in_(IN_PROGRESS))).first()
    if already:
        raise Conflict(_l("count %(count)s of this facility is still in progress", count=already),
                       code="count_in_progress")
    count = StockCount(facility_id=facility.id, enterprise_id=facility.enterprise_id, note=note, opened_by=actor.id)
    session.add(count)
    session.flush()
    lots_query = select(Lot.id).where(Lot.facility_id == facility.id, Lot.on_hand > 0)
    if not bureau_code:
        bureaus = sorted(session.exec(select(Organisation.code).join(Material, Material.bureau_id == Organisation.id)
                                      .join(Lot, Lot.material_id == Material.id)
                                      .where(Lot.facility_id == facility.id, Lot.on_hand > 0).distinct()))
        if len(bureaus) > 1:
            raise Invalid.field("bureau", _l("this facility holds materials of several bureaus (%(bureaus)s): "
                                             "count each bureau's separately", bureaus=", ".join(bureaus)))
    if bureau_code:
        bureau = session.exec(select(Organisation).where(Organisation.code == bureau_code,
                                                         Organisation.kind == "bureau")).first()
        if bureau is None:
            raise Invalid.field("bureau", _l("unknown bureau %(bureau)r", bureau=bureau_code))
        lots_query = lots_query.where(Lot.material_id.in_(select(Material.id).where(Material.bureau_id == bureau.id)))
    lot_ids = list(session.exec(lots_query.order_by(Lot.id)))
    if not lot_ids:
        raise Invalid.field("facility", _l("no stock to count here"))
    session.add_all([StockCountLine(count_id=count.id, lot_id=lot_id) for lot_id in lot_ids])
    trail.record(session, actor=actor, action="count.open", entity="count", entity_id=count.id,
                 org_id=facility.enterprise_id, after={"facility": facility.code})
    engine.opened(session, flow=COUNT, row=count, actor=actor, note=note)
    return count


@dataclass(frozen=True)
class LineView:
    line: StockCountLine
    lot: Lot
    book: Decimal
    difference: Decimal | None


def lines(*, session: Session, actor: User, count_id: int) -> tuple[StockCount, list[LineView]]:
    count = _count(session, actor, count_id)
    rows = session.exec(select(StockCountLine, Lot).join(Lot, Lot.id == StockCountLine.lot_id)
                        .where(StockCountLine.count_id == count.id).order_by(Lot.lot_code))
    views = []
    for line, lot in rows:
        book = line.book_at_submit if line.book_at_submit is not None else lot.on_hand
        difference = None if line.counted is None else line.counted - book
        views.append(LineView(line, lot, book, difference))
    return count, views


def record_counted(*, session: Session, actor: User, count_id: int, counted: dict[int, Decimal]) -> StockCount:
    """Counted quantities per lot id; all are checked before any is written."""
    count = _count(session, actor, count_id)
    scope.require(actor, "submit", "count")
    require_counting_side(session, actor, count)
    # the row lock makes entering and submitting take turns: the book freezes over the lines as entered
    lock_row(session, StockCount.__table__, count.id)
    session.refresh(count)
    if count.status != RequestStatus.open:
        raise Conflict(_l("the count is %(status)s", status=RequestStatus.label_of(count.status)), code="illegal_transition")
    by_lot = {line.lot_id: line for line in session.exec(select(StockCountLine).where(StockCountLine.count_id == count.id))}
    errors: dict[str, list[Text]] = {}
    clean: dict[int, Decimal] = {}
    for lot_id, value in counted.items():
        key = f"lot_{lot_id}"
        if lot_id not in by_lot:
            errors.setdefault(key, []).append(_l("this lot is not part of the count"))
            continue
        try:
            amount = ledger.quantity(value)
        except Invalid as exc:
            errors.setdefault(key, []).append(exc.message)
            continue
        if amount < 0:
            errors.setdefault(key, []).append(_l("a counted quantity cannot be negative"))
            continue
        clean[lot_id] = amount
    if errors:
        raise Invalid(_l("some counted quantities are not valid"), fields=errors)
    for lot_id, amount in clean.items():
        by_lot[lot_id].counted = amount
        session.add(by_lot[lot_id])
    trail.record(session, actor=actor, action="count.record", entity="count", entity_id=count.id,
                 org_id=count.enterprise_id, after={"counted": {str(k): str(v) for k, v in list(clean.items())[:500]},
                                                    "lines": len(clean)})
    return count


def counted_from_csv(*, session: Session, actor: User, count_id: int, text: str) -> dict[int, Decimal]:
    """Rows ``lot_code,counted``; errors name the row number. Writes nothing."""
    count = _count(session, actor, count_id)
    codes = dict(session.exec(select(Lot.lot_code, Lot.id).join(StockCountLine, StockCountLine.lot_id == Lot.id)
                              .where(StockCountLine.count_id == count.id)).all())
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"lot_code", "counted"} <= {f.strip() for f in reader.fieldnames}:
        raise Invalid.field("file", _l("the header must name the columns lot_code and counted"))
    errors: dict[str, list[Text]] = {}
    result: dict[int, Decimal] = {}
    for number, row in enumerate(reader, start=2):
        code = (row.get("lot_code") or "").strip()
        if code not in codes:
            errors.setdefault(f"row {number}", []).append(_l("lot %(code)r is not part of this count", code=code))
            continue
        if codes[code] in result:
            errors.setdefault(f"row {number}", []).append(_l("lot %(code)r appears twice in the file", code=code))
            continue
        try:
            amount = ledger.quantity((row.get("counted") or "").strip(), field="counted")
        except Invalid as exc:
            errors.setdefault(f"row {number}", []).append(exc.message)
            continue
        result[codes[code]] = amount
    if errors:
        raise Invalid(_l("the file has errors; nothing was recorded"), fields=errors)
    return result


def submit(*, session: Session, actor: User, count_id: int) -> StockCount:
    return engine.take(session, flow=COUNT, row_id=count_id, action=WorkflowAction.submit, actor=actor)


def _every_lot_counted(session: Session, actor: User, count: StockCount) -> list[LineView]:
    _, views = lines(session=session, actor=actor, count_id=count.id)
    missing = [v.lot.lot_code for v in views if v.line.counted is None]
    if missing:
        raise Invalid(_l("count every lot before submitting"), fields={"lots": [", ".join(missing)]})
    return views


@COUNT.on_enter(RequestStatus.submitted)
def _freeze_book(session: Session, actor: User, count: StockCount, _note: str) -> None:
    """The book is frozen at submission; differences beyond the tolerance are kept as mismatches."""
    views = _every_lot_counted(session, actor, count)
    tolerance_ratio = settings.count_tolerance()
    for view in views:
        view.line.book_at_submit = view.lot.on_hand
        view.line.difference = view.line.counted - view.lot.on_hand
        session.add(view.line)
        if abs(view.line.difference) > view.lot.on_hand * tolerance_ratio:
            session.add(CountMismatch(count_id=count.id, lot_id=view.lot.id, enterprise_id=count.enterprise_id,
                                      book=view.lot.on_hand, counted=view.line.counted,
                                      difference=view.line.difference))


def decide(*, session: Session, actor: User, count_id: int, action: str, note: str = "") -> StockCount:
    """A bureau's approve or reject; cancel (with its reason) goes to ``cancel``."""
    if action == WorkflowAction.cancel:
        return cancel(session=session, actor=actor, count_id=count_id, note=note)
    return engine.take(session, flow=COUNT, row_id=count_id, action=action, actor=actor, note=note)


def cancel(*, session: Session, actor: User, count_id: int, note: str) -> StockCount:
    """The enterprise manager, or whoever opened it, calls off a count in progress, with a reason."""
    if not note.strip():
        raise Invalid.field("note", _l("say why the count is cancelled"))
    return engine.take(session, flow=COUNT, row_id=count_id, action=WorkflowAction.cancel, actor=actor, note=note)


def _decide_mismatches(session: Session, count: StockCount, decision: str) -> None:
    """The evidence stays: the open mismatches of this round are marked with the decision, never deleted."""
    session.connection().execute(update(CountMismatch).where(CountMismatch.count_id == count.id,
                                                             CountMismatch.decision == "")
                                 .values(decision=decision, resolved_at=utcnow()))


def _line_rows(session: Session, count: StockCount) -> list[tuple[StockCountLine, Lot]]:
    return list(session.exec(select(StockCountLine, Lot).join(Lot, Lot.id == StockCountLine.lot_id)
                             .where(StockCountLine.count_id == count.id)))


@COUNT.on_enter(RequestStatus.approved)
def _correct_book(session: Session, actor: User, count: StockCount, _note: str) -> None:
    _decide_mismatches(session, count, RequestStatus.approved)
    for line, lot in _line_rows(session, count):
        if line.difference:
            ledger.post_movement(session=session, lot_id=lot.id, kind="count_correction", amount=line.difference,
                                 actor=actor, ref_type="stock_count", ref_id=count.id,
                                 note=f"count {count.id}: book {line.book_at_submit}, counted {line.counted}")


@COUNT.on_enter(RequestStatus.open)
def _reopen(session: Session, actor: User, count: StockCount, _note: str) -> None:
    """Rejected: counting starts again from the lines as entered; the frozen book is let go, the mismatches
    of the rejected round are kept, marked rejected."""
    for line, _ in _line_rows(session, count):
        line.book_at_submit, line.difference = None, None
        session.add(line)
    _decide_mismatches(session, count, RequestStatus.rejected)


@COUNT.on_enter(RequestStatus.cancelled)
def _called_off(session: Session, actor: User, count: StockCount, _note: str) -> None:
    _decide_mismatches(session, count, RequestStatus.cancelled)


def facility_of(session: Session, count: StockCount) -> Facility:
    return session.get(Facility, count.facility_id)


def mismatched_lots(*, session: Session, count: StockCount) -> set[int]:
    """The lots of the count's current round that differ beyond the tolerance (rejected rounds stay as evidence)."""
    decision = "" if count.status in IN_PROGRESS else count.status
    return set(session.exec(select(CountMismatch.lot_id).where(CountMismatch.count_id == count.id,
                                                               CountMismatch.decision == decision)))
