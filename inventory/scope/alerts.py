"""Tenancy of the alerts domain: who reads and acknowledges alerts, and which alerts each user sees.

An enterprise sees the alerts about its own rows; a bureau the alerts about materials in its remit (which
includes the workflow rows it decides: their ``bureau_id`` is the deciding bureau); coordinators, the
government and administrators the whole city; the blood station the alerts about its own blood stock and reports
(subject ``blood_station`` = itself), none of the stock and workflow alerts.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, false, or_
from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

from inventory.core.errors import NotFound
from inventory.core.vocab import OrgKind, Role
from inventory.models import Alert, User
from inventory.scope.rules import ALL_ROLES, CITY_WIDE_ROLES, org_kind, stock_reach

#: the subject type of the blood kinds: the station the stock and reports are of (services/blood/scans.py)
BLOOD_STATION = "blood_station"

ALERT_READERS = ALL_ROLES
#: who manages an organisation's subscriptions and mutes alerts: its manager or approver, and the city's roles
ORGANISATION_MANAGERS = frozenset({Role.admin, Role.enterprise_manager, Role.bureau_approver, Role.coordinator})

PERMISSIONS: dict[tuple[str, str], frozenset[str]] = {
    ("alert", "view"): ALERT_READERS,
    ("alert", "acknowledge"): ALERT_READERS - {Role.viewer},
    ("subscription", "create"): ALERT_READERS,
    ("subscription", "manage_organisation"): ORGANISATION_MANAGERS,
    ("silence", "view"): ALERT_READERS,
    ("silence", "create"): ORGANISATION_MANAGERS,
    ("delivery", "view"): frozenset({Role.admin}),
    ("delivery", "retry"): frozenset({Role.admin}),
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
    if org_kind(session, user) == OrgKind.blood_station:
        return and_(Alert.subject_type == BLOOD_STATION, Alert.subject_id == user.org_id)
    return false()


def alerts_query(session: Session, user: User) -> SelectOfScalar[Alert]:
    return select(Alert).where(alert_filter(session, user))


def visible_alert(session: Session, user: User, alert_id: int) -> Alert:
    """The alert if this user may see it; 404 otherwise, exactly as for one that does not exist."""
    alert = session.exec(alerts_query(session, user).where(Alert.id == alert_id)).first()
    if alert is None:
        raise NotFound(_l("alert not found"))
    return alert


def subscriber_sees(alert, org, role) -> ColumnElement[bool]:
    """The SQL twin of ``alert_filter`` for the outbox, over every subscription at once: ``alert`` the alert
    table, ``org`` the owner's organisation, ``role`` the owning user's role (NULL for an organisation's
    subscription, which reaches as far as the organisation does). Tests hold the two to the same answers."""
    may_view = or_(role.is_(None), role.in_([str(r) for r in ALERT_READERS]))
    whole_city = or_(role.in_([str(r) for r in CITY_WIDE_ROLES]),
                     org.c.kind.in_([OrgKind.coordinator.value, OrgKind.government.value]))
    return and_(may_view, or_(whole_city,
                              and_(org.c.kind == OrgKind.bureau.value, alert.c.bureau_id == org.c.id),
                              and_(org.c.kind == OrgKind.enterprise.value, alert.c.enterprise_id == org.c.id),
                              and_(org.c.kind == OrgKind.blood_station.value,
                                   alert.c.subject_type == BLOOD_STATION, alert.c.subject_id == org.c.id)))
