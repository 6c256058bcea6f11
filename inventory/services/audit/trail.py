"""The one helper every service calls after a state change; rows are never updated or deleted."""
from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from inventory.models import AuditEvent, User


@dataclass(frozen=True)
class RequestInfo:
    request_id: str | None = None
    ip: str | None = None


#: set by the web layer per request so services need not know about HTTP
current_request: ContextVar[RequestInfo] = ContextVar("current_request", default=RequestInfo())


def record(
    session: Session,
    *,
    actor: User | None,
    action: str,
    entity: str,
    entity_id: Any,
    org_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    info = current_request.get()
    event = AuditEvent(
        actor_id=actor.id if actor else None,
        org_id=org_id,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=before,
        after=after,
        request_id=info.request_id,
        ip=info.ip,
    )
    session.add(event)
    return event
