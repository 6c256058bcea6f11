"""The reads the alert pages and the API share: the scoped, filtered list and one alert with its history."""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

from inventory import scope
from inventory.models import Alert, AlertEvent, District, Material, Organisation, User
from inventory.services.alerts import scans  # noqa: F401  (registers the stock and workflow kinds)
from inventory.services.alerts.registry import SCANS


@dataclass(frozen=True)
class AlertFilter:
    """Blank (None) means no filter; values are checked by the face that parsed them."""

    kind: str | None = None
    severity: str | None = None
    state: str | None = None
    enterprise: str | None = None
    category: str | None = None


def kinds() -> dict[str, object]:
    """Every registered kind and its label, for filters and the OpenAPI enum."""
    return {kind: scan.label for kind, scan in SCANS.items()}


def alerts(*, session: Session, actor: User, filters: AlertFilter) -> SelectOfScalar[Alert]:
    """The alerts the actor may see, filtered; the caller pages it (``services.paging``)."""
    scope.require(actor, "view", "alert")
    query = scope.alerts_query(session, actor)
    for column, value in ((Alert.kind, filters.kind), (Alert.severity, filters.severity),
                          (Alert.state, filters.state), (Alert.category, filters.category)):
        if value:
            query = query.where(column == value)
    if filters.enterprise:
        query = query.where(Alert.enterprise_id.in_(select(Organisation.id)
                                                     .where(Organisation.code == filters.enterprise)))
    return query


def alert_with_history(*, session: Session, actor: User, alert_id: int) -> tuple[Alert, list[AlertEvent]]:
    scope.require(actor, "view", "alert")
    alert = scope.visible_alert(session, actor, alert_id)
    return alert, history(session=session, alert_id=alert.id)


def history(*, session: Session, alert_id: int) -> list[AlertEvent]:
    """Oldest first; the caller has checked the alert is visible."""
    return list(session.exec(select(AlertEvent).where(AlertEvent.alert_id == alert_id).order_by(AlertEvent.id)))


@dataclass(frozen=True)
class AlertNames:
    """The organisations, materials and districts a page of alerts names, loaded once per page."""

    orgs: dict[int, Organisation]
    materials: dict[int, Material]
    districts: dict[int, District]


def names_for(*, session: Session, alerts: list[Alert]) -> AlertNames:
    orgs = {a.enterprise_id for a in alerts} | {a.bureau_id for a in alerts}
    materials = {a.material_id for a in alerts}
    districts = {a.district_id for a in alerts}
    return AlertNames(
        orgs={o.id: o for o in session.exec(select(Organisation).where(Organisation.id.in_(orgs - {None})))},
        materials={m.id: m for m in session.exec(select(Material).where(Material.id.in_(materials - {None})))},
        districts={d.id: d for d in session.exec(select(District).where(District.id.in_(districts - {None})))})
