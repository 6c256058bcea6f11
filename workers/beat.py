"""What beat sends and when. Scanner tasks find what is due in the database and fan out."""
from __future__ import annotations

from datetime import timedelta

BEAT_SCHEDULE: dict[str, dict] = {
    "heartbeat": {"task": "workers.tasks.heartbeat", "schedule": timedelta(minutes=1), "args": ("beat",)},
    "sweep-imports": {"task": "workers.tasks.sweep_imports", "schedule": timedelta(minutes=5)},
    # expiry moves by the day, counts and approvals within it: hourly keeps every alert at most an hour late
    "scan-alerts": {"task": "workers.tasks.scan_alerts", "schedule": timedelta(hours=1), "args": ("all",)},
    # escalation and reminder steps are due by the minute; the delivery sweep sends whatever a lost message,
    # a broker outage or a retry's back-off left pending
    "escalate-alerts": {"task": "workers.tasks.escalate_alerts", "schedule": timedelta(minutes=1)},
    "deliver-alerts": {"task": "workers.tasks.deliver_alerts", "schedule": timedelta(minutes=1)},
    # cold chain (docs/coldchain.md): excursions and silent sensors every five minutes; partitions ahead,
    # roll-ups and retention daily
    "scan-temperature": {"task": "workers.tasks.scan_alerts", "schedule": timedelta(minutes=5),
                         "args": ("temperature",)},
    "coldchain-storage": {"task": "workers.tasks.coldchain_storage", "schedule": timedelta(hours=24)},
    # statistics reports (docs/plans.md): the previous period's, stored once; daily, so the first run of a period
    # produces them and a missed day is caught up (the period's length is a setting, monthly or quarterly)
    "statistics-reports": {"task": "workers.statistics_tasks.produce_statistics_reports",
                           "schedule": timedelta(hours=24)},
    # storage contracts start and end by the day (docs/plans.md)
    "contracts-daily": {"task": "workers.tasks.contracts_daily", "schedule": timedelta(hours=24)},
}
