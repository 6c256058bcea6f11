"""Tenancy and permissions of reserve plans (reserve-materials-measures §二(一)–(五), docs/plans.md).

The catalogue and the annual plans are city documents that every responsible bureau co-signs: the coordinators,
the government, administrators and the bureaus read every version; an enterprise reads only the versions that are
or were in force (never a draft). Contracts, selections and temporary additions belong to their enterprise and to
the bureau that made them; an evaluation to its enterprise and to the bureaus whose materials it keeps or that
contract with it. The blood station has no part in reserve plans.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, false, or_, true
from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

from inventory.core.errors import NotFound
from inventory.core.vocab import OrgKind, PlanStatus, Role
from inventory.models import (
    AnnualPlan, CatalogueVersion, EnterpriseSelection, Evaluation, Lot, Material, Organisation, StatisticsReport,
    StorageContract, TemporaryAddition, User,
)
from inventory.scope.rules import (
    ALL_ROLES, Ownership, can, declare_audited, declare_ownership, enterprise_rows_query, remit_materials,
    sees_whole_city, stock_reach,
)

READERS = ALL_ROLES - {Role.blood_officer}
#: who drafts a document: the coordinators together with the bureaus (会同, §二(二)–(三))
DRAFTERS = frozenset({Role.coordinator, Role.bureau_officer, Role.bureau_approver})
#: who signs for an organisation: a coordinator for the development-and-reform commission or the finance bureau,
#: an approver for a reserve bureau
SIGNERS = frozenset({Role.coordinator, Role.bureau_approver})
GOVERNMENT = frozenset({Role.government_approver})
BUREAU_STAFF = frozenset({Role.bureau_officer, Role.bureau_approver})

PERMISSIONS: dict[tuple[str, str], frozenset[str]] = {
    ("catalogue", "view"): READERS,
    ("catalogue", "draft"): DRAFTERS,
    ("catalogue", "sign"): SIGNERS,
    ("catalogue", "approve"): GOVERNMENT,
    ("annual_plan", "view"): READERS,
    ("annual_plan", "draft"): DRAFTERS,
    ("annual_plan", "sign"): SIGNERS,
    ("annual_plan", "approve"): GOVERNMENT,
    ("temporary_addition", "view"): READERS,
    ("temporary_addition", "draft"): DRAFTERS,
    ("temporary_addition", "approve"): GOVERNMENT,
    # when the period ends: let it lapse or propose it into the catalogue (§二(四))
    ("temporary_addition", "decide"): frozenset({Role.bureau_approver, Role.coordinator}),
    ("selection", "view"): READERS,
    ("selection", "record"): BUREAU_STAFF,
    ("contract", "view"): READERS,
    ("contract", "draft"): BUREAU_STAFF,
    ("contract", "sign"): frozenset({Role.bureau_approver, Role.enterprise_manager}),
    ("contract", "terminate"): frozenset({Role.bureau_approver}),
    ("coverage", "view"): READERS,
    ("evaluation", "view"): READERS,
    ("evaluation", "evaluate"): frozenset({Role.bureau_officer, Role.bureau_approver, Role.coordinator}),
    ("evaluation", "finalise"): frozenset({Role.bureau_approver, Role.coordinator}),
    ("statistics", "view"): frozenset({Role.admin, Role.coordinator, Role.government_approver, Role.viewer,
                                       Role.bureau_officer, Role.bureau_approver, Role.inspector}),
    # producing a report on demand (the beat task produces them by itself)
    ("statistics", "produce"): frozenset({Role.admin, Role.coordinator}),
    # the performance evaluation across years (绩效评价, §五(六)): the finance and development-and-reform side
    ("performance", "view"): frozenset({Role.admin, Role.coordinator, Role.government_approver, Role.viewer}),
}


class _Published:
    """Stands among ``Ownership``'s enterprise columns for "any enterprise, once the version is or was in force"."""

    def __init__(self, model: type) -> None:
        self.model = model

    def __eq__(self, enterprise_id: object) -> ColumnElement[bool]:  # type: ignore[override]
        return self.model.status.in_([PlanStatus.in_force.value, PlanStatus.superseded.value])

    __hash__ = object.__hash__


def _bureau_of(column):
    """Rows whose bureau column is the reader's bureau (given as the ids of its remit's materials)."""
    return lambda materials: column.in_(select(Material.bureau_id).where(Material.id.in_(materials)))


def _evaluation_concerns(materials) -> ColumnElement[bool]:
    keeps = select(Lot.enterprise_id).where(Lot.material_id.in_(materials))
    contracts = select(StorageContract.enterprise_id).where(
        StorageContract.bureau_id.in_(select(Material.bureau_id).where(Material.id.in_(materials))))
    return or_(Evaluation.enterprise_id.in_(keeps), Evaluation.enterprise_id.in_(contracts))


declare_ownership(
    Ownership(CatalogueVersion, (_Published(CatalogueVersion),), lambda materials: true()),
    Ownership(AnnualPlan, (_Published(AnnualPlan),), lambda materials: true()),
    Ownership(TemporaryAddition, (TemporaryAddition.enterprise_id,),
              lambda materials: TemporaryAddition.material_id.in_(materials)),
    Ownership(EnterpriseSelection, (EnterpriseSelection.enterprise_id,), _bureau_of(EnterpriseSelection.bureau_id)),
    Ownership(StorageContract, (StorageContract.enterprise_id,), _bureau_of(StorageContract.bureau_id)),
    Ownership(Evaluation, (Evaluation.enterprise_id,), _evaluation_concerns),
)


def _visible(model: type, missing):
    def visible(session: Session, user: User, row_id: int):
        """The row if this user may see it; 404 otherwise, exactly as for one that does not exist."""
        row = session.exec(enterprise_rows_query(session, user, model).where(model.id == row_id)).first()
        if row is None:
            raise NotFound(missing)
        return row
    return visible


visible_catalogue_version = _visible(CatalogueVersion, _l("catalogue version not found"))
visible_annual_plan = _visible(AnnualPlan, _l("annual plan not found"))
visible_temporary_addition = _visible(TemporaryAddition, _l("temporary addition not found"))
visible_selection = _visible(EnterpriseSelection, _l("selection record not found"))
visible_contract = _visible(StorageContract, _l("storage contract not found"))
visible_evaluation = _visible(Evaluation, _l("evaluation not found"))


def _ids(model: type):
    return lambda session, user: enterprise_rows_query(session, user, model).with_only_columns(model.id)


declare_audited({
    "catalogue": _ids(CatalogueVersion),
    "annual_plan": _ids(AnnualPlan),
    "temporary_addition": _ids(TemporaryAddition),
    "selection": _ids(EnterpriseSelection),
    "contract": _ids(StorageContract),
    "evaluation": _ids(Evaluation),
})


def _enterprises_in_reach(session: Session, user: User) -> SelectOfScalar:
    """Every enterprise for the city; for a bureau those it selected, contracts with or whose lots keep its
    materials; for an enterprise itself; none for anyone else."""
    query = select(Organisation).where(Organisation.kind == OrgKind.enterprise.value)
    reach = stock_reach(session, user)
    if reach == "all":
        return query
    if reach == "enterprise":
        return query.where(Organisation.id == user.org_id)
    if reach == "bureau":
        return query.where(or_(
            Organisation.id.in_(select(EnterpriseSelection.enterprise_id).where(
                EnterpriseSelection.bureau_id == user.org_id)),
            Organisation.id.in_(select(StorageContract.enterprise_id).where(StorageContract.bureau_id == user.org_id)),
            Organisation.id.in_(select(Lot.enterprise_id).where(Lot.material_id.in_(remit_materials(user))))))
    return query.where(false())


def evaluated_enterprises_query(session: Session, user: User) -> SelectOfScalar:
    """The enterprises whose evaluations this user sees (and, with the permission, evaluates)."""
    return _enterprises_in_reach(session, user)


def qualified_enterprises_query(session: Session, user: User) -> SelectOfScalar:
    """The enterprises whose qualification page the user reads."""
    if not can(user, "view", "selection"):
        return select(Organisation).where(false())
    return _enterprises_in_reach(session, user)


def visible_enterprise(session: Session, user: User, code: str) -> Organisation:
    """The enterprise if the user may read its qualification; 404 otherwise, as for one that does not exist."""
    row = session.exec(qualified_enterprises_query(session, user).where(Organisation.code == code)).first()
    if row is None:
        raise NotFound(_l("enterprise not found"))
    return row


def statistics_reports_query(session: Session, user: User):
    """The stored statistics reports this user reads (§五(四)): a bureau its own, the city every one (the bureaus
    report to the development-and-reform commission and the finance bureau); nobody else any."""
    query = select(StatisticsReport)
    if not can(user, "view", "statistics"):
        return query.where(false())
    if sees_whole_city(session, user):
        return query
    return query.where(StatisticsReport.bureau_id == user.org_id)


def visible_statistics_report(session: Session, user: User, report_id: int) -> StatisticsReport:
    """The report if this user may read it; 404 otherwise, exactly as for one that does not exist."""
    row = session.exec(statistics_reports_query(session, user).where(StatisticsReport.id == report_id)).first()
    if row is None:
        raise NotFound(_l("statistics report not found"))
    return row
