"""Celery through a real worker: the embedded filesystem broker and Redis."""
from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker

from inventory import create_app
from inventory.db import session_scope
from inventory.services.system import checks
from tests.helpers import REDIS_URL, TMP, filesystem_broker, make_config


def wait_for_heartbeat(app, name: str, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.app_context(), session_scope() as session:
            if any(h.name == name for h in checks.heartbeats(session=session)):
                return True
        time.sleep(0.1)
    return False


def run_heartbeat_through_worker(app, name: str) -> bool:
    celery_app = app.extensions["celery"]
    celery_app.send_task("workers.tasks.heartbeat", args=(name,))
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        return wait_for_heartbeat(app, name)


def test_heartbeat_task_runs_on_a_worker_over_the_filesystem_broker(app):
    worker_app = create_app(make_config(CELERY=filesystem_broker(TMP / "broker-worker")))
    assert run_heartbeat_through_worker(worker_app, "fs-worker")


@pytest.mark.redis
@pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL is not set")
def test_heartbeat_task_runs_on_a_worker_over_redis(app):
    config = {"broker_url": REDIS_URL, "task_ignore_result": True, "broker_connection_retry_on_startup": True}
    worker_app = create_app(make_config(CELERY=config))
    assert run_heartbeat_through_worker(worker_app, "redis-worker")


@pytest.mark.redis
@pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL is not set")
def test_health_reports_redis_broker_up(app):
    up = create_app(make_config(CELERY={"broker_url": REDIS_URL}))
    assert up.test_client().get("/api/v1/health").get_json()["broker"] == "ok"


def test_the_beat_schedule_names_registered_tasks(app):
    celery_app = app.extensions["celery"]
    celery_app.loader.import_default_modules()
    for entry in celery_app.conf.beat_schedule.values():
        assert entry["task"] in celery_app.tasks


def test_a_message_of_the_embedded_broker_appears_whole_or_not_at_all(tmp_path, monkeypatch):
    """kombu's own filesystem channel creates the file, then fills it: a worker listing the folder in between
    read an empty message and stopped. Ours writes ``….msg.part`` whole and renames it into place."""
    import json
    import os

    from kombu import Connection

    from workers import files_broker

    seen = []
    rename = os.replace

    def watched(source, target):
        seen.append((sorted(p.name for p in (tmp_path / "queue").iterdir()), json.loads(open(source).read())))
        rename(source, target)

    monkeypatch.setattr(files_broker.os, "replace", watched)
    folder = filesystem_broker(tmp_path)["broker_transport_options"]
    with Connection(f"{files_broker.SCHEME}://", transport_options=folder) as connection:
        # a queue no other test declared: kombu keeps exchanges of a transport class in process-wide state
        queue = connection.SimpleQueue(f"whole-{tmp_path.name}")
        queue.put({"n": 1})
        [(listed, written)] = seen
        assert [name for name in listed if name.endswith(".msg")] == [], "nothing to read before it is whole"
        assert written["body"] and queue.get(timeout=2).payload == {"n": 1}
        queue.close()
