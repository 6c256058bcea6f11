"""The storage qualification (承储资格) of an enterprise: qualified, interviewed, suspended or revoked.

Reserve-materials-measures §六(二): a violating enterprise is interviewed (约谈); one that refuses to correct loses
its qualification (取消承储资格). A suspended or revoked enterprise receives no new lots of reserve materials
(``check_may_receive``, asked by every receipt). The state changes only through a sanction (sanctions.py), each
change one conditional UPDATE from the states it may follow, so two decisions at once cannot both apply.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from inventory.core.clock import utcnow
from inventory.core.errors import Conflict
from inventory.core.vocab import QualificationState as Q
from inventory.core.vocab import SanctionKind as K
from inventory.models import Organisation, Qualification

#: sanction kind -> (the states it may follow, the state it leaves); an interview of a suspended or revoked
#: enterprise is recorded and leaves the state as it is
MOVES: dict[str, tuple[frozenset[Q], Q]] = {
    K.interview: (frozenset({Q.qualified, Q.interviewed}), Q.interviewed),
    K.suspension: (frozenset({Q.qualified, Q.interviewed}), Q.suspended),
    # "对拒不整改的承储单位或者企业 … 取消其承储资格": revocation follows an interview
    K.revocation: (frozenset({Q.interviewed, Q.suspended}), Q.revoked),
    K.reinstatement: (frozenset({Q.interviewed, Q.suspended}), Q.qualified),
}


def state_of(session: Session, enterprise_id: int) -> Q:
    row = session.get(Qualification, enterprise_id, populate_existing=True)
    return Q(row.state) if row else Q.qualified


def barred_ids():
    """The ids of the suspended or revoked enterprises, as a subquery: they receive no new lots."""
    return select(Qualification.enterprise_id).where(Qualification.state.in_([str(s) for s in Q.barred()]))


def barred_among(session: Session, enterprise_ids) -> dict[int, Q]:
    """The suspended or revoked enterprises among ``enterprise_ids`` with their state (a list flags them)."""
    ids = set(enterprise_ids)
    if not ids:
        return {}
    rows = session.exec(select(Qualification).where(Qualification.enterprise_id.in_(ids),
                                                    Qualification.state.in_([str(s) for s in Q.barred()])))
    return {row.enterprise_id: Q(row.state) for row in rows}


def refusal(kind: str, state: Q) -> Conflict | None:
    """Why ``kind`` cannot be decided while the enterprise is in ``state``, or None when it can."""
    sources, _ = MOVES[kind]
    if state in sources or kind == K.interview:
        return None
    if kind == K.revocation and state == Q.qualified:
        return Conflict(_l("revocation follows an interview (约谈) that the enterprise did not act on; record "
                           "the interview first"), code="interview_first")
    return Conflict(_l("the enterprise's qualification is %(state)s", state=Q.label_of(state)),
                    code="qualification_state")


def apply(session: Session, *, enterprise_id: int, kind: str, sanction_id: int) -> tuple[Q, Q]:
    """Move the qualification as ``kind`` says, decided once: (before, after); 409 when its state no longer allows it."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(Qualification).values(enterprise_id=enterprise_id, state=Q.qualified.value)
                    .on_conflict_do_nothing())
    before = state_of(session, enterprise_id)
    sources, target = MOVES[kind]
    if before not in sources:
        problem = refusal(kind, before)
        if problem is not None:
            raise problem
        return before, before
    result = session.execute(update(Qualification).where(
        Qualification.enterprise_id == enterprise_id, Qualification.state.in_([str(s) for s in sources]))
        .values(state=target.value, changed_at=utcnow(), sanction_id=sanction_id)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise refusal(kind, state_of(session, enterprise_id)) or Conflict(
            _l("someone else has changed the qualification; reload it"), code="qualification_state")
    return before, target


def check_may_receive(session: Session, enterprise_id: int) -> None:
    """A suspended or revoked enterprise receives no new lots of reserve materials (§六(二)): 409 naming why."""
    state = state_of(session, enterprise_id)
    if state in Q.barred():
        org = session.get(Organisation, enterprise_id)
        raise Conflict(_l("%(enterprise)s cannot receive reserve stock: its storage qualification is %(state)s",
                          enterprise=org.name if org else enterprise_id, state=Q.label_of(state)),
                       code="enterprise_sanctioned")
