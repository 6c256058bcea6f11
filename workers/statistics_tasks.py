"""The statistics report's period task (docs/plans.md, "Statistics report"): at the start of each period beat sends
it, and it stores the previous period's reports and opens their ``statistics_report`` alerts for the subscribers."""
from __future__ import annotations

from celery import shared_task

from inventory.core import settings
from inventory.db import session_scope
from inventory.services.alerts import runs
from inventory.services.plans import statistics
from workers.tasks import deliver_alerts


@shared_task(name="workers.statistics_tasks.produce_statistics_reports")
def produce_statistics_reports() -> dict[str, int]:
    """Stores the reports of the period just ended that are not stored yet (a redelivered message, or beat's next
    daily run, stores nothing more), then runs the kind's scan so each new report reaches its subscribers."""
    with session_scope() as session:
        made = statistics.produce_due(session)
        done = runs.run_scans(session=session, name="statistics_report")
        session.commit()
    if done.queued:
        deliver_alerts.apply_async(countdown=settings.delivery_group_wait().total_seconds())
    return {"produced": len(made), "queued": done.queued}
