"""The role inbox: what waits for this user, across every registered flow.

An item is listed only when the transition helper would let its reader take one of its actions
(``engine.may_take``: same role, remit and four-eyes checks), so nothing listed answers 403 when acted on.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from inventory import scope
from inventory.models import User
# the domains whose flows and effects the inbox collects: importing them registers them
from inventory.services.stock import counts, lots, transfers  # noqa: F401
from inventory.services.workflows import dispatch, engine  # noqa: F401 (dispatch: its flow)
from inventory.services.workflows import rotations, scraps  # noqa: F401 (their flows)
from inventory.services.inspections import inspections, sanctions  # noqa: F401 (their flows)
from inventory.services.plans import evaluation  # noqa: F401 (its flow)
from inventory.services.plans import additions, annual_plans, catalogue  # noqa: F401 (their flows)
from inventory.services.plans import contracts  # noqa: F401 (its flow)
from inventory.services.workflows.registry import FLOWS, Flow, InboxEntry, flow_named

#: rows looked at per flow and status: an inbox is a work list, not a report
LIMIT = 200


@dataclass(frozen=True)
class InboxItem:
    flow: Flow
    row: Any
    entry: InboxEntry
    actions: tuple[str, ...]


def items_for(*, session: Session, user: User) -> list[InboxItem]:
    items: list[InboxItem] = []
    for flow in FLOWS.values():
        awaited = [t for t in flow.transitions if t.awaited and user.role in t.roles]
        sources = sorted({t.source for t in awaited})
        for source in sources:
            candidates = list(session.exec(scope.enterprise_rows_query(session, user, flow.model)
                                           .where(flow.model.status == source).order_by(flow.model.id).limit(LIMIT)))
            waiting = []
            for row in candidates:
                actions = tuple(t.action for t in awaited if t.source == source
                                and engine.may_take(session, user, flow, row, t.action))
                if actions:
                    waiting.append((row, actions))
            if waiting:
                entries = flow.describe(session, user, [row for row, _ in waiting])
                items += [InboxItem(flow, row, entries[row.id], actions) for row, actions in waiting]
    return items


def decide(*, session: Session, actor: User, flow: str, row_id: int, action: str, note: str = "") -> object:
    """A person's decision on a waiting row of any registered flow, with the flow's effects."""
    return engine.take(session, flow=flow_named(flow), row_id=row_id, action=action, actor=actor, note=note)
