"""Dispatch plans for the tests, made through the services as the bureau, the coordinators and the government would."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from inventory.core.clock import business_today
from inventory.models import Dispatch
from inventory.services.workflows import dispatch
from inventory.services.workflows.dispatch_plan import LineInput, PlanInput
from tests.helpers import user_named

#: who signs for each party in the demo city
SIGNERS = ("coordinator", "finance", "approver")


def wheat_plan(quantity: str = "300", price: str | None = "2800", **changes) -> PlanInput:
    """A complete plan: 300 t of wheat at 2,800 yuan a tonne for the flood victims of Bazhou."""
    fields = dict(
        trigger="emergency", trigger_description="霸州洪涝灾害，受灾群众口粮保障",
        recipients="霸州市应急管理局（受灾群众安置点）", district="bazhou", address="霸州市胜芳镇安置点",
        transport="承储企业自有车辆运输，交警护送", requested_on=business_today() + timedelta(days=3),
        lines=(LineInput(material="WHEAT", quantity=quantity, unit_price=price),),
    )
    fields.update(changes)
    return PlanInput(**fields)


def drafted(db, plan: PlanInput | None = None, *, by: str = "officer") -> Dispatch:
    made = dispatch.draft_dispatch(session=db, actor=user_named(db, by), plan=plan or wheat_plan())
    db.commit()
    return made


def act(db, row: Dispatch, username: str, action: str, note: str = "", **kwargs) -> Dispatch:
    decided = dispatch.decide_dispatch(session=db, actor=user_named(db, username), dispatch_id=row.id, action=action,
                                       note=note, **kwargs)
    db.commit()
    return decided


def submitted(db, plan: PlanInput | None = None, *, by: str = "officer") -> Dispatch:
    return act(db, drafted(db, plan, by=by), by, "submit")


def cosigned(db, plan: PlanInput | None = None, *, by: str = "officer") -> Dispatch:
    row = submitted(db, plan, by=by)
    for signer in SIGNERS:
        row = act(db, row, signer, "approve")
    return row


def line_quantities(allocations) -> dict[int, Decimal]:
    """Lot id -> quantity allocated."""
    return {a.lot_id: a.quantity for a in allocations}
