"""Tenancy of the alerts domain: who reads and acknowledges alerts, and which alerts each user sees.

An enterprise sees the alerts about its own rows; a bureau the alerts about materials in its remit (which
includes the workflow rows it decides: their ``bureau_id`` is the deciding bureau); coordinators, the
government and administrators the whole city; the blood station none of the stock and workflow alerts.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import false
from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

from inventory.core.errors import NotFound
from inventory.core.vocab import Role
from inventory.models import Alert, User
from inventory.scope.rules import ALL_ROLES, stock_reach

PERMISSIONS: dict[tuple[str, str], frozenset[str]] = {
    ("alert", "view"): ALL_ROLES - {Role.blood_officer},
    ("alert", "acknowledge"): ALL_ROLES - {Role.blood_officer, Role.viewer},
}


def alert_filter(session: Session, user: User):
    """A WHERE clause over ``Alert`` for the alerts this user may see."""
    reach = stock_reach(session, user)
    if reach == "all":
        return Alert.id.is_not(None)
    if reach == "bureau":
        return Alert.bureau_id == user.org_id
    if reach == "enterprise":
        return Alert.enterprise_id == user.org_id
    return false()


def alerts_query(session: Session, user: User) -> SelectOfScalar[Alert]:
    return select(Alert).where(alert_filter(session, user))


def visible_alert(session: Session, user: User, alert_id: int) -> Alert:
    """The alert if this user may see it; 404 otherwise, exactly as for one that does not exist."""
    alert = session.exec(alerts_query(session, user).where(Alert.id == alert_id)).first()
    if alert is None:
        raise NotFound(_l("alert not found"))
    return alert
