"""What waits for a bureau approver's decision: the same remit rule the decisions enforce
(``scope.require_bureau_decision``), so the desk never lists a request its reader may not decide."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists
from sqlmodel import Session, select

from inventory import scope
from inventory.models import Adjustment, Lot, Material, StockCount, StockCountLine, Transfer, User


@dataclass(frozen=True)
class Awaiting:
    transfers: list[Transfer]
    adjustments: list[Adjustment]
    counts: list[StockCount]


def awaiting_decision(*, session: Session, actor: User) -> Awaiting:
    """Pending transfers and write-downs of the bureau's materials, and submitted counts made only of them."""
    if not scope.can(actor, "approve", "transfer"):
        return Awaiting([], [], [])
    own_materials = select(Material.id).where(Material.bureau_id == actor.org_id)

    def about_own_lot(model):
        return (scope.enterprise_rows_query(session, actor, model)
                .join(Lot, Lot.id == model.lot_id).where(Lot.material_id.in_(own_materials),
                                                         model.status == "pending").order_by(model.id))

    other_bureaus_line = (select(StockCountLine.id).join(Lot, Lot.id == StockCountLine.lot_id)
                          .where(StockCountLine.count_id == StockCount.id, Lot.material_id.not_in(own_materials)))
    counts = (scope.enterprise_rows_query(session, actor, StockCount)
              .where(StockCount.status == "submitted", ~exists(other_bureaus_line)).order_by(StockCount.id))
    return Awaiting(list(session.exec(about_own_lot(Transfer))), list(session.exec(about_own_lot(Adjustment))),
                    list(session.exec(counts)))
