"""Default subscriptions of the demo city, one per role that acts on alerts, all to the in-app inbox: what a
new deployment would set up first (docs/domain-rules.md, alerts)."""
from __future__ import annotations

from sqlmodel import Session, select

from inventory.models import User
from inventory.services.alerts import subscriptions
from inventory.services.alerts.subscriptions import SubscriptionInput

#: username -> (name, kinds, minimum severity, for the organisation)
DEFAULTS: dict[str, tuple[str, list[str], str, bool]] = {
    "manager": ("本企业库存预警", [], "warning", True),
    "coldmanager": ("本企业库存预警", [], "warning", True),
    "clerk": ("我的批次临期与过期", ["lot_expiring", "lot_expired"], "warning", False),
    "approver": ("本局严重预警与待审批", [], "critical", False),
    "emapprover": ("本局严重预警与待审批", [], "critical", False),
    "officer": ("本局待审批超时", ["approval_waiting"], "warning", False),
    "coordinator": ("全市严重预警", [], "critical", False),
    "admin": ("全市严重预警", [], "critical", False),
}


def seed(session: Session) -> None:
    for username, (name, kinds, severity, shared) in DEFAULTS.items():
        actor = session.exec(select(User).where(User.username == username)).one()
        subscriptions.create(session=session, actor=actor, data=SubscriptionInput(
            name=name, channel="inbox", kinds=kinds, min_severity=severity, for_organisation=shared,
            send_resolved=True))
