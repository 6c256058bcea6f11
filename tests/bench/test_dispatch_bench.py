"""What a dispatch costs to allocate when many instructions are open (docs/domain-rules.md, dispatch).

Approval and the allocation preview read, per candidate lot, what open release instructions still hold of it:
their proposed quantities less what each already took (kept on the instruction's lot link by each execution).
Over 500 wheat lots, 2,000 open instructions and 100,000 instruction movements, the FEFO proposal and the
free-stock read are timed against the bare statement that returns the same lots without the holds, same run.
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import insert, select, text, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from inventory import create_app
from inventory.core.clock import business_today, utcnow
from inventory.models import Dispatch, DispatchLine, Facility, Instruction, InstructionLot, Lot, Material, Movement, User
from inventory.services.stock import holds
from inventory.services.workflows.dispatch_allocation import propose
from tests.bench.conftest import BENCH_URL
from tests.bench.report import median_ms, table

pytestmark = pytest.mark.timeout(900)

LOTS, INSTRUCTIONS, MOVEMENTS_EACH, RUNS = 500, 2_000, 50, 7
#: the holds are one grouped read of the open instructions' lot links: a few bare reads, not more
TARGET = 10.0


def _seed(engine: Engine) -> tuple[list[int], int]:
    today = business_today()
    with Session(engine) as session:
        wheat = session.execute(select(Material.id).where(Material.code == "WHEAT")).scalar_one()
        facility = session.execute(select(Facility).where(Facility.code == "GR-01")).scalar_one()
        enterprise, clerk = facility.enterprise_id, session.execute(
            select(User.id).where(User.username == "clerk")).scalar_one()
        lots = session.execute(insert(Lot).returning(Lot.id), [dict(
            lot_code=f"BENCH-{n:04d}", material_id=wheat, facility_id=facility.id, enterprise_id=enterprise,
            expiry_date=today + timedelta(days=100 + n), received_on=today, quality_grade="",
            inspection_result="passed", quantity_received=Decimal(1_000_000), on_hand=Decimal(1_000_000),
            status="available", movement_count=MOVEMENTS_EACH * INSTRUCTIONS // LOTS, last_hash="",
            created_at=utcnow()) for n in range(LOTS)]).scalars().all()
        instructions = session.execute(insert(Instruction).returning(Instruction.id), [dict(
            code=f"IN-BENCH-{n:05d}", kind="release", status="acknowledged", enterprise_id=enterprise,
            material_id=wheat, quantity=Decimal(1000), executed=Decimal(MOVEMENTS_EACH), deadline=today,
            reason="bench", issued_by=clerk, issuing_org_id=enterprise, created_at=utcnow(), refusal_reason="",
            cancel_note="", late=False) for n in range(INSTRUCTIONS)]).scalars().all()
        session.execute(insert(InstructionLot), [dict(instruction_id=i, lot_id=lots[n % LOTS], proposed=Decimal(1000),
                                                      taken=Decimal(MOVEMENTS_EACH))
                                                 for n, i in enumerate(instructions)])
        seq = {lot: 0 for lot in lots}
        rows = []
        for n, instruction in enumerate(instructions):
            lot = lots[n % LOTS]
            for _ in range(MOVEMENTS_EACH):
                seq[lot] += 1
                rows.append(dict(lot_id=lot, seq=seq[lot], kind="dispatch", quantity=Decimal(-1),
                                 on_hand_after=Decimal(0), at=utcnow(), actor_id=clerk, ref_type="instruction",
                                 ref_id=instruction, note="", prev_hash="", hash="bench", key_id="bench"))
        session.execute(insert(Movement), rows)
        plan = session.execute(insert(Dispatch).returning(Dispatch.id).values(
            code="DP-BENCH", status="cosigned", drafted_by=clerk, drafting_org_id=enterprise,
            created_at=utcnow())).scalar_one()
        session.execute(insert(DispatchLine).values(dispatch_id=plan, material_id=wheat, quantity=Decimal(300),
                                                    unit_price=Decimal(2800)))
        session.execute(update(Facility).where(Facility.id == facility.id).values(capacity=None))
        session.commit()
        session.execute(text("ANALYZE"))
    return lots, plan


def test_allocation_with_many_open_instructions(bench_db: Engine) -> None:
    lot_ids, plan_id = _seed(bench_db)
    app = create_app({"SQLALCHEMY_DATABASE_URI": BENCH_URL})
    bare_sql = text("SELECT id, on_hand FROM lot WHERE id = ANY(:ids)")
    fefo_sql = text("SELECT * FROM lot WHERE material_id = (SELECT id FROM material WHERE code = 'WHEAT') "
                    "AND status = 'available' AND on_hand > 0 AND expiry_date >= CURRENT_DATE "
                    "ORDER BY expiry_date, id LIMIT 500")
    with app.test_request_context(), Session(bench_db) as session:
        lots = list(session.exec(select(Lot).where(Lot.id.in_(lot_ids))).scalars())
        dispatch = session.get(Dispatch, plan_id)
        free = holds.free(session, lots)
        # each lot's 4 instructions hold 1,000 each less the 50 each took: 3,800 of its million
        assert set(free.values()) == {Decimal(1_000_000 - 4 * (1000 - MOVEMENTS_EACH))}
        timings = {
            "bare lots by id": median_ms(lambda: session.execute(bare_sql, {"ids": lot_ids}).all(), RUNS),
            "holds.free (holds of open instructions)": median_ms(lambda: holds.free(session, lots), RUNS),
            "bare FEFO select (500 lots)": median_ms(lambda: session.execute(fefo_sql).all(), RUNS),
            "propose (FEFO with holds, storage class)": median_ms(lambda: propose(session, dispatch), RUNS),
        }
    free_ratio = timings["holds.free (holds of open instructions)"] / timings["bare lots by id"]
    propose_ratio = timings["propose (FEFO with holds, storage class)"] / timings["bare FEFO select (500 lots)"]
    print(table(f"Allocation over {LOTS} lots, {INSTRUCTIONS} open instructions, "
                f"{INSTRUCTIONS * MOVEMENTS_EACH} instruction movements (median of {RUNS})",
                ["statement", "ms"], [*timings.items(), ["ratio holds.free / bare", free_ratio],
                                      ["ratio propose / bare FEFO", propose_ratio]]))
    assert free_ratio < TARGET and propose_ratio < TARGET, "reading the holds grew past a few bare reads"
