"""Alerts over the API: the caller's alerts (filtered, keyset-paged), one alert with its history, acknowledging.

Scoped exactly as the pages (scope/alerts.py): an alert the caller may not see answers 404.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from flask import request
from pydantic import BaseModel, Field

from inventory.api.alerts.deliveries import AlertDeliveryOut, delivery_out
from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.pagination import page
from inventory.api.schemas import BODY, Blank, Out, PageQuery, StrictBody, Timestamp, errors, page_of
from inventory.api.spec import spec
from inventory.core.vocab import AlertSeverity, AlertState, Category
from inventory.db import get_session
from inventory.models import Alert
from inventory.services.alerts import actions, deliveries, queries

#: the registered kinds (services/alerts/registry.py), closed in the document
AlertKind = Literal[tuple(queries.kinds())]  # type: ignore[valid-type]


class AlertQuery(PageQuery):
    kind: Annotated[AlertKind, Blank] = None
    severity: Annotated[AlertSeverity, Blank] = None
    state: Annotated[AlertState, Blank] = None
    enterprise: Annotated[str, Blank] = Field(default=None, max_length=32, description="organisation code")
    category: Annotated[Category, Blank] = None


class AlertOut(Out):
    id: int
    kind: str
    severity: AlertSeverity
    state: AlertState
    dedup_key: str
    subject_type: str = Field(description="lot, count, transfer, adjustment, …")
    subject_id: int
    enterprise: str | None = Field(description="organisation code of the enterprise concerned")
    material: str | None = Field(description="material code")
    bureau: str | None = Field(description="organisation code of the bureau responsible")
    district: str | None = Field(description="district code")
    category: str
    payload: dict[str, Any]
    first_seen: Timestamp
    last_seen: Timestamp
    acknowledged_by: int | None
    acknowledged_at: Timestamp | None
    resolved_at: Timestamp | None


class AlertEventOut(Out):
    at: Timestamp
    from_state: AlertState | None
    to_state: AlertState
    from_severity: AlertSeverity | None
    to_severity: AlertSeverity
    actor_id: int | None = Field(description="null for the scans")
    note: str


class AlertDetail(AlertOut):
    history: list[AlertEventOut]
    deliveries: list[AlertDeliveryOut] = Field(
        description="its deliveries, oldest first: all for administrators, else those of subscriptions the caller "
                    "may manage")


class Acknowledgement(StrictBody):
    note: str = Field(default="", max_length=500)


AlertPage = page_of(AlertOut)


def _out(alert: Alert, names: queries.AlertNames, model: type[BaseModel] = AlertOut, **extra: Any) -> Any:
    def code(table: dict, key: int | None) -> str | None:
        return table[key].code if key in table else None
    return model.model_validate({
        **{name: getattr(alert, name) for name in AlertOut.model_fields if hasattr(alert, name)},
        "enterprise": code(names.orgs, alert.enterprise_id), "bureau": code(names.orgs, alert.bureau_id),
        "material": code(names.materials, alert.material_id), "district": code(names.districts, alert.district_id),
        **extra})


@bp.get("/alerts")
@spec.validate(query=AlertQuery, resp=errors(403, 422, HTTP_200=AlertPage), tags=["alerts"])
def list_alerts():
    """Alerts visible to the caller, oldest first (`?kind=&severity=&state=&enterprise=&category=`)."""
    params, session = request.context.query, get_session()
    query = queries.alerts(session=session, actor=current_user(), filters=queries.AlertFilter(
        kind=params.kind, severity=params.severity, state=params.state, enterprise=params.enterprise,
        category=params.category))
    rows, cursor = page(query, [Alert.id], params)
    names = queries.names_for(session=session, alerts=rows)
    return AlertPage(items=[_out(alert, names) for alert in rows], next_cursor=cursor)


@bp.get("/alerts/<int:alert_id>")
@spec.validate(resp=errors(403, 404, HTTP_200=AlertDetail), tags=["alerts"])
def get_alert(alert_id: int):
    """One alert with its history and deliveries, oldest first (404 when it does not exist or is not visible to
    the caller)."""
    session, user = get_session(), current_user()
    alert, history = queries.alert_with_history(session=session, actor=user, alert_id=alert_id)
    sent = deliveries.for_alert(session=session, actor=user, alert_id=alert.id)
    return _out(alert, queries.names_for(session=session, alerts=[alert]), AlertDetail,
                history=[AlertEventOut.model_validate(event) for event in history],
                deliveries=[AlertDeliveryOut.model_validate(delivery_out(row.delivery, row.subscription_name,
                                                                         row.channel)) for row in sent])


@bp.post("/alerts/<int:alert_id>/actions/acknowledge")
@spec.validate(json=Acknowledgement, resp=errors(*BODY, 403, 404, 409, HTTP_200=AlertOut), tags=["alerts"])
def acknowledge_alert(alert_id: int):
    """Acknowledge an open alert (409 `illegal_transition` when it is acknowledged or resolved already)."""
    session = get_session()
    alert, = actions.acknowledge(session=session, actor=current_user(), alert_ids=[alert_id],
                                 note=request.context.json.note)
    session.commit()
    return _out(alert, queries.names_for(session=session, alerts=[alert]))
