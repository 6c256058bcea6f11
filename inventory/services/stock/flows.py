"""The stock domain's approval flows, declared once for the transition helper and the role inbox:
transfers to another place, write-downs beyond the tolerance, physical counts (docs/domain-rules.md)."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from inventory import scope
from inventory.core.vocab import RequestStatus as S
from inventory.core.errors import Forbidden
from inventory.core.quantities import quantity_text
from inventory.core.vocab import Role
from inventory.core.vocab import WorkflowAction as A
from inventory.models import Adjustment, Facility, Lot, StockCount, StockCountLine, Transfer, User
from inventory.scope.stock import PERMISSIONS
from inventory.services.stock.names import material_name, names_for
from inventory.services.workflows.registry import Flow, InboxEntry, Transition, register

DECISION = {"four_eyes": True, "by": "decided_by", "at": "decided_at", "note": "decision_note"}


def _lot_material_in_remit(resource: str):
    """A bureau decides a request about one lot only when the lot's material is in its remit."""
    def check(session: Session, actor: User, row: Any) -> None:
        lot = session.get(Lot, row.lot_id)
        scope.require_bureau_decision(session, actor, resource, {lot.material_id})
    return check


def count_materials(session: Session, count: StockCount) -> set[int]:
    return set(session.exec(select(Lot.material_id).join(StockCountLine, StockCountLine.lot_id == Lot.id)
                            .where(StockCountLine.count_id == count.id)))


def _own_request(session: Session, actor: User, row: Any) -> None:
    """Only whoever asked may take a request back while it waits."""
    if actor.id != row.requested_by:
        raise Forbidden(_l("only whoever asked may withdraw the request"))


def _count_in_remit(session: Session, actor: User, count: StockCount) -> None:
    """Every material counted is in the approver's remit (a mixed facility is counted per bureau)."""
    scope.require_bureau_decision(session, actor, "count", count_materials(session, count))


def require_counting_side(session: Session, actor: User, count: StockCount) -> None:
    """Who counts: an enterprise's own count is entered and submitted by its people; a bureau's inspection
    (opened by its inspector) only by that bureau's people, so the enterprise cannot rewrite it."""
    opener = session.get(User, count.opened_by)
    if actor.org_id != (opener.org_id if opener else count.enterprise_id):
        raise Forbidden(_l("this count is entered and submitted by the organisation that opened it"))


def _may_call_off(session: Session, actor: User, count: StockCount) -> None:
    """Whoever opened the count, or the manager of the enterprise for the enterprise's own count (a bureau's
    inspection is not the enterprise's to call off)."""
    if actor.id == count.opened_by:
        return
    require_counting_side(session, actor, count)
    if actor.role != Role.enterprise_manager:
        raise Forbidden(_l("only the enterprise manager or whoever opened the count may cancel it"))


def _describe_lot_requests(session: Session, user: User, rows: list[Any]) -> dict[int, InboxEntry]:
    lots = {lot.id: lot for lot in session.exec(select(Lot).where(Lot.id.in_({r.lot_id for r in rows})))}
    names = names_for(session, user, lots.values(), facility_ids={getattr(r, "to_facility_id", 0) for r in rows})
    entries = {}
    for row in rows:
        lot = lots[row.lot_id]
        material = names.materials.get(lot.material_id)
        unit = material.unit if material else ""
        source = names.facilities[lot.facility_id]
        if isinstance(row, Transfer):
            target = names.facilities[row.to_facility_id]
            detail = f"{source.code} → {target.code} · {quantity_text(row.quantity)} {unit}"
            reason = row.reason
        else:
            detail = f"{source.code} · {quantity_text(lot.on_hand)} {unit} {quantity_text(row.quantity, signed=True)}"
            reason = row.note
        entries[row.id] = InboxEntry(
            title=f"{lot.lot_code} · {material_name(material)} · {names.orgs[lot.enterprise_id].name}",
            detail=detail, endpoint="stock.lot_page", args={"lot_id": lot.id}, requested_by=row.requested_by,
            requested_at=row.created_at, reason=reason)
    return entries


def _describe_counts(session: Session, user: User, rows: list[StockCount]) -> dict[int, InboxEntry]:
    facilities = {f.id: f for f in session.exec(select(Facility).where(Facility.id.in_({c.facility_id for c in rows})))}
    return {count.id: InboxEntry(
        title=f"{facilities[count.facility_id].code} · {facilities[count.facility_id].name}",
        detail=S.label_of(count.status), endpoint="counts.show", args={"count_id": count.id},
        requested_by=count.submitted_by or count.opened_by, requested_at=count.submitted_at or count.opened_at,
        reason=count.note) for count in rows}


TRANSFER = register(Flow(
    name="transfer", label=_l("transfer"), model=Transfer, initial=S.pending, missing=_l("transfer not found"),
    transitions=(
        Transition(S.pending, A.approve, S.approved, PERMISSIONS[("transfer", "approve")],
                   _lot_material_in_remit("transfer"), **DECISION),
        Transition(S.pending, A.reject, S.rejected, PERMISSIONS[("transfer", "approve")],
                   _lot_material_in_remit("transfer"), **DECISION),
        Transition(S.approved, A.execute, S.executed),
        Transition(S.pending, A.withdraw, S.withdrawn, PERMISSIONS[("transfer", "withdraw")], _own_request,
                   note="decision_note", awaited=False),
    ),
    describe=_describe_lot_requests,
))

ADJUSTMENT = register(Flow(
    name="adjustment", label=_l("stock adjustment"), model=Adjustment, initial=S.pending,
    missing=_l("adjustment not found"),
    transitions=(
        Transition(S.pending, A.approve, S.approved, PERMISSIONS[("adjustment", "approve")],
                   _lot_material_in_remit("adjustment"), **DECISION),
        Transition(S.pending, A.reject, S.rejected, PERMISSIONS[("adjustment", "approve")],
                   _lot_material_in_remit("adjustment"), **DECISION),
        Transition(S.pending, A.withdraw, S.withdrawn, PERMISSIONS[("adjustment", "withdraw")], _own_request,
                   note="decision_note", awaited=False),
    ),
    describe=_describe_lot_requests,
))

COUNT = register(Flow(
    name="count", label=_l("count"), model=StockCount, initial=S.open, missing=_l("count not found"),
    requester="submitted_by",
    transitions=(
        Transition(S.open, A.submit, S.submitted, PERMISSIONS[("count", "submit")], require_counting_side,
                   by="submitted_by", at="submitted_at"),
        Transition(S.submitted, A.approve, S.approved, PERMISSIONS[("count", "approve")], _count_in_remit,
                   **DECISION),
        Transition(S.submitted, A.reject, S.open, PERMISSIONS[("count", "approve")], _count_in_remit, **DECISION),
        Transition(S.open, A.cancel, S.cancelled, PERMISSIONS[("count", "cancel")], _may_call_off,
                   note="decision_note", awaited=False),
        Transition(S.submitted, A.cancel, S.cancelled, PERMISSIONS[("count", "cancel")], _may_call_off,
                   note="decision_note", awaited=False),
    ),
    describe=_describe_counts,
))
