"""What the home page counts for its reader: open alerts, what waits in the role inbox, lots near expiry.

Every count runs over the reader's scoped queries (``inventory.scope``), so an enterprise counts its own rows,
a bureau its remit and the city's roles the whole city, and each number matches the filtered list it links to.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from inventory import scope
from inventory.core.vocab import AlertSeverity, AlertState
from inventory.models import Alert, Organisation, User
from inventory.services.stock import queries as stock_queries
from inventory.services.workflows import inbox
from inventory.services.workflows.inbox import InboxItem

#: the expiry windows the home page counts lots for, in days (the lot list filters by the same numbers)
EXPIRY_WINDOWS = (30, 90)
#: enterprises listed for a bureau or the city, most open alerts first
ENTERPRISES_SHOWN = 10


@dataclass(frozen=True)
class EnterpriseLine:
    """One enterprise's open alerts, for the readers who see more than one enterprise."""

    code: str
    name: str
    by_severity: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_severity.values())


@dataclass(frozen=True)
class Home:
    """``by_severity`` has every severity, most urgent first; ``by_kind`` only the kinds with open alerts."""

    sees_alerts: bool
    sees_lots: bool
    reach: str
    by_severity: dict[str, int]
    by_kind: dict[str, int]
    expiring: dict[int, int]
    enterprises: list[EnterpriseLine]
    waiting: list[InboxItem]

    @property
    def open_total(self) -> int:
        return sum(self.by_severity.values())

    @property
    def wider_than_one_enterprise(self) -> bool:
        return self.reach in {"bureau", "all"}


def summary(*, session: Session, actor: User) -> Home:
    sees_alerts = scope.can(actor, "view", "alert")
    sees_lots = scope.can(actor, "view", "lot")
    reach = scope.stock_reach(session, actor)
    by_severity = {severity.value: 0 for severity in reversed(AlertSeverity)}
    by_kind: dict[str, int] = {}
    enterprises: list[EnterpriseLine] = []
    if sees_alerts:
        for severity, kind, number in session.exec(_open(session, actor, Alert.severity, Alert.kind)):
            by_severity[severity] = by_severity.get(severity, 0) + number
            by_kind[kind] = by_kind.get(kind, 0) + number
        if reach in {"bureau", "all"}:
            enterprises = _by_enterprise(session, actor)
    expiring = {days: _expiring(session, actor, days) for days in EXPIRY_WINDOWS} if sees_lots else {}
    return Home(sees_alerts=sees_alerts, sees_lots=sees_lots, reach=reach, by_severity=by_severity,
                by_kind=dict(sorted(by_kind.items(), key=lambda item: -item[1])), expiring=expiring,
                enterprises=enterprises, waiting=inbox.items_for(session=session, user=actor))


def _open(session: Session, actor: User, *columns):
    """Open (unacknowledged) alerts the actor sees, counted per ``columns``: one GROUP BY."""
    return (select(*columns, func.count()).where(scope.alert_filter(session, actor), Alert.state == AlertState.open)
            .group_by(*columns))


def _by_enterprise(session: Session, actor: User) -> list[EnterpriseLine]:
    counts: dict[int, dict[str, int]] = {}
    for enterprise_id, severity, number in session.exec(_open(session, actor, Alert.enterprise_id, Alert.severity)
                                                         .where(Alert.enterprise_id.is_not(None))):
        counts.setdefault(enterprise_id, {s.value: 0 for s in reversed(AlertSeverity)})[severity] = number
    orgs = {o.id: o for o in session.exec(select(Organisation).where(Organisation.id.in_(counts)))}
    lines = [EnterpriseLine(code=orgs[i].code, name=orgs[i].name, by_severity=c) for i, c in counts.items()]
    return sorted(lines, key=lambda line: (-line.by_severity.get("critical", 0), -line.total, line.code)
                  )[:ENTERPRISES_SHOWN]


def _expiring(session: Session, actor: User, days: int) -> int:
    """The lots with stock expiring within ``days`` (expired ones included), as the lot list filters them."""
    lots = stock_queries.lots(session=session, actor=actor,
                              filters=stock_queries.LotFilter(expiring_within_days=days))
    return session.exec(select(func.count()).select_from(lots.subquery())).one()
