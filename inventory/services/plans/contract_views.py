"""What a reader sees of a storage contract on its page: the terms, the lines with names, the signatures of this
round, the timeline with names, and only the actions the reader may take now (services/plans/contracts.py)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from inventory.models import ContractLine, Facility, Material, Organisation, PlanSignature, StorageContract, User
from inventory.services.plans import contracts, signatures
from inventory.services.stock.names import user_names
from inventory.services.workflows import engine
from inventory.services.workflows.dispatch_views import StepView, rows_by_id


@dataclass(frozen=True)
class ContractView:
    contract: StorageContract
    bureau: Organisation
    enterprise: Organisation
    lines: list[tuple[ContractLine, Material, Facility]]
    signatures: list[tuple[PlanSignature, Organisation]]
    steps: list[StepView]
    people: dict[int, str]
    actions: list[str]
    may_edit: bool


def contract_view(*, session: Session, actor: User, contract_id: int) -> ContractView:
    row = contracts.visible(session, actor, contract_id)
    lines = contracts.lines_of(session, row.id)
    materials = rows_by_id(session, Material, (line.material_id for line in lines))
    facilities = rows_by_id(session, Facility, (line.facility_id for line in lines))
    signed = signatures.of_round(session, contracts.CONTRACT, row)
    orgs = rows_by_id(session, Organisation, [row.bureau_id, row.enterprise_id,
                                              *(s.party_org_id for s in signed)])
    steps = engine.timeline(session, flow=contracts.CONTRACT, row_id=row.id)
    people = user_names(session, [row.requested_by, row.terminated_by, *(s.signed_by for s in signed),
                                  *(step.actor_id for step in steps)])
    step_orgs = rows_by_id(session, Organisation, (step.org_id for step in steps))
    return ContractView(
        contract=row, bureau=orgs[row.bureau_id], enterprise=orgs[row.enterprise_id],
        lines=[(line, materials[line.material_id], facilities[line.facility_id]) for line in lines],
        signatures=[(s, orgs[s.party_org_id]) for s in signed],
        steps=[StepView(step, people.get(step.actor_id, "—"), step_orgs.get(step.org_id)) for step in steps],
        people=people, actions=contracts.actions_for(session, actor, row),
        may_edit=contracts.may_edit(actor, row))
