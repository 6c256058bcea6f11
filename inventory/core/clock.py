"""UTC for stored timestamps, Asia/Shanghai for business dates (DESIGN §3 'Time')."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def business_today() -> date:
    return datetime.now(BUSINESS_TZ).date()



def business_day_end(day: date) -> datetime:
    """The instant (UTC) the business day ``day`` ends in Asia/Shanghai: stored UTC stamps before it fall on or
    before ``day`` (comparing a UTC timestamp with a date would cut the day at 08:00 Beijing time)."""
    return datetime.combine(day + timedelta(days=1), time(), BUSINESS_TZ).astimezone(timezone.utc)
