"""The only code that changes a lot's quantity (DESIGN §3 'One way to change stock').

``post_movement`` moves ``on_hand`` with one conditional UPDATE (``… WHERE on_hand + :q >= 0``), so
concurrent issues can never oversell on SQLite or PostgreSQL: the UPDATE takes the row (PostgreSQL) or
database (SQLite) write lock, and the movement row and the hash-chain link are written before the
caller's commit releases it. Invariant: on_hand equals the sum of the lot's movements, never below 0.
"""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, case, func, insert, or_, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from inventory.core.quantities import quantity_text
from inventory.models import AuditEvent, Lot, Material, Movement, User
from inventory.services.audit import trail
from inventory.services.stock import ledger_keys
from inventory.core.vocab import LotStatus, MovementKind
from inventory.core.errors import Conflict, Invalid, NotFound
from inventory.core.clock import business_today, utcnow

QUANTUM = Decimal("0.001")
#: NUMERIC(18,3) holds less than this: a quantity, and what a lot holds after a movement, stay below it
LARGEST = Decimal("1e15")


def quantity(value: Decimal | int | str, *, field: str = "quantity") -> Decimal:
    """A quantity with at most three decimals, as the NUMERIC(18,3) columns hold.

    Bounded before it is rounded: rounding ``1e30`` to thousandths overflows the decimal context.
    """
    try:
        amount = Decimal(str(value))
    except (ArithmeticError, ValueError):  # ValueError: an int past Python's digit limit
        raise Invalid.field(field, _l("not a number")) from None
    if not amount.is_finite():
        raise Invalid.field(field, _l("not a finite number"))
    if abs(amount) >= LARGEST:
        raise Invalid.field(field, _l("too large"))
    try:
        rounded = amount.quantize(QUANTUM)
    except ArithmeticError:  # an exponent beyond the context, e.g. 1e-999999999999
        raise Invalid.field(field, _l("at most 3 decimal places")) from None
    if amount != rounded:
        raise Invalid.field(field, _l("at most 3 decimal places"))
    return rounded


def _check_sign(kind: str, amount: Decimal) -> None:
    if kind not in MovementKind.values():
        raise Invalid.field("kind", _l("unknown movement kind %(kind)r", kind=kind))
    if amount == 0:
        raise Invalid.field("quantity", _l("must not be zero"))
    if kind in MovementKind.inbound() and amount < 0:
        raise Invalid.field("quantity", _l("a %(kind)s adds stock: give a positive quantity", kind=kind))
    if kind in MovementKind.outbound() and amount > 0:
        raise Invalid.field("quantity", _l("a %(kind)s takes stock out: the ledger quantity is negative", kind=kind))


def chain_hash(prev_hash: str, *, key: bytes, lot_id: int, material_id: int, facility_id: int, seq: int, kind: str,
               amount: Decimal, on_hand_after: Decimal, at: datetime, actor_id: int | None, ref_type: str | None,
               ref_id: int | None, note: str) -> str:
    """HMAC-SHA256 of the movement, of what the lot is and where it is kept, and of the previous link, keyed
    by a secret kept outside the database (so a swapped variety or place breaks the chain too)."""
    at_text = at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")
    payload = "|".join([
        prev_hash, str(lot_id), str(material_id), str(facility_id), str(seq), kind, f"{amount:.3f}",
        f"{on_hand_after:.3f}", at_text, str(actor_id or ""), ref_type or "", str(ref_id or ""), note,
    ])
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def _audit_rows(connection, rows: list[dict], enterprise: dict[int, int], actor_id: int | None) -> None:
    """One audit event per movement, written with it: ``verify`` holds the two against each other."""
    info = trail.current_request.get()
    connection.execute(insert(AuditEvent.__table__), [dict(
        at=row["at"], actor_id=actor_id, org_id=enterprise.get(row["lot_id"]), action="movement.post",
        entity="movement", entity_id=str(row["id"]), before=None,
        after={"lot_id": row["lot_id"], "seq": row["seq"], "kind": row["kind"], "quantity": f"{row['quantity']:.3f}"},
        request_id=info.request_id, ip=info.ip) for row in rows])


def post_movement(
    *, session: Session, lot_id: int, kind: str, amount: Decimal, actor: User | None,
    ref_type: str | None = None, ref_id: int | None = None, note: str = "", today: date | None = None,
) -> Movement:
    """Append one movement and move on_hand with it; the caller commits. ``amount`` is signed."""
    amount = quantity(amount)
    _check_sign(kind, amount)
    lots, movements = Lot.__table__, Movement.__table__
    guards = [lots.c.id == lot_id, lots.c.on_hand + amount >= 0, lots.c.on_hand + amount < LARGEST]
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
        .returning(lots.c.on_hand, lots.c.movement_count, lots.c.last_hash, lots.c.status, lots.c.enterprise_id,
                   lots.c.material_id, lots.c.facility_id)
    ).first()
    if row is None:
        _explain_refusal(session, lot_id, kind, amount, today)
    on_hand_after, seq, prev_hash, status = Decimal(row[0]).quantize(QUANTUM), row[1], row[2], row[3]
    actor_id = actor.id if actor else None
    at = utcnow()
    key_id, key = ledger_keys.signing_key()
    digest = chain_hash(prev_hash, key=key, lot_id=lot_id, material_id=row[5], facility_id=row[6], seq=seq, kind=kind,
                        amount=amount, on_hand_after=on_hand_after, at=at, actor_id=actor_id, ref_type=ref_type,
                        ref_id=ref_id, note=note)
    values = dict(lot_id=lot_id, seq=seq, kind=kind, quantity=amount, on_hand_after=on_hand_after, at=at,
                  actor_id=actor_id, ref_type=ref_type, ref_id=ref_id, note=note, prev_hash=prev_hash, hash=digest,
                  key_id=key_id)
    movement_id = connection.execute(insert(movements).values(**values).returning(movements.c.id)).scalar_one()
    connection.execute(update(lots).where(lots.c.id == lot_id).values(last_hash=digest))
    _audit_rows(connection, [{**values, "id": movement_id}], {lot_id: row[4]}, actor_id)
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
    key_id, key = ledger_keys.signing_key()
    where = {lot_id: (material_id, facility_id) for lot_id, material_id, facility_id in session.connection().execute(
        select(lots.c.id, lots.c.material_id, lots.c.facility_id).where(lots.c.id.in_([r[0] for r in receipts])))}
    openings, rows = [], []
    for lot_id, amount, note in receipts:
        amount = quantity(amount)
        _check_sign("receipt", amount)
        material_id, facility_id = where[lot_id]
        digest = chain_hash("", key=key, lot_id=lot_id, material_id=material_id, facility_id=facility_id, seq=1,
                            kind="receipt", amount=amount, on_hand_after=amount, at=at, actor_id=actor_id,
                            ref_type="lot", ref_id=lot_id, note=note)
        openings.append({"lot": lot_id, "amount": amount, "digest": digest})
        rows.append(dict(lot_id=lot_id, seq=1, kind="receipt", quantity=amount, on_hand_after=amount, at=at,
                         actor_id=actor_id, ref_type="lot", ref_id=lot_id, note=note, prev_hash="", hash=digest,
                         key_id=key_id))
    connection = session.connection()
    updated = connection.execute(
        update(lots).where(lots.c.id == bindparam("lot"), lots.c.movement_count == 0)
        .values(on_hand=bindparam("amount", type_=lots.c.on_hand.type), movement_count=1, status="available",
                last_hash=bindparam("digest")),
        openings,
    ).rowcount
    if updated != len(openings):
        raise Conflict(_l("a lot already had movements; nothing was received"), code="conflict")
    ids = connection.execute(insert(movements).returning(movements.c.id, sort_by_parameter_order=True),
                             rows).scalars().all()
    enterprise = dict(connection.execute(select(lots.c.id, lots.c.enterprise_id)
                                         .where(lots.c.id.in_([row["lot_id"] for row in rows]))).all())
    _audit_rows(connection, [{**row, "id": movement_id} for row, movement_id in zip(rows, ids)], enterprise, actor_id)


def require_available(lot: Lot, kind: str) -> None:
    """409 ``lot_not_available`` when the movement takes stock out for use and the lot is held, quarantined or
    otherwise not available: the ledger's refusal, also asked early by requests that would end in such a movement
    (a transfer request), so they are refused with the same answer and nothing written."""
    if kind in MovementKind.needs_available() and lot.status not in LotStatus.automatic():
        raise Conflict(_l("the lot is %(status)s and cannot be taken out by %(kind)s",
                          status=LotStatus.label_of(lot.status), kind=MovementKind.label_of(kind)),
                       code="lot_not_available")


def _explain_refusal(session: Session, lot_id: int, kind: str, amount: Decimal, today: date | None) -> None:
    lot = session.exec(select(Lot).where(Lot.id == lot_id).execution_options(populate_existing=True)).first()
    if lot is None:
        raise NotFound(_l("lot not found"))
    require_available(lot, kind)
    if lot.on_hand + amount >= LARGEST:
        raise Conflict(_l("the lot would hold more than the ledger can record"), code="too_large")
    if kind in MovementKind.needs_available() and lot.expiry_date < (today or business_today()):
        raise Conflict(_l("the lot is past its expiry date"), code="lot_expired")
    unit = session.get(Material, lot.material_id).unit
    raise Conflict(_l("only %(on_hand)s %(unit)s on hand; %(requested)s %(unit)s requested",
                      on_hand=quantity_text(lot.on_hand), requested=quantity_text(-amount), unit=unit),
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
    problems += _verify_audit(session)
    return problems


def _verify_audit(session: Session) -> list[Discrepancy]:
    """Every movement against the audit event written with it: a rewritten movement (or event) shows."""
    events = {int(entity_id): after for entity_id, after in session.execute(
        select(AuditEvent.entity_id, AuditEvent.after).where(AuditEvent.entity == "movement",
                                                             AuditEvent.action == "movement.post"))}
    problems = []
    for movement_id, lot_id, seq, kind, amount in session.execute(
            select(Movement.id, Movement.lot_id, Movement.seq, Movement.kind, Movement.quantity)):
        expected = {"lot_id": lot_id, "seq": seq, "kind": kind, "quantity": f"{amount:.3f}"}
        if events.pop(movement_id, None) != expected:
            problems.append(Discrepancy(lot_id, f"movement {movement_id} differs from its audit event"))
    for movement_id, after in events.items():  # what is left was audited but is no longer in the ledger
        problems.append(Discrepancy((after or {}).get("lot_id", 0), f"movement {movement_id} was deleted"))
    return problems


def _movements_in_order(session: Session, batch: int) -> Iterator[tuple[Movement, int, int]]:
    """Each movement with its lot's material and facility, which the chain covers."""
    result = session.execute(select(Movement, Lot.material_id, Lot.facility_id).join(Lot, Lot.id == Movement.lot_id)
                             .order_by(Movement.lot_id, Movement.seq).execution_options(yield_per=batch))
    yield from result


def _verify_chains(session: Session, batch: int) -> list[Discrepancy]:
    problems: list[Discrepancy] = []
    last_hash = dict(session.execute(select(Lot.id, Lot.last_hash)).all())
    current, prev_hash, running, expected_seq, broken = None, "", Decimal(0), 1, False

    def close(lot_id: int | None) -> None:
        if lot_id is not None and not broken and last_hash.get(lot_id, "") != prev_hash:
            problems.append(Discrepancy(lot_id, "the lot's last hash does not match its ledger"))

    for m, material_id, facility_id in _movements_in_order(session, batch):
        if m.lot_id != current:
            close(current)
            current, prev_hash, running, expected_seq, broken = m.lot_id, "", Decimal(0), 1, False
        if broken:
            continue
        running += m.quantity
        try:
            key = ledger_keys.key(m.key_id)
        except ledger_keys.UnknownKey:
            problems.append(Discrepancy(m.lot_id, f"movement {m.id} is signed by an unknown key {m.key_id!r}"))
            broken = True
            continue
        recomputed = chain_hash(prev_hash, key=key, lot_id=m.lot_id, material_id=material_id, facility_id=facility_id,
                                seq=m.seq, kind=m.kind, amount=m.quantity, on_hand_after=m.on_hand_after, at=m.at,
                                actor_id=m.actor_id, ref_type=m.ref_type, ref_id=m.ref_id, note=m.note)
        if m.seq != expected_seq or m.prev_hash != prev_hash or m.hash != recomputed or m.on_hand_after != running:
            problems.append(Discrepancy(m.lot_id, f"movement {m.id} (seq {m.seq}) breaks the chain"))
            broken = True
            continue
        prev_hash, expected_seq = m.hash, expected_seq + 1
    close(current)
    return problems
