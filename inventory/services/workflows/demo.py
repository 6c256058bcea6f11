"""The demo city's standing emergency authorisation: the government authorised the emergency-management bureau
to dispatch relief stock at once and file afterwards (reserve-materials-measures §四(一))."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from inventory.core.clock import business_today
from inventory.models import User
from inventory.services.workflows import emergency

REFERENCE = "廊政办字〔2026〕18号"


def seed(session: Session) -> None:
    admin = session.exec(select(User).where(User.username == "admin")).one()
    today = business_today()
    emergency.record_authorisation(session=session, actor=admin, org="BUR-EMERGENCY", reference=REFERENCE,
                                   valid_from=today - timedelta(days=30), valid_until=today + timedelta(days=365),
                                   note="市人民政府授权市应急管理局在抢险救灾等紧急情况下紧急调用市级重要储备物资")
