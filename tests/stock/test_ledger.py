"""The ledger invariant (DESIGN §3): on_hand equals the sum of the lot's movements and is never below
zero; the hash chain makes tampering visible to ``flask ledger verify``."""
from __future__ import annotations

import hashlib
from datetime import timezone

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, text
from sqlmodel import select

from inventory.models import Lot, Movement
from inventory.services.stock import ledger
from inventory.services.stock import lots
from inventory.core.errors import Conflict, Invalid
from inventory.core.clock import business_today
from tests.helpers import user_named
from inventory.core.vocab import MovementKind
from tests.helpers import receive

STEP = st.tuples(
    st.sampled_from(["receipt", "issue", "adjustment", "scrap", "count_correction", "dispatch"]),
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal("60"), places=3),
    st.booleans(),
)


def signed(kind: str, amount: Decimal, negative: bool) -> Decimal:
    if kind in MovementKind.inbound():
        return amount
    if kind in MovementKind.outbound():
        return -amount
    return -amount if negative else amount


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, min_size=1, max_size=25))
def test_on_hand_equals_ledger_sum_and_never_goes_negative(db, steps):
    clerk = user_named(db, "clerk")
    lot = receive(db, quantity="50")
    expected = Decimal("50.000")
    for kind, amount, negative in steps:
        change = signed(kind, amount, negative)
        try:
            ledger.post_movement(session=db, lot_id=lot.id, kind=kind, amount=change, actor=clerk)
            db.commit()
            expected += change
        except Conflict as exc:
            db.rollback()
            assert exc.code == "insufficient_stock"
            assert expected + change < 0
        db.refresh(lot)
        assert lot.on_hand == expected >= 0
        total = db.exec(select(func.sum(Movement.quantity)).where(Movement.lot_id == lot.id)).one()
        assert total == lot.on_hand
    assert ledger.verify(session=db) == []


def test_every_movement_links_to_the_previous_one(db):
    lot = receive(db, quantity="10")
    clerk = user_named(db, "clerk")
    for _ in range(3):
        ledger.post_movement(session=db, lot_id=lot.id, kind="issue", amount=Decimal("-1"), actor=clerk)
    db.commit()
    chain = db.exec(select(Movement).where(Movement.lot_id == lot.id).order_by(Movement.seq)).all()
    assert [m.seq for m in chain] == [1, 2, 3, 4]
    assert chain[0].prev_hash == ""
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(chain, chain[1:]))
    db.refresh(lot)
    assert lot.last_hash == chain[-1].hash


def test_verify_finds_an_edited_movement(app, db):
    lot = receive(db, quantity="10")
    db.execute(text("UPDATE movement SET note = 'edited' WHERE lot_id = :id"), {"id": lot.id})
    db.commit()
    problems = ledger.verify(session=db)
    assert [p.lot_id for p in problems] == [lot.id]
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code != 0 and f"lot {lot.id}" in result.output


def _plain_sha256_chain(db, lot_id: int) -> None:
    """What an attacker with database access can do: rewrite a quantity and recompute every link the old way."""
    previous = ""
    for m in db.exec(select(Movement).where(Movement.lot_id == lot_id).order_by(Movement.seq)).all():
        at = m.at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")
        payload = "|".join([previous, str(m.lot_id), str(m.seq), m.kind, f"{m.quantity:.3f}", f"{m.on_hand_after:.3f}",
                            at, str(m.actor_id or ""), m.ref_type or "", str(m.ref_id or ""), m.note])
        m.prev_hash, m.hash = previous, hashlib.sha256(payload.encode()).hexdigest()
        previous = m.hash
        db.add(m)
    db.execute(text("UPDATE lot SET last_hash = :h WHERE id = :id"), {"h": previous, "id": lot_id})
    db.commit()


def test_a_rewritten_chain_without_the_key_is_found(db):
    """Issue 7 item 17: recomputing the links after an edit no longer passes: they are keyed with a secret."""
    lot = receive(db, quantity="10")
    db.execute(text("UPDATE movement SET note = 'edited' WHERE lot_id = :id"), {"id": lot.id})
    db.commit()
    _plain_sha256_chain(db, lot.id)
    assert [p.lot_id for p in ledger.verify(session=db)] == [lot.id]


def test_a_movement_that_differs_from_its_audit_event_is_found(db):
    lot = receive(db, quantity="10")
    db.execute(text("UPDATE audit_event SET after = :a WHERE entity = 'movement' AND entity_id = "
                    "(SELECT CAST(MAX(id) AS VARCHAR(64)) FROM movement WHERE lot_id = :id)"),
               {"a": '{"lot_id": 0}', "id": lot.id})
    db.commit()
    problems = ledger.verify(session=db)
    assert [p.lot_id for p in problems] == [lot.id] and "audit event" in problems[0].problem


def test_verify_finds_an_on_hand_that_disagrees_with_the_ledger(app, db):
    lot = receive(db, quantity="10")
    db.execute(text("UPDATE lot SET on_hand = on_hand + 1 WHERE id = :id"), {"id": lot.id})
    db.commit()
    assert [p.lot_id for p in ledger.verify(session=db)] == [lot.id]


def test_verify_passes_on_the_demo_city(app):
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output


def test_a_lot_becomes_depleted_at_zero_and_available_again(db):
    lot = receive(db, quantity="5")
    clerk = user_named(db, "clerk")
    ledger.post_movement(session=db, lot_id=lot.id, kind="issue", amount=Decimal("-5"), actor=clerk)
    db.commit()
    db.refresh(lot)
    assert (lot.on_hand, lot.status) == (Decimal("0.000"), "depleted")
    ledger.post_movement(session=db, lot_id=lot.id, kind="adjustment", amount=Decimal("1"), actor=clerk, note="found")
    db.commit()
    db.refresh(lot)
    assert lot.status == "available"


@pytest.mark.parametrize("status", ["quality_hold", "quarantined"])
def test_held_stock_cannot_be_issued_but_can_be_scrapped(db, status):
    lot = receive(db, quantity="5")
    lots.set_hold(session=db, actor=user_named(db, "manager"), lot_id=lot.id, status=status, reason="inspection")
    db.commit()
    with pytest.raises(Conflict) as refused:
        ledger.post_movement(session=db, lot_id=lot.id, kind="issue", amount=Decimal("-1"), actor=None)
    assert refused.value.code == "lot_not_available"
    db.rollback()
    ledger.post_movement(session=db, lot_id=lot.id, kind="scrap", amount=Decimal("-1"), actor=None)
    db.commit()
    db.refresh(lot)
    assert lot.on_hand == Decimal("4.000") and lot.status == status


def test_expired_stock_cannot_be_issued(db):
    lot = receive(db, quantity="5", expiry=business_today() + timedelta(days=3))
    with pytest.raises(Conflict) as refused:
        ledger.post_movement(session=db, lot_id=lot.id, kind="issue", amount=Decimal("-1"), actor=None,
                             today=business_today() + timedelta(days=4))
    assert refused.value.code == "lot_expired"


@pytest.mark.parametrize("kind,amount", [("receipt", "-1"), ("issue", "1"), ("scrap", "2"), ("adjustment", "0"),
                                         ("teleport", "1"), ("issue", "-0.0001"), ("issue", "NaN")])
def test_wrong_signs_kinds_and_precision_are_refused(db, kind, amount):
    lot = receive(db, quantity="5")
    with pytest.raises(Invalid):
        ledger.post_movement(session=db, lot_id=lot.id, kind=kind, amount=Decimal(amount), actor=None)
    db.rollback()
    assert db.exec(select(func.count()).select_from(Movement).where(Movement.lot_id == lot.id)).one() == 1


def test_quantities_are_exact_decimals_on_every_database(db):
    lot = receive(db, quantity="0.3")
    for part in ("0.1", "0.2"):
        ledger.post_movement(session=db, lot_id=lot.id, kind="issue", amount=-Decimal(part), actor=None)
        db.commit()
    db.refresh(lot)
    assert lot.on_hand == Decimal("0") and lot.status == "depleted"
    assert db.get(Lot, lot.id).on_hand == Decimal("0.000")


def test_opening_receipts_refuse_a_lot_that_already_has_movements(db):
    lot = receive(db, quantity="5")
    with pytest.raises(Conflict):
        ledger.post_opening_receipts(session=db, actor=None, receipts=[(lot.id, Decimal("1"), "")])
    db.rollback()
    db.refresh(lot)
    assert lot.on_hand == Decimal("5.000") and lot.movement_count == 1


def test_a_rotated_key_signs_new_movements_and_old_ones_still_verify(app, db, tmp_path, monkeypatch):
    from inventory.services.stock import ledger_keys

    monkeypatch.setenv("LEDGER_KEYS_FILE", str(tmp_path / "keys.json"))
    ledger_keys._keyring.cache_clear()
    try:
        before = receive(db, quantity="10")
        first = db.exec(select(Movement).where(Movement.lot_id == before.id)).one().key_id
        result = app.test_cli_runner().invoke(args=["ledger", "rotate-key"])
        assert result.exit_code == 0 and "k2" in result.output
        after = receive(db, quantity="10")
        second = db.exec(select(Movement).where(Movement.lot_id == after.id)).one().key_id
        assert first.startswith("k1-") and second.startswith("k2-")
        problems = [p for p in ledger.verify(session=db) if p.lot_id in {before.id, after.id}]
        assert problems == []
    finally:
        ledger_keys._keyring.cache_clear()



def test_a_swapped_variety_or_a_deleted_movement_is_found(db):
    """The chain covers what the lot is and where it is kept; an audited movement that is gone is reported."""
    swapped, deleted = receive(db, quantity="10"), receive(db, quantity="10")
    ledger.post_movement(session=db, lot_id=deleted.id, kind="issue", amount=Decimal("-1"),
                         actor=user_named(db, "clerk"))
    db.commit()
    rice = db.exec(select(Lot.material_id).where(Lot.lot_code == "RI-2024-007")).one()
    db.execute(text("UPDATE lot SET material_id = :m WHERE id = :id"), {"m": rice, "id": swapped.id})
    last = db.exec(select(Movement).where(Movement.lot_id == deleted.id, Movement.seq == 2)).one()
    db.execute(text("DELETE FROM movement WHERE id = :id"), {"id": last.id})
    db.execute(text("UPDATE lot SET on_hand = :q, movement_count = 1, last_hash = :h WHERE id = :id"),
               {"q": 10000 if db.get_bind().dialect.name == "sqlite" else 10, "h": last.prev_hash, "id": deleted.id})
    db.commit()
    problems = ledger.verify(session=db)
    assert {p.lot_id for p in problems} == {swapped.id, deleted.id}
    assert any("deleted" in p.problem for p in problems)


def test_a_key_made_elsewhere_under_the_same_name_is_told_apart(db, tmp_path, monkeypatch):
    from inventory.services.stock import ledger_keys

    lot = receive(db, quantity="10")
    monkeypatch.setenv("LEDGER_KEYS_FILE", str(tmp_path / "other-machine.json"))
    ledger_keys._keyring.cache_clear()
    try:
        problems = [p for p in ledger.verify(session=db) if p.lot_id == lot.id]
        assert problems and "unknown key" in problems[0].problem
    finally:
        ledger_keys._keyring.cache_clear()
