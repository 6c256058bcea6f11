"""The one transition helper every approval workflow uses: allowed moves, roles, remit, four eyes, decided once.

A status changes only through a conditional ``UPDATE … WHERE id = :id AND status = :from`` in the
transaction that then carries the step's effects (ledger movements, timeline, audit): of two people (or two
retries) deciding one request at once, exactly one wins and the others get 409 ``illegal_transition``.
"""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from inventory import scope
from inventory.core.clock import utcnow
from inventory.core.errors import Conflict, DomainError, Forbidden, NotFound
from inventory.core.vocab import WorkflowAction
from inventory.models import User, WorkflowStep
from inventory.services.audit import trail
from inventory.services.workflows.registry import Flow, Transition


def _illegal(flow: Flow, action: str, status: str) -> Conflict:
    return Conflict(_l("cannot %(action)s this %(entity)s: its status is %(status)s",
                       action=WorkflowAction.label_of(action), entity=flow.label,
                       status=flow.statuses.label_of(status)), code="illegal_transition")


def visible_row(session: Session, actor: User, flow: Flow, row_id: int) -> Any:
    row = session.exec(scope.enterprise_rows_query(session, actor, flow.model).where(flow.model.id == row_id)).first()
    if row is None:
        raise NotFound(flow.missing)
    return row


def check(session: Session, actor: User, flow: Flow, row: Any, action: str) -> Transition:
    """The transition ``action`` from the row's status, if this actor may take it now; raises otherwise."""
    step = flow.step(row.status, action)
    if step is None:
        raise _illegal(flow, action, row.status)
    if actor.role not in step.roles:
        raise Forbidden(_l("%(role)s may not %(action)s this %(entity)s", role=actor.role,
                           action=WorkflowAction.label_of(action), entity=flow.label))
    if step.check is not None:
        step.check(session, actor, row)
    if step.four_eyes and getattr(row, flow.requester) == actor.id:
        raise Forbidden(_l("the person who requested this cannot also decide it (four eyes)"))
    return step


def may_take(session: Session, actor: User, flow: Flow, row: Any, action: str) -> bool:
    """Whether ``check`` would let the actor take the action: the inbox lists only what passes."""
    try:
        check(session, actor, flow, row, action)
    except DomainError:
        return False
    return True


def take(session: Session, *, flow: Flow, row_id: int, action: str, actor: User, note: str = "") -> Any:
    """A person's step: visible row, allowed move, role, remit, four eyes; then decided exactly once."""
    row = visible_row(session, actor, flow, row_id)
    step = check(session, actor, flow, row, action)
    _apply(session, flow, row, step, actor, note)
    return row


def follow(session: Session, *, flow: Flow, row: Any, action: str, actor: User, note: str = "") -> Any:
    """A system step taken as the effect of a person's (a transfer executed once approved)."""
    step = flow.step(row.status, action, system=True)
    if step is None:
        raise _illegal(flow, action, row.status)
    _apply(session, flow, row, step, actor, note)
    return row


def opened(session: Session, *, flow: Flow, row: Any, actor: User, note: str = "") -> None:
    """The first timeline step of a new row (requested, opened); the caller has flushed it."""
    _timeline(session, flow, row, WorkflowAction.request, None, row.status, actor, note)


def progressed(session: Session, *, flow: Flow, row: Any, action: str, actor: User, note: str = "") -> None:
    """A timeline step that leaves the status as it is (a partial execution of an instruction); the caller has
    made its change by a conditional update of its own."""
    _timeline(session, flow, row, action, row.status, row.status, actor, note)


def _apply(session: Session, flow: Flow, row: Any, step: Transition, actor: User, note: str) -> None:
    model = flow.model
    values: dict[str, Any] = {"status": step.target}
    now = utcnow()
    if step.by:
        values[step.by] = actor.id
    if step.at:
        values[step.at] = now
    if step.note:
        values[step.note] = note
    try:
        result = session.execute(update(model).where(model.id == row.id, model.status == step.source)
                                 .values(**values).execution_options(synchronize_session=False))
    except OperationalError as error:
        # SQLite: another writer committed since this transaction read (WAL snapshot), so it lost the race
        if "locked" not in str(error).lower():
            raise
        raise _illegal(flow, step.action, step.source) from None
    if result.rowcount != 1:
        raise _illegal(flow, step.action, _current_status(session, flow, row))
    for name, value in values.items():
        set_committed_value(row, name, value)
    _timeline(session, flow, row, step.action, step.source, step.target, actor, note)
    trail.record(session, actor=actor, action=f"{flow.name}.{step.action}", entity=flow.name, entity_id=row.id,
                 org_id=getattr(row, "enterprise_id", None), before={"status": step.source},
                 after={"status": step.target, "note": note} if note else {"status": step.target})
    effect = flow.effects.get(step.target)
    if effect is not None:
        effect(session, actor, row, note)


def _current_status(session: Session, flow: Flow, row: Any) -> str:
    return session.exec(select(flow.model.status).where(flow.model.id == row.id)).first() or row.status


def _timeline(session: Session, flow: Flow, row: Any, action: str, source: str | None, target: str, actor: User,
              note: str) -> None:
    session.add(WorkflowStep(flow=flow.name, entity_id=row.id, action=action, from_status=source, to_status=target,
                             actor_id=actor.id if actor else None, role=actor.role if actor else "",
                             org_id=actor.org_id if actor else None, note=note or "", at=utcnow()))


def timeline(session: Session, *, flow: Flow, row_id: int) -> list[WorkflowStep]:
    """The steps of one row, oldest first; the caller has checked the row is visible."""
    return list(session.exec(select(WorkflowStep).where(WorkflowStep.flow == flow.name,
                                                        WorkflowStep.entity_id == row_id).order_by(WorkflowStep.id)))
