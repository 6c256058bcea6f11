"""What a reader sees of an enterprise's storage qualification (docs/plans.md, contracts and selections): how it was
selected, its state and the decisions that moved it (the sanctions of inspections, newest first), its contracts and
its annual evaluations. The enterprise itself is scoped (``scope.plans.visible_enterprise``), and so is each list."""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from inventory import scope
from inventory.core.vocab import QualificationState
from inventory.models import EnterpriseSelection, Evaluation, Organisation, Sanction, StorageContract, User
from inventory.scope.plans import qualified_enterprises_query, visible_enterprise
from inventory.services.inspections import qualification


@dataclass(frozen=True)
class QualificationView:
    enterprise: Organisation
    state: QualificationState
    selections: list[EnterpriseSelection]
    sanctions: list[Sanction]
    contracts: list[StorageContract]
    evaluations: list[Evaluation]
    bureaus: dict[int, Organisation]


def enterprises(session: Session, actor: User) -> list[tuple[Organisation, QualificationState]]:
    """The enterprises the reader may look at, with their state, by code."""
    scope.require(actor, "view", "selection")
    rows = list(session.exec(qualified_enterprises_query(session, actor).order_by(Organisation.code)))
    return [(row, qualification.state_of(session, row.id)) for row in rows]


def qualification_view(*, session: Session, actor: User, code: str) -> QualificationView:
    scope.require(actor, "view", "selection")
    enterprise = visible_enterprise(session, actor, code)
    selections = list(session.exec(scope.enterprise_rows_query(session, actor, EnterpriseSelection).where(
        EnterpriseSelection.enterprise_id == enterprise.id).order_by(EnterpriseSelection.decided_on.desc(),
                                                                     EnterpriseSelection.id.desc())))
    contracts = list(session.exec(scope.enterprise_rows_query(session, actor, StorageContract).where(
        StorageContract.enterprise_id == enterprise.id).order_by(StorageContract.starts_on.desc(),
                                                                 StorageContract.id.desc())))
    evaluations = list(session.exec(scope.enterprise_rows_query(session, actor, Evaluation).where(
        Evaluation.enterprise_id == enterprise.id).order_by(Evaluation.year.desc())))
    sanctions = list(session.exec(select(Sanction).where(Sanction.enterprise_id == enterprise.id)
                                  .order_by(Sanction.decided_on.desc(), Sanction.id.desc())))
    bureau_ids = {s.bureau_id for s in selections} | {c.bureau_id for c in contracts} | {s.bureau_id for s in sanctions}
    bureaus = {o.id: o for o in session.exec(select(Organisation).where(Organisation.id.in_(bureau_ids)))}
    return QualificationView(enterprise=enterprise, state=qualification.state_of(session, enterprise.id),
                             selections=selections, sanctions=sanctions, contracts=contracts,
                             evaluations=evaluations, bureaus=bureaus)
