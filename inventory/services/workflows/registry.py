"""The workflow registry: each approval flow declares its table, its transitions and who may take them.

The transition helper (``engine``), the role inbox and the API's ``/inbox`` read only this registry, so a
new flow (dispatch, rotation, scrap, plans …) is one declaration in its domain, not a branch in each of them.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel.speaklater import LazyString
from sqlmodel import Session

from inventory.core.errors import NotFound
from inventory.core.vocab import RequestStatus, Role, Vocabulary, WorkflowAction
from inventory.models import User

#: a check a transition runs before it is taken: raises Forbidden or NotFound when the actor may not take it
Check = Callable[[Session, User, Any], None]
#: what entering a status does besides the status (ledger movements, frozen books): (session, actor, row, note)
Effect = Callable[[Session, User, Any, str], None]


@dataclass(frozen=True)
class Transition:
    """``source --action--> target``, taken by ``roles``; a transition with no roles is taken by the system
    as the effect of another (a transfer is executed once approved)."""

    source: str
    action: WorkflowAction
    target: str
    roles: frozenset[Role] = frozenset()
    check: Check | None = None
    #: the requester may not take it (four eyes)
    four_eyes: bool = False
    #: columns stamped with the actor and the time, and the note's column
    by: str | None = None
    at: str | None = None
    note: str | None = None
    #: whether a row waiting for this action is in the taker's inbox (calling a count off is possible, not awaited)
    awaited: bool = True


@dataclass(frozen=True)
class InboxEntry:
    """How one waiting row is shown in the role inbox: words, a link, the person who asked and when."""

    title: str
    detail: str
    endpoint: str
    args: dict[str, Any]
    requested_by: int | None
    requested_at: datetime | None
    reason: str = ""


@dataclass(frozen=True)
class Flow:
    name: str
    label: LazyString
    model: type
    initial: str
    transitions: tuple[Transition, ...]
    missing: LazyString
    #: rows -> how each is shown in the inbox, keyed by row id
    describe: Callable[[Session, User, list[Any]], dict[int, InboxEntry]]
    requester: str = "requested_by"
    #: the vocabulary the flow's statuses are labelled by (a dispatch has statuses of its own)
    statuses: type[Vocabulary] = RequestStatus
    #: target status -> its effect, registered by the domain service that owns it (``on_enter``)
    effects: dict[str, Effect] = field(default_factory=dict, compare=False)

    def on_enter(self, status: str) -> Callable[[Effect], Effect]:
        def register_effect(effect: Effect) -> Effect:
            self.effects[status] = effect
            return effect
        return register_effect

    def step(self, source: str, action: str, *, system: bool = False) -> Transition | None:
        """The first transition ``action`` from ``source``; ``system``: the first with no roles (a co-signature
        pairs each party's step with the system's that the last signature takes)."""
        return next((t for t in self.transitions if t.source == source and t.action == action
                     and (not system or not t.roles)), None)


FLOWS: dict[str, Flow] = {}


def register(flow: Flow) -> Flow:
    if flow.name in FLOWS:
        raise RuntimeError(f"workflow {flow.name!r} registered twice")
    FLOWS[flow.name] = flow
    return flow


def flow_named(name: str) -> Flow:
    if name not in FLOWS:
        raise NotFound(f"no workflow {name!r}")
    return FLOWS[name]
