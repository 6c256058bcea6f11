"""``contract_expiring`` (docs/plans.md, contracts and selections): an active storage contract whose period ends
within ``CONTRACT_EXPIRING_DAYS`` (default 30) — time for the bureau to select and contract again (§二(五)).
Critical in its last seven days; resolves once the contract expires, is terminated or the window has not begun."""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, literal, select
from sqlmodel import Session

from inventory.core import settings
from inventory.core.vocab import AlertSeverity, ContractStatus
from inventory.models import StorageContract
from inventory.services.alerts.registry import SUBJECT_PAGES, Scan, register
from inventory.services.alerts.sql import days_between, payload
from inventory.services.workflows.dispatch_alerts import _key

CRITICAL_WITHIN_DAYS = 7


def contract_expiring(session: Session, as_of: date) -> Select:
    """Active contracts ending from today to the warning period's last day."""
    return select(
        _key("contract_expiring", StorageContract.id).label("dedup_key"),
        case((StorageContract.ends_on <= as_of + timedelta(days=CRITICAL_WITHIN_DAYS), AlertSeverity.critical.value),
             else_=AlertSeverity.warning.value).label("severity"),
        literal("contract").label("subject_type"), StorageContract.id.label("subject_id"),
        StorageContract.enterprise_id.label("enterprise_id"), StorageContract.bureau_id.label("bureau_id"),
        payload(number=StorageContract.number, ends_on=StorageContract.ends_on,
                days_left=days_between(literal(as_of), StorageContract.ends_on)).label("payload"),
    ).where(StorageContract.status == ContractStatus.active, StorageContract.ends_on >= as_of,
            StorageContract.ends_on <= as_of + timedelta(days=settings.contract_expiring_days()))


register(Scan("contract_expiring", _l("Storage contract expiring"), contract_expiring, group="plans"))
SUBJECT_PAGES.update({"contract": ("contracts.show", "contract_id")})
