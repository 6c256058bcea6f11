"""How an enterprise was selected to store reserves (reserve-materials-measures §二(五)1: 招标, 资格审查, 专家评审;
docs/plans.md, contracts and selections): the bureau's staff record the method, the reference number and the dates
of the decision. A record is a fact, not a workflow: validated, written once and audited."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from inventory import scope
from inventory.core.vocab import OrgKind, SelectionMethod
from inventory.models import EnterpriseSelection, Organisation, User
from inventory.services.audit import trail
from inventory.services.workflows.dispatch_plan import Problems


@dataclass(frozen=True)
class SelectionInput:
    enterprise: str
    method: str
    reference: str
    decided_on: date | None
    valid_until: date | None = None
    note: str = ""


def record(*, session: Session, actor: User, given: SelectionInput) -> EnterpriseSelection:
    """The bureau's record of a selection; 422 naming every bad field, nothing written."""
    scope.require(actor, "record", "selection")
    problems = Problems()
    enterprise = session.exec(select(Organisation).where(Organisation.code == given.enterprise.strip(),
                                                         Organisation.kind == OrgKind.enterprise)).first()
    if enterprise is None:
        problems.add("enterprise", _l("unknown enterprise %(code)r", code=given.enterprise))
    if given.method not in SelectionMethod.values():
        problems.add("method", _l("one of %(choices)s", choices=", ".join(SelectionMethod.values())))
    reference = given.reference.strip()
    if not reference or len(reference) > 100:
        problems.add("reference", _l("1 to %(count)s characters", count=100))
    if given.decided_on is None:
        problems.add("decided_on", _l("required"))
    elif given.valid_until is not None and given.valid_until < given.decided_on:
        problems.add("valid_until", _l("the selection cannot end before it was decided"))
    if len(given.note.strip()) > 2000:
        problems.add("note", _l("at most %(count)s characters", count=2000))
    problems.raise_any(_l("the selection record has errors; nothing was saved"))
    row = EnterpriseSelection(enterprise_id=enterprise.id, bureau_id=actor.org_id, method=given.method,
                              reference=reference, decided_on=given.decided_on, valid_until=given.valid_until,
                              note=given.note.strip(), recorded_by=actor.id)
    session.add(row)
    session.flush()
    trail.record(session, actor=actor, action="selection.record", entity="selection", entity_id=row.id,
                 org_id=enterprise.id, after={"enterprise": enterprise.code, "method": row.method,
                                              "reference": reference, "decided_on": row.decided_on.isoformat(),
                                              "valid_until": row.valid_until.isoformat() if row.valid_until else None})
    return row


def selections_query(session: Session, actor: User):
    scope.require(actor, "view", "selection")
    return scope.enterprise_rows_query(session, actor, EnterpriseSelection)
