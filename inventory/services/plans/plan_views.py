"""What a reader sees of a catalogue version, an annual plan or a temporary addition on its page (docs/plans.md):
the row, its lines with their materials and organisations, who signed this round for which party and who is still
to sign, the timeline with names, every version of the document, and only the steps the reader may take now.

Visibility is the services' (``visible``): a row the reader may not see is a 404 before anything is read.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlmodel import Session, select

from inventory import scope
from inventory.core.vocab import OrgKind, Role
from inventory.core.vocab import PlanStatus as S
from inventory.models import (
    AnnualPlan, CatalogueVersion, Material, Organisation, PlanSignature, TemporaryAddition, User,
)
from inventory.services.inspections import qualification
from inventory.services.plans import additions, annual_plans, catalogue, varieties
from inventory.services.plans.documents import DocumentFlow
from inventory.services.stock.names import user_names
from inventory.services.workflows import engine
from inventory.services.workflows.dispatch_views import StepView, rows_by_id


@dataclass(frozen=True)
class LineView:
    material: Material
    target_quantity: Decimal
    storage_months: int
    #: the responsible bureau (a catalogue line's own, a plan line's material's)
    bureau: Organisation
    #: the enterprise a plan line is split to; None: city-wide
    enterprise: Organisation | None = None


@dataclass(frozen=True)
class PartyView:
    """One party organisation of the current round and its signature, if given."""

    organisation: Organisation
    signature: PlanSignature | None
    signer: str


@dataclass(frozen=True)
class DocumentView:
    row: Any
    lines: list[LineView]
    parties: list[PartyView]
    steps: list[StepView]
    people: dict[int, str]
    drafting_org: Organisation | None
    #: every version the reader may see: the whole catalogue's, or the plan's year's; newest first
    versions: list[Any]
    actions: list[str]
    editable: bool
    may_amend: bool


@dataclass(frozen=True)
class AdditionView:
    row: TemporaryAddition
    material: Material
    bureau: Organisation
    enterprise: Organisation | None
    catalogue_version: CatalogueVersion | None
    steps: list[StepView]
    people: dict[int, str]
    actions: list[str]


def _steps(session: Session, flow, row_id: int, extra: list[int | None]) -> tuple[list[StepView], dict[int, str]]:
    steps = engine.timeline(session, flow=flow, row_id=row_id)
    people = user_names(session, [*extra, *(step.actor_id for step in steps)])
    orgs = rows_by_id(session, Organisation, (step.org_id for step in steps))
    return [StepView(step, people.get(step.actor_id, "—"), orgs.get(step.org_id)) for step in steps], people


def _document(session: Session, actor: User, kind: DocumentFlow, resource: str, row: Any, lines: list[LineView],
              versions: list[Any]) -> DocumentView:
    signatures = {s.party_org_id: s for s in kind.round_signatures(session, row)}
    parties = kind.parties(session, row)
    orgs = rows_by_id(session, Organisation, [*parties, row.drafting_org_id])
    steps, people = _steps(session, kind.flow, row.id, [row.requested_by, row.approved_by, row.rejected_by,
                                                         *(s.signed_by for s in signatures.values())])
    drafter = scope.can(actor, "draft", resource)
    return DocumentView(
        row=row, lines=lines, steps=steps, people=people, drafting_org=orgs.get(row.drafting_org_id),
        parties=[PartyView(orgs[p], signatures.get(p), people.get(signatures[p].signed_by, "—")
                           if p in signatures else "") for p in parties],
        versions=versions, actions=kind.actions_for(session, actor, row),
        editable=drafter and row.status == S.draft and actor.org_id == row.drafting_org_id,
        may_amend=drafter and row.status == S.in_force)


def catalogue_view(*, session: Session, actor: User, version_id: int) -> DocumentView:
    row = catalogue.visible(session, actor, version_id)
    found = catalogue.lines_of(session, row.id)
    materials = rows_by_id(session, Material, (line.material_id for line in found))
    bureaus = rows_by_id(session, Organisation, (line.bureau_id for line in found))
    lines = [LineView(materials[line.material_id], line.target_quantity, line.storage_months,
                      bureaus[line.bureau_id]) for line in found]
    versions = list(session.exec(catalogue.CATALOGUE.rows_query(session, actor).order_by(CatalogueVersion.id.desc())))
    return _document(session, actor, catalogue.CATALOGUE, "catalogue", row, lines, versions)


def plan_view(*, session: Session, actor: User, plan_id: int) -> DocumentView:
    row = annual_plans.visible(session, actor, plan_id)
    found = annual_plans.lines_of(session, row.id)
    materials = rows_by_id(session, Material, (line.material_id for line in found))
    orgs = rows_by_id(session, Organisation, [*(m.bureau_id for m in materials.values()),
                                              *(line.enterprise_id for line in found if line.enterprise_id)])
    lines = [LineView(materials[line.material_id], line.target_quantity, line.storage_months,
                      orgs[materials[line.material_id].bureau_id], orgs.get(line.enterprise_id)) for line in found]
    versions = list(session.exec(annual_plans.ANNUAL_PLAN.rows_query(session, actor).where(AnnualPlan.year == row.year)
                                 .order_by(AnnualPlan.version.desc())))
    return _document(session, actor, annual_plans.ANNUAL_PLAN, "annual_plan", row, lines, versions)


def addition_view(*, session: Session, actor: User, addition_id: int) -> AdditionView:
    row = additions.visible(session, actor, addition_id)
    steps, people = _steps(session, additions.ADDITION, row.id,
                           [row.requested_by, row.approved_by, row.rejected_by, row.decided_by])
    proposed = None
    if row.catalogue_version_id and scope.can(actor, "view", "catalogue"):
        proposed = session.exec(catalogue.CATALOGUE.rows_query(session, actor)
                                .where(CatalogueVersion.id == row.catalogue_version_id)).first()
    return AdditionView(
        row=row, material=session.get(Material, row.material_id), bureau=session.get(Organisation, row.bureau_id),
        enterprise=session.get(Organisation, row.enterprise_id) if row.enterprise_id else None,
        catalogue_version=proposed, steps=steps, people=people,
        actions=additions.actions_for(session, actor, row))


# -- what the forms offer ---------------------------------------------------------------------------------------

def catalogue_materials(session: Session) -> list[Material]:
    """Any active material may be listed in the catalogue: the catalogue is what makes it a reserve variety."""
    return list(session.exec(select(Material).where(Material.active).order_by(Material.category, Material.code)))


def plan_materials(session: Session, also: list[str] = ()) -> list[Material]:
    """The reserve varieties of today, and the materials ``also`` names (a draft's lines, kept selectable)."""
    wanted = select(Material).where((Material.id.in_(varieties.variety_ids())) | Material.code.in_(list(also)))
    return list(session.exec(wanted.order_by(Material.category, Material.code)))


def addition_materials(session: Session, actor: User) -> list[Material]:
    """A bureau adds to its own remit; a coordinator to any."""
    query = select(Material).where(Material.active)
    if actor.role in (Role.bureau_officer, Role.bureau_approver):
        query = query.where(Material.bureau_id == actor.org_id)
    return list(session.exec(query.order_by(Material.category, Material.code)))


def enterprises(session: Session, actor: User, *, active: bool = False,
                receiving: bool = False) -> list[Organisation]:
    """The storage enterprises a form offers the actor: of the organisations the actor may see (scope); ``active``:
    not withdrawn; ``receiving``: active and neither suspended nor revoked, as a contract needs (§六(二))."""
    query = scope.organisations_query(session, actor).where(Organisation.kind == OrgKind.enterprise)
    if active or receiving:
        query = query.where(Organisation.active)
    if receiving:
        query = query.where(Organisation.id.not_in(qualification.barred_ids()))
    return list(session.exec(query.order_by(Organisation.code)))


def list_names(session: Session, rows: list[Any]) -> tuple[dict[int, Material], dict[int, Organisation]]:
    """The materials and organisations a list of additions names."""
    materials = rows_by_id(session, Material, (r.material_id for r in rows))
    orgs = rows_by_id(session, Organisation, [*(r.bureau_id for r in rows),
                                              *(r.enterprise_id for r in rows if r.enterprise_id)])
    return materials, orgs


def drafting_orgs(session: Session, rows: list[Any]) -> dict[int, Organisation]:
    return rows_by_id(session, Organisation, (r.drafting_org_id for r in rows))
