"""``flask scan`` in process, and the beat task through a real worker on the file-system broker."""
from __future__ import annotations

import re
import time
from datetime import timedelta

from celery.contrib.testing.worker import start_worker
from sqlmodel import select

from inventory import create_app
from inventory.core.clock import business_today
from inventory.db import session_scope
from inventory.models import Alert
from tests.helpers import TMP, count_rows, filesystem_broker, make_config


def test_flask_scan_prints_what_it_did_and_is_idempotent(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["scan", "expiry"])
    assert first.exit_code == 0, first.output
    assert "lot_expiring: opened" in first.output and "lot_expired: opened 0" in first.output
    assert count_rows(db, Alert) >= 1
    every = runner.invoke(args=["scan", "all"])
    assert every.exit_code == 0 and "lot_expiring: opened 0" in every.output
    alerts = count_rows(db, Alert)
    again = runner.invoke(args=["scan", "all"])
    assert again.exit_code == 0 and set(re.findall(r"opened (\d+)", again.output)) == {"0"}
    assert count_rows(db, Alert) == alerts


def test_flask_scan_as_of_a_later_day_finds_more(app, db):
    day = (business_today() + timedelta(days=400)).isoformat()
    result = app.test_cli_runner().invoke(args=["scan", "lot_expiring", "--as-of", day])
    assert result.exit_code == 0, result.output
    assert count_rows(db, Alert) > 4


def test_flask_scan_refuses_unknown_names_and_bad_days_writing_nothing(app, db):
    runner = app.test_cli_runner()
    unknown = runner.invoke(args=["scan", "pressure"])
    assert unknown.exit_code == 2 and "lot_expiring" in unknown.output
    bad_day = runner.invoke(args=["scan", "all", "--as-of", "2026-13-01"])
    assert bad_day.exit_code == 2
    assert count_rows(db, Alert) == 0


def test_the_scan_task_runs_on_a_worker_over_the_filesystem_broker(app, db):
    worker_app = create_app(make_config(CELERY=filesystem_broker(TMP / "broker-alerts")))
    celery_app = worker_app.extensions["celery"]
    celery_app.send_task("workers.tasks.scan_alerts", args=("expiry",))
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with worker_app.app_context(), session_scope() as session:
                if session.exec(select(Alert)).first():
                    break
            time.sleep(0.1)
    assert count_rows(db, Alert) >= 1
    assert "scan-alerts" in celery_app.conf.beat_schedule
