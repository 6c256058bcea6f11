"""The demo city's storage contracts and selections (§二(五)): the grain bureau with the city grain depot and the
Bazhou grain-and-oil depot, the commerce bureau with the cold-chain company — active, selected by tender or review —
and the grain depot's following contract, signed by the grain bureau, that waits for its manager. The commerce bureau
and the Bazhou depot get the people who sign for them."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import Session, select

from inventory.core.clock import business_today
from inventory.core.vocab import WorkflowAction as A
from inventory.models import User
from inventory.services.plans import contracts, selections
from inventory.services.plans.contracts import ContractInput, LineInput

TERMS = {"dispatch_terms": "接到出库指令后 48 小时内完成出库", "loan_interest_subsidy": "收购贷款利息由市财政全额补贴",
         "policy_loss_subsidy": "政策性轮换价差亏损按核定数额补贴", "liability": "未按合同储存或拒不执行出库指令的，"
         "扣减当年保管费用并承担违约金；情节严重的取消承储资格"}


def _contract(number: str, enterprise: str, starts: date, ends: date, lines: list[tuple[str, str, str, str]],
              **terms) -> ContractInput:
    return ContractInput(number=number, enterprise=enterprise, starts_on=starts, ends_on=ends,
                         lines=tuple(LineInput(*line) for line in lines), **{**TERMS, **terms})


def seed(session: Session) -> None:
    users = {u.username: u for u in session.exec(select(User))}
    today = business_today()
    started, ends = today - timedelta(days=120), today + timedelta(days=245)
    for officer, enterprise, method, reference in (
            ("officer", "ENT-GRAIN", "tender", "LFZB-2026-G01"), ("officer", "ENT-BAZHOU", "qualification",
                                                                  "LFZS-2026-G07"),
            ("bizofficer", "ENT-COLD", "expert_review", "LFSW-2026-C03")):
        selections.record(session=session, actor=users[officer], given=selections.SelectionInput(
            enterprise=enterprise, method=method, reference=reference, decided_on=started - timedelta(days=30),
            valid_until=started + timedelta(days=3 * 365), note="市级储备承储企业遴选"))
    active = [
        ("officer", "approver", "manager", _contract(
            "LFLS-2026-001", "ENT-GRAIN", started, ends,
            [("WHEAT", "GR-01", "7000", "GB 1351 三等以上"), ("RICE", "GR-01", "2500", "GB 1350 三等以上"),
             ("MAIZE", "GR-03", "1800", "GB 1353 三等以上"), ("SOY-OIL", "GR-02", "950", "GB/T 1535 三级以上")],
            rotation_window_days=90, storage_fee=Decimal("80"))),
        ("officer", "approver", "bzmanager", _contract(
            "LFLS-2026-002", "ENT-BAZHOU", started, ends,
            [("WHEAT", "BZ-01", "3000", "GB 1351 三等以上"), ("SOY-OIL", "BZ-01", "500", "GB/T 1535 三级以上")],
            rotation_window_days=90, rotation_floor_share=Decimal("0.7"), storage_fee=Decimal("75"))),
        ("bizofficer", "bizapprover", "coldmanager", _contract(
            "LFSW-2026-001", "ENT-COLD", started, ends,
            [("PORK-FZ", "CS-01", "800", "GB 2707 冷冻片猪肉"), ("EGGS", "CS-02", "45", "GB 2749 鲜蛋"),
             ("CABBAGE", "CS-02", "160", "NY/T 943 一级")],
            rotation_window_days=30, rotation_floor_share=Decimal("0.6"), storage_fee=Decimal("400"))),
    ]
    for officer, approver, manager, given in active:
        row = contracts.draft(session=session, actor=users[officer], given=given)
        contracts.decide(session=session, actor=users[officer], contract_id=row.id, action=A.submit)
        contracts.decide(session=session, actor=users[approver], contract_id=row.id, action=A.sign)
        contracts.decide(session=session, actor=users[manager], contract_id=row.id, action=A.sign)
    following = ends + timedelta(days=1)
    waiting = contracts.draft(session=session, actor=users["officer"], given=_contract(
        f"LFLS-{following.year}-101", "ENT-GRAIN", following, following + timedelta(days=364),
        [("WHEAT", "GR-01", "7500", "GB 1351 三等以上"), ("WHEAT", "GR-03", "1500", "GB 1351 三等以上")],
        rotation_window_days=90, storage_fee=Decimal("82")))
    contracts.decide(session=session, actor=users["officer"], contract_id=waiting.id, action=A.submit)
    contracts.decide(session=session, actor=users["approver"], contract_id=waiting.id, action=A.sign)
