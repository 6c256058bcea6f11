"""Violations recorded against storage enterprises (reserve-materials-measures §六(二)) for their evaluation.

Recorded once per source (an instruction refused and also late is one "拒不执行出库指令" for that instruction),
by an insert that yields to an existing row, so two requests recording the same finding write one.
"""
from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from inventory.core.clock import utcnow
from inventory.core.vocab import ViolationKind
from inventory.models import User, Violation


def record(session: Session, *, enterprise_id: int, kind: ViolationKind, source_type: str, source_id: int,
           note: str = "", actor: User | None = None) -> None:
    values = dict(enterprise_id=enterprise_id, kind=kind.value, source_type=source_type, source_id=source_id,
                  note=note[:500], recorded_by=actor.id if actor else None, recorded_at=utcnow())
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(Violation).values(**values).on_conflict_do_nothing())


def of_enterprise(session: Session, enterprise_id: int) -> list[Violation]:
    return list(session.exec(select(Violation).where(Violation.enterprise_id == enterprise_id)
                             .order_by(Violation.recorded_at.desc(), Violation.id.desc())))

