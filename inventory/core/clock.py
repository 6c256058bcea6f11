"""UTC for stored timestamps, Asia/Shanghai for business dates (DESIGN §3 'Time')."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def business_today() -> date:
    return datetime.now(BUSINESS_TZ).date()

