"""The caller's role inbox over the API: what waits for them across every registered workflow.

The same list as the web inbox (services/workflows/inbox.py): an item is listed only when the caller may
take one of its actions, so no listed action answers 403.
"""
from __future__ import annotations

from pydantic import BaseModel, Field

from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.schemas import Timestamp, errors
from inventory.api.spec import spec
from inventory.core.vocab import WorkflowAction
from inventory.db import get_session
from inventory.services.workflows import inbox


class InboxItemOut(BaseModel):
    flow: str = Field(description="the workflow: transfer, adjustment, count, …")
    id: int = Field(description="the row's id in its flow (`/transfers/{id}`, `/counts/{id}`, …)")
    status: str
    title: str
    detail: str
    reason: str
    requested_by: int | None = Field(description="user id of the person who asked")
    requested_at: Timestamp | None
    actions: list[WorkflowAction] = Field(description="what the caller may do: "
                                                      "`POST /{flow}s/{id}/actions/{action}`")


class Inbox(BaseModel):
    """Oldest first within each flow; at most 200 rows per flow and status."""

    items: list[InboxItemOut]


@bp.get("/inbox")
@spec.validate(resp=errors(HTTP_200=Inbox), tags=["workflows"])
def list_inbox():
    """What waits for the caller's decision or action."""
    items = inbox.items_for(session=get_session(), user=current_user())
    return Inbox(items=[InboxItemOut(
        flow=item.flow.name, id=item.row.id, status=item.row.status, title=str(item.entry.title),
        detail=str(item.entry.detail), reason=str(item.entry.reason), requested_by=item.entry.requested_by,
        requested_at=item.entry.requested_at, actions=list(item.actions)) for item in items])
