"""The one transition helper every approval workflow uses: allowed moves, four eyes, audit."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from inventory.models import User
from inventory.services import audit
from inventory.services.errors import Conflict, Forbidden
from inventory.timeutil import utcnow


def transition(
    session: Session, *, row: Any, entity: str, action: str, actor: User,
    allowed: dict[tuple[str, str], str], requested_by: int | None = None, note: str = "",
) -> str:
    """Move ``row.status`` along ``allowed[(status, action)]``; the requester may not decide."""
    before = row.status
    target = allowed.get((before, action))
    if target is None:
        raise Conflict(_l("cannot %(action)s this %(entity)s: it is %(status)s",
                          action=action, entity=entity, status=before), code="illegal_transition")
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
