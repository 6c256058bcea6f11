"""What people do to alerts: acknowledge them, decided once with a conditional update."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from inventory import scope
from inventory.core.clock import utcnow
from inventory.core.errors import Conflict, Invalid, NotFound
from inventory.core.vocab import AlertEventKind, AlertState
from inventory.models import Alert, AlertEvent, User
from inventory.services.audit import trail

NOTE_LENGTH = 500
#: alerts acknowledged in one request at most (a page of the list)
BATCH = 500
#: the largest id an id column holds: a larger one names no alert (and would overflow PostgreSQL's integer)
MAX_ID = 2_147_483_647


def acknowledge(*, session: Session, actor: User, alert_ids: list[int], note: str = "") -> list[Alert]:
    """Acknowledge open alerts, all or none: ``UPDATE … WHERE id IN (…) AND state = 'open'``; when fewer rows
    change than asked (already acknowledged or resolved, or someone was quicker) 409 and the caller rolls back."""
    scope.require(actor, "acknowledge", "alert")
    note = (note or "").strip()
    ids = sorted(set(alert_ids))
    if not ids:
        raise Invalid.field("alerts", _l("choose at least one alert"))
    if any(not 1 <= alert_id <= MAX_ID for alert_id in ids):
        raise NotFound(_l("alert not found"))
    if len(ids) > BATCH:
        raise Invalid.field("alerts", _l("at most %(count)s alerts at once", count=BATCH))
    if len(note) > NOTE_LENGTH:
        raise Invalid.field("note", _l("at most %(count)s characters", count=NOTE_LENGTH))
    visible = set(session.exec(scope.alerts_query(session, actor).with_only_columns(Alert.id)
                               .where(Alert.id.in_(ids))))
    if visible != set(ids):
        raise NotFound(_l("alert not found"))
    now = utcnow()
    table = Alert.__table__
    changed = session.connection().execute(
        table.update().where(table.c.id.in_(ids), table.c.state == AlertState.open)
        # acknowledging stops the escalation chain; reminders go on until the condition ends
        .values(state=AlertState.acknowledged.value, acknowledged_by=actor.id, acknowledged_at=now, escalate_at=None)
        .returning(table.c.id, table.c.severity, table.c.enterprise_id)).all()
    if len(changed) != len(ids):
        raise Conflict(_l("only open alerts can be acknowledged"), code="illegal_transition")
    session.connection().execute(AlertEvent.__table__.insert(), [dict(
        alert_id=alert_id, at=now, from_state=AlertState.open.value, to_state=AlertState.acknowledged.value,
        from_severity=severity, to_severity=severity, kind=AlertEventKind.acknowledged.value, actor_id=actor.id,
        note=note)
        for alert_id, severity, _ in changed])
    for alert_id, _, enterprise_id in changed:
        trail.record(session, actor=actor, action="alert.acknowledge", entity="alert", entity_id=alert_id,
                     org_id=enterprise_id, before={"state": AlertState.open.value},
                     after={"state": AlertState.acknowledged.value, "note": note} if note
                     else {"state": AlertState.acknowledged.value})
    session.expire_all()
    return list(session.exec(select(Alert).where(Alert.id.in_(ids)).order_by(Alert.id)))
