"""Co-signatures (会同, reserve-materials-measures §二(二)–(三), §二(五)2): every party organisation signs a document
once per round, in any order; the last signature moves it on.

A signature is a row of ``plan_signature``, unique per (flow, document, round, party), written with the document's
row locked: of two people signing for one party only one row exists, and of two last signers exactly one sees the
set complete and moves the document (the other signature was committed before its lock was granted).
"""
from __future__ import annotations

from collections.abc import Collection
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, select

from inventory.core.clock import utcnow
from inventory.core.errors import Conflict, Forbidden
from inventory.core.vocab import WorkflowAction
from inventory.models import Organisation, PlanSignature, User
from inventory.services.audit import trail
from inventory.services.workflows import engine
from inventory.services.workflows.registry import Flow


def locked(session: Session, model: type, row_id: int) -> Any:
    """The row, re-read under a row lock (PostgreSQL; SQLite serialises writers anyway)."""
    return session.exec(select(model).where(model.id == row_id).with_for_update()
                        .execution_options(populate_existing=True)).one()


def of_round(session: Session, flow: Flow, row: Any) -> list[PlanSignature]:
    """The signatures of the row's current round, first first."""
    return list(session.exec(select(PlanSignature).where(
        PlanSignature.flow == flow.name, PlanSignature.entity_id == row.id, PlanSignature.round == row.round)
        .order_by(PlanSignature.id)))


def missing(session: Session, flow: Flow, row: Any, parties: Collection[int]) -> list[int]:
    """The party organisations that have not signed this round yet."""
    signed = {signature.party_org_id for signature in of_round(session, flow, row)}
    return [party for party in parties if party not in signed]


def sign(session: Session, *, flow: Flow, row_id: int, actor: User, parties: Collection[int],
         roles: Collection[str], waiting: str, note: str = "") -> Any:
    """The actor signs for their organisation. ``parties``: the organisations that must sign (computed from the
    row by the caller); ``waiting``: the status in which signatures are collected; the last signature takes the flow's system
    ``sign`` step (``Flow.step(..., system=True)``). 409 when the document is not waiting, or the organisation
    signed already; 403 when the actor signs for no party or drafted it (four eyes)."""
    row = engine.visible_row(session, actor, flow, row_id)
    row = locked(session, flow.model, row.id)
    if row.status != waiting:
        raise Conflict(_l("cannot sign this %(entity)s: its status is %(status)s", entity=flow.label,
                          status=flow.statuses.label_of(row.status)), code="illegal_transition")
    if actor.role not in roles or actor.org_id not in parties:
        raise Forbidden(_l("your organisation is not a party that signs this %(entity)s", entity=flow.label))
    if getattr(row, flow.requester) == actor.id:
        raise Forbidden(_l("the person who requested this cannot also decide it (four eyes)"))
    try:
        with session.begin_nested():
            session.add(PlanSignature(flow=flow.name, entity_id=row.id, round=row.round, party_org_id=actor.org_id,
                                      signed_by=actor.id, signed_at=utcnow(), note=note))
    except (IntegrityError, OperationalError):
        org = session.get(Organisation, actor.org_id)
        raise Conflict(_l("%(party)s has signed this %(entity)s already", party=org.name if org else actor.org_id,
                          entity=flow.label), code="illegal_transition") from None
    engine.progressed(session, flow=flow, row=row, action=WorkflowAction.sign, actor=actor, note=note)
    trail.record(session, actor=actor, action=f"{flow.name}.sign", entity=flow.name, entity_id=row.id,
                 org_id=actor.org_id, after={"round": row.round, "party_org_id": actor.org_id})
    if not missing(session, flow, row, parties):
        engine.follow(session, flow=flow, row=row, action=WorkflowAction.sign, actor=actor)
    return row
