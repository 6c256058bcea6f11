"""The one transition helper every approval workflow uses: allowed moves, four eyes, audit."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from inventory import scope
from inventory.models import Lot, User
from inventory.services import audit
from inventory.services.labels import ACTION_LABELS, ENTITY_LABELS, REQUEST_STATUS_LABELS, label
from inventory.services.errors import Conflict, Forbidden, NotFound
from inventory.timeutil import utcnow


def transition(
    session: Session, *, row: Any, entity: str, action: str, actor: User,
    allowed: dict[tuple[str, str], str], requested_by: int | None = None, note: str = "",
) -> str:
    """Move ``row.status`` along ``allowed[(status, action)]``; the requester may not decide."""
    before = row.status
    target = allowed.get((before, action))
    if target is None:
        raise Conflict(_l("cannot %(action)s this %(entity)s: its status is %(status)s",
                          action=label(ACTION_LABELS, action), entity=label(ENTITY_LABELS, entity),
                          status=label(REQUEST_STATUS_LABELS, before)), code="illegal_transition")
    if requested_by is not None and requested_by == actor.id:
        raise Forbidden(_l("the person who requested this cannot also decide it (four eyes)"))
    row.status = target
    if hasattr(row, "decided_by") and action in {"approve", "reject"}:
        row.decided_by, row.decided_at, row.decision_note = actor.id, utcnow(), note
    session.add(row)
    audit.record(session, actor=actor, action=f"{entity}.{action}", entity=entity, entity_id=row.id,
                 org_id=getattr(row, "enterprise_id", None), before={"status": before},
                 after={"status": target, "note": note} if note else {"status": target})
    return target


def decide_lot_request(
    session: Session, *, actor: User, model: type, row_id: int, entity: str, action: str,
    allowed: dict[tuple[str, str], str], note: str, missing: Any,
) -> tuple[Any, Lot]:
    """A bureau's decision on a request about one lot (transfer, write-down): the request must be visible
    to the approver, its material in the bureau's remit, and the approver not the requester."""
    row = session.exec(scope.enterprise_rows_query(session, actor, model).where(model.id == row_id)).first()
    if row is None:
        raise NotFound(missing)
    lot = session.get(Lot, row.lot_id)
    scope.require_bureau_decision(session, actor, entity, {lot.material_id})
    transition(session, row=row, entity=entity, action=action, actor=actor, allowed=allowed,
               requested_by=row.requested_by, note=note)
    return row, lot
