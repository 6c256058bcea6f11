"""The only code that changes a lot's quantity (DESIGN §3 'One way to change stock').

``post_movement`` moves ``on_hand`` with one conditional UPDATE (``… WHERE on_hand + :q >= 0``), so
concurrent issues can never oversell on SQLite or PostgreSQL: the UPDATE takes the row (PostgreSQL) or
database (SQLite) write lock, and the movement row and the hash-chain link are written before the
caller's commit releases it. Invariant: on_hand equals the sum of the lot's movements, never below 0.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, case, func, insert, or_, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from inventory.models import Lot, Movement, User
from inventory.core.vocab import LotStatus, MovementKind
from inventory.core.errors import Conflict, Invalid, NotFound
from inventory.core.clock import business_today, utcnow

QUANTUM = Decimal("0.001")


def quantity(value: Decimal | int | str, *, field: str = "quantity") -> Decimal:
    """A quantity with at most three decimals, as the NUMERIC(18,3) columns hold."""
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        raise Invalid.field(field, _l("not a number")) from None
    if not amount.is_finite():
        raise Invalid.field(field, _l("not a finite number"))
    if amount != amount.quantize(QUANTUM):
        raise Invalid.field(field, _l("at most 3 decimal places"))
    if abs(amount) >= Decimal("1e15"):
        raise Invalid.field(field, _l("too large"))
    return amount.quantize(QUANTUM)


def _check_sign(kind: str, amount: Decimal) -> None:
    if kind not in MovementKind.values():
        raise Invalid.field("kind", _l("unknown movement kind %(kind)r", kind=kind))
    if amount == 0:
        raise Invalid.field("quantity", _l("must not be zero"))
    if kind in MovementKind.inbound() and amount < 0:
        raise Invalid.field("quantity", _l("a %(kind)s adds stock: give a positive quantity", kind=kind))
    if kind in MovementKind.outbound() and amount > 0:
        raise Invalid.field("quantity", _l("a %(kind)s takes stock out: the ledger quantity is negative", kind=kind))


def chain_hash(prev_hash: str, *, lot_id: int, seq: int, kind: str, amount: Decimal, on_hand_after: Decimal,
               at: datetime, actor_id: int | None, ref_type: str | None, ref_id: int | None, note: str) -> str:
    at_text = at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")
    payload = "|".join([
        prev_hash, str(lot_id), str(seq), kind, f"{amount:.3f}", f"{on_hand_after:.3f}", at_text,
        str(actor_id or ""), ref_type or "", str(ref_id or ""), note,
    ])
    return hashlib.sha256(payload.encode()).hexdigest()


def post_movement(
    *, session: Session, lot_id: int, kind: str, amount: Decimal, actor: User | None,
    ref_type: str | None = None, ref_id: int | None = None, note: str = "", today: date | None = None,
) -> Movement:
    """Append one movement and move on_hand with it; the caller commits. ``amount`` is signed."""
    amount = quantity(amount)
    _check_sign(kind, amount)
    lots, movements = Lot.__table__, Movement.__table__
    guards = [lots.c.id == lot_id, lots.c.on_hand + amount >= 0]
    if kind in MovementKind.needs_available():
        guards += [lots.c.status == LotStatus.available, lots.c.expiry_date >= (today or business_today())]
    new_status = case(
        (lots.c.status.in_(LotStatus.automatic()),
         case((lots.c.on_hand + amount == 0, LotStatus.depleted.value), else_=LotStatus.available.value)),
        else_=lots.c.status,
    )
    # Core statements on the session's connection: the ORM's bulk-update bookkeeping doubled the cost
    connection = session.connection()
    row = connection.execute(
        update(lots).where(and_(*guards))
        .values(on_hand=lots.c.on_hand + amount, movement_count=lots.c.movement_count + 1, status=new_status)
        .returning(lots.c.on_hand, lots.c.movement_count, lots.c.last_hash, lots.c.status)
    ).first()
    if row is None:
        _explain_refusal(session, lot_id, kind, amount, today)
    on_hand_after, seq, prev_hash, status = Decimal(row[0]).quantize(QUANTUM), row[1], row[2], row[3]
    actor_id = actor.id if actor else None
    at = utcnow()
    digest = chain_hash(prev_hash, lot_id=lot_id, seq=seq, kind=kind, amount=amount, on_hand_after=on_hand_after,
                        at=at, actor_id=actor_id, ref_type=ref_type, ref_id=ref_id, note=note)
    values = dict(lot_id=lot_id, seq=seq, kind=kind, quantity=amount, on_hand_after=on_hand_after, at=at,
                  actor_id=actor_id, ref_type=ref_type, ref_id=ref_id, note=note, prev_hash=prev_hash, hash=digest)
    movement_id = connection.execute(insert(movements).values(**values).returning(movements.c.id)).scalar_one()
    connection.execute(update(lots).where(lots.c.id == lot_id).values(last_hash=digest))
    loaded = session.identity_map.get(session.identity_key(Lot, lot_id))
    if loaded is not None:
        for name, value in (("on_hand", on_hand_after), ("movement_count", seq), ("last_hash", digest),
                            ("status", status)):
            set_committed_value(loaded, name, value)
    return Movement(id=movement_id, **values)


def post_opening_receipts(*, session: Session, actor: User | None, receipts: list[tuple[int, Decimal, str]]) -> None:
    """The first movement of many new lots at once (imports). ``movement_count = 0`` in the WHERE makes it
    the opening receipt or nothing, so no lock is needed to know the chain starts empty."""
    lots, movements = Lot.__table__, Movement.__table__
    actor_id = actor.id if actor else None
    at = utcnow()
    openings, rows = [], []
    for lot_id, amount, note in receipts:
        amount = quantity(amount)
        _check_sign("receipt", amount)
        digest = chain_hash("", lot_id=lot_id, seq=1, kind="receipt", amount=amount, on_hand_after=amount, at=at,
                            actor_id=actor_id, ref_type="lot", ref_id=lot_id, note=note)
        openings.append({"lot": lot_id, "amount": amount, "digest": digest})
        rows.append(dict(lot_id=lot_id, seq=1, kind="receipt", quantity=amount, on_hand_after=amount, at=at,
                         actor_id=actor_id, ref_type="lot", ref_id=lot_id, note=note, prev_hash="", hash=digest))
    connection = session.connection()
    updated = connection.execute(
        update(lots).where(lots.c.id == bindparam("lot"), lots.c.movement_count == 0)
        .values(on_hand=bindparam("amount", type_=lots.c.on_hand.type), movement_count=1, status="available",
                last_hash=bindparam("digest")),
        openings,
    ).rowcount
    if updated != len(openings):
        raise Conflict(_l("a lot already had movements; nothing was received"), code="conflict")
    connection.execute(insert(movements), rows)


def _explain_refusal(session: Session, lot_id: int, kind: str, amount: Decimal, today: date | None) -> None:
    lot = session.exec(select(Lot).where(Lot.id == lot_id).execution_options(populate_existing=True)).first()
    if lot is None:
        raise NotFound(_l("lot not found"))
    if kind in MovementKind.needs_available() and lot.status not in LotStatus.automatic():
        raise Conflict(_l("the lot is %(status)s and cannot be taken out by %(kind)s",
                          status=LotStatus.label_of(lot.status), kind=MovementKind.label_of(kind)),
                       code="lot_not_available")
    if kind in MovementKind.needs_available() and lot.expiry_date < (today or business_today()):
        raise Conflict(_l("the lot is past its expiry date"), code="lot_expired")
    raise Conflict(_l("only %(on_hand)s on hand; %(requested)s requested", on_hand=lot.on_hand, requested=-amount),
                   code="insufficient_stock")


@dataclass(frozen=True)
class Discrepancy:
    lot_id: int
    problem: str


def verify(*, session: Session, batch: int = 5000) -> list[Discrepancy]:
    """Recompute every lot's on-hand and hash chain from its movements; report each difference."""
    problems: list[Discrepancy] = []
    sums = (
        select(Movement.lot_id, func.coalesce(func.sum(Movement.quantity), 0).label("total"),
               func.count().label("n"))
        .group_by(Movement.lot_id).subquery()
    )
    mismatched = session.execute(
        select(Lot.id, Lot.on_hand, sums.c.total, Lot.movement_count, sums.c.n)
        .outerjoin(sums, sums.c.lot_id == Lot.id)
        .where(or_(Lot.on_hand != func.coalesce(sums.c.total, 0), Lot.movement_count != func.coalesce(sums.c.n, 0),
                   Lot.on_hand < 0))
    )
    for lot_id, on_hand, total, count, n in mismatched:
        problems.append(Discrepancy(lot_id, f"on_hand {on_hand} / {count} movements, ledger sum {total or 0} / {n or 0}"))
    problems += _verify_chains(session, batch)
    return problems


def _movements_in_order(session: Session, batch: int) -> Iterator[Movement]:
    result = session.exec(select(Movement).order_by(Movement.lot_id, Movement.seq).execution_options(yield_per=batch))
    yield from result


def _verify_chains(session: Session, batch: int) -> list[Discrepancy]:
    problems: list[Discrepancy] = []
    last_hash = dict(session.execute(select(Lot.id, Lot.last_hash)).all())
    current, prev_hash, running, expected_seq, broken = None, "", Decimal(0), 1, False

    def close(lot_id: int | None) -> None:
        if lot_id is not None and not broken and last_hash.get(lot_id, "") != prev_hash:
            problems.append(Discrepancy(lot_id, "the lot's last hash does not match its ledger"))

    for m in _movements_in_order(session, batch):
        if m.lot_id != current:
            close(current)
            current, prev_hash, running, expected_seq, broken = m.lot_id, "", Decimal(0), 1, False
        if broken:
            continue
        running += m.quantity
        recomputed = chain_hash(prev_hash, lot_id=m.lot_id, seq=m.seq, kind=m.kind, amount=m.quantity,
                                on_hand_after=m.on_hand_after, at=m.at, actor_id=m.actor_id, ref_type=m.ref_type,
                                ref_id=m.ref_id, note=m.note)
        if m.seq != expected_seq or m.prev_hash != prev_hash or m.hash != recomputed or m.on_hand_after != running:
            problems.append(Discrepancy(m.lot_id, f"movement {m.id} (seq {m.seq}) breaks the chain"))
            broken = True
            continue
        prev_hash, expected_seq = m.hash, expected_seq + 1
    close(current)
    return problems
