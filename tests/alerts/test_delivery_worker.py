"""Delivery for real: the outbox through real Celery worker processes over Redis, and the retry rules in process.

With Redis (``TEST_REDIS_URL``) the worker is ``workers.celery_app`` in a process of its own, consuming a queue
of the test module's own, so tasks go through the broker exactly as beat's do: a scan → one signed POST, again
→ none, the lot issued to zero → one resolution to the subscriber who asked; a failing receiver retried by the
task coming back by itself; the broker down while stock is received and scanned, then up → every delivery
once; a worker SIGKILLed while a receiver answers → Redis hands the unacknowledged message (``acks_late``) to
the next worker, which takes the stale row up under the same ``X-Reserve-Delivery`` (docs/domain-rules.md,
alerts: delivery). In process: dead after the limit and retried by an administrator, 4xx dead at once, a
timeout retried.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from flask import Flask
from sqlalchemy import text
from sqlmodel import select

from inventory import create_app
from inventory.core.clock import business_today
from inventory.db import engine_for
from inventory.models import Alert, Delivery
from inventory.services.alerts import deliveries, delivery
from tests.alerts.delivery_support import (DELIVERY_CONFIG, assert_signed_webhook, deliveries_of, expiring_lot,
                                           issue_all, scan, settle_demo, subscribe)
from tests.alerts.helpers import alert_for
from tests.helpers import DATABASE_URL, IS_POSTGRES, REDIS_URL, count_rows, make_config, user_named

ROOT = Path(__file__).resolve().parents[2]
#: the real worker entry point, with this test's queue (and transport options) laid over its configuration
WORKER_MAIN = ("import json, os\n"
               "from workers.celery_app import celery_app\n"
               "celery_app.conf.update(json.loads(os.environ['TEST_CELERY_CONF']))\n"
               "celery_app.worker_main(['worker', '--pool=solo', '--loglevel=WARNING', '--without-mingle',\n"
               "                        '--without-gossip', '--without-heartbeat'])\n")
#: a Redis port nobody listens on: the broker is down
DEAD_BROKER = "redis://127.0.0.1:1/0"
#: the kill test: Redis redelivers an unacknowledged message this old; a 'sending' row this old is taken up again
VISIBILITY_S, STALE_S = 3, 2


def states(db, subscription) -> list[tuple[str, int]]:
    return [(d.state, d.attempts) for d in deliveries_of(db, subscription)]


class Broker:
    """Redis with a queue of this test's own: tasks sent as beat sends them, and worker processes that take them."""

    def __init__(self, tmp: Path) -> None:
        self.queue = f"e2e-{uuid.uuid4().hex[:12]}"
        self.tmp = tmp
        self.sender = create_app(make_config(CELERY={"broker_url": REDIS_URL, "task_default_queue": self.queue,
                                                     "task_ignore_result": True}))
        self.running: list[subprocess.Popen] = []

    def send(self, task: str, *args: object) -> None:
        self.sender.extensions["celery"].send_task(f"workers.tasks.{task}", args=args)

    def start(self, *, visibility_timeout: float | None = None, **settings: object) -> subprocess.Popen:
        """A worker process (its own process group) with the delivery settings, ``settings`` laid over them."""
        conf: dict = {"task_default_queue": self.queue}
        if visibility_timeout is not None:
            conf["broker_transport_options"] = {"visibility_timeout": visibility_timeout}
        env = {key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "RATELIMIT_STORAGE_URI"}}
        env.update({key: str(value) for key, value in {**DELIVERY_CONFIG, **settings}.items()})
        env.update(DATABASE_URL=DATABASE_URL, CELERY_BROKER_URL=REDIS_URL, INSTANCE_PATH=str(self.tmp / "instance"),
                   TEST_CELERY_CONF=json.dumps(conf))
        log = open(self.tmp / f"worker-{len(self.running)}.log", "w")  # noqa: SIM115 - the process writes it
        process = subprocess.Popen([sys.executable, "-c", WORKER_MAIN], cwd=ROOT, env=env, start_new_session=True,
                                   stdout=log, stderr=subprocess.STDOUT)
        self.running.append(process)
        return process

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        """SIGKILL: no warm shutdown, no acknowledgement, no cleanup."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    @contextmanager
    def worker(self, **settings: object) -> Iterator[subprocess.Popen]:
        process = self.start(**settings)
        try:
            yield process
        finally:
            self.stop(process)

    def stop(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill(process)

    def close(self) -> None:
        for process in self.running:
            self.stop(process)
        with redis.Redis.from_url(REDIS_URL) as client:  # the queue and kombu's bindings of it
            leftovers = list(client.scan_iter(match=f"*{self.queue}*"))
            if leftovers:
                client.delete(*leftovers)

    def wait_until(self, condition: Callable[[], object], what: str, timeout: float = 30.0) -> None:
        """Polls ``condition``; on timeout the failure shows what the workers logged."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                logs = "\n".join(path.read_text() for path in sorted(self.tmp.glob("worker-*.log")))
                raise AssertionError(f"timed out waiting for {what}; worker logs:\n{logs}")
            time.sleep(0.05)


@pytest.fixture
def broker(app: Flask, tmp_path: Path) -> Iterator[Broker]:
    """A queue for workers the test starts and stops itself; they are gone before ``app`` restores the
    database, so none writes into the next test's rows."""
    found = Broker(tmp_path)
    yield found
    found.close()


@pytest.fixture(scope="module")
def worker(snapshot, tmp_path_factory) -> Iterator[Broker]:
    """One worker process for the tests that do not kill it (starting one takes seconds); it is idle between
    tests, since each waits until its deliveries are final."""
    found = Broker(tmp_path_factory.mktemp("worker"))
    found.start()
    yield found
    found.close()


@pytest.fixture
def delivering(app: Flask) -> Iterator[Flask]:
    """In-process deliveries (``delivery.deliver_due``) with the settings the worker processes get."""
    with app.app_context():
        app.config.update(DELIVERY_CONFIG)
        yield app


def _rows_by_state(db) -> dict[tuple[str, int], int]:
    """How many outbox rows there are in each (state, attempts)."""
    db.expire_all()
    return dict(Counter((d.state, d.attempts) for d in db.exec(select(Delivery))))


def _refreshed(db, alert: Alert) -> Callable[[], bool]:
    """True once a scan has run after ``alert`` was last seen (a refresh moves ``last_seen``)."""
    lot_id, before = alert.subject_id, alert.last_seen

    def seen() -> bool:
        return alert_for(db, "lot_expiring", lot_id).last_seen > before
    return seen


@pytest.mark.redis
@pytest.mark.slow
@pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL is not set")
@pytest.mark.usefixtures("delivering")
def test_a_scan_through_the_broker_posts_once_and_a_resolution_once_to_who_asked(worker, db, receiver):
    settle_demo(db)
    told = subscribe(db, "manager", "webhook", receiver.url + "/told", send_resolved=True)
    quiet = subscribe(db, "clerk", "webhook", receiver.url + "/quiet")
    lot = expiring_lot(db)
    worker.send("scan_alerts", "expiry")
    worker.wait_until(lambda: states(db, told) == states(db, quiet) == [("delivered", 1)], "the first deliveries")
    first = list(receiver.requests)
    assert sorted(r.path for r in first) == ["/hook/quiet", "/hook/told"]
    assert {assert_signed_webhook(r) for r in first} == {d.batch for d in deliveries_of(db, told) + deliveries_of(db, quiet)}
    for request in first:
        alert, = request.json()["alerts"]
        assert (alert["subject_id"], alert["event"]) == (lot.id, "opened")

    worker.send("scan_alerts", "expiry")
    worker.wait_until(_refreshed(db, alert_for(db, "lot_expiring", lot.id)), "the second scan")
    time.sleep(0.5)
    assert len(receiver.requests) == 2 and count_rows(db, Delivery) == 2, "the only subscriptions are the test's"

    issue_all(db, lot)
    worker.send("scan_alerts", "expiry")
    worker.wait_until(lambda: states(db, told) == [("delivered", 1)] * 2, "the resolution")
    time.sleep(0.5)
    assert len(receiver.requests) == 3 and states(db, quiet) == [("delivered", 1)]
    resolution = receiver.requests[2]
    assert resolution.path == "/hook/told" and assert_signed_webhook(resolution) == deliveries_of(db, told)[1].batch
    assert [(a["subject_id"], a["event"], a["state"]) for a in resolution.json()["alerts"]] == [
        (lot.id, "resolved", "resolved")]
    assert alert_for(db, "lot_expiring", lot.id).state == "resolved"


@pytest.mark.redis
@pytest.mark.slow
@pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL is not set")
@pytest.mark.usefixtures("delivering")
def test_the_worker_retries_a_failing_receiver_by_itself_under_one_delivery_id(worker, db, receiver):
    settle_demo(db)
    hook = subscribe(db, "manager", "webhook", receiver.url)
    receiver.answers = [500, 503, 500]
    expiring_lot(db)
    worker.send("scan_alerts", "expiry")
    worker.wait_until(lambda: states(db, hook) == [("delivered", 4)], "the fourth attempt")
    time.sleep(0.5)
    assert len(receiver.requests) == 4, "three failures, then one success, then nothing"
    assert {assert_signed_webhook(r) for r in receiver.requests} == {deliveries_of(db, hook)[0].batch}
    assert len({r.body for r in receiver.requests}) == 1, "a retry sends the same bytes"
    row, = deliveries_of(db, hook)
    assert (row.last_status, row.last_error) == (200, "") and row.delivered_at is not None


@pytest.mark.redis
@pytest.mark.slow
@pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL is not set")
@pytest.mark.usefixtures("delivering")
def test_with_the_broker_down_stock_and_alerts_are_recorded_then_each_delivery_goes_out_once(worker, db, receiver,
                                                                                            token_for):
    settle_demo(db, keep_defaults=True)
    users = ("manager", "clerk", "approver", "coordinator")
    hooks = {user: subscribe(db, user, "webhook", f"{receiver.url}/{user}") for user in users}
    down = create_app(make_config(CELERY={"broker_url": DEAD_BROKER, "task_ignore_result": True}, **DELIVERY_CONFIG))
    expiry = (business_today() + timedelta(days=10)).isoformat()
    client = down.test_client()
    for n in range(3):
        response = client.post("/api/v1/lots", headers=token_for("clerk"), json={
            "material": "WHEAT", "facility": "GR-01", "lot_code": f"DOWN-{n}", "quantity": "10", "expiry_date": expiry})
        assert response.status_code == 201, response.get_json()
    before = count_rows(db, Delivery)
    scanned = down.test_cli_runner().invoke(args=["scan", "expiry"])
    assert scanned.exit_code == 0 and "lot_expiring: opened 3," in scanned.output, scanned.output
    pending = count_rows(db, Delivery)
    assert f"deliveries queued: {pending - before} " in scanned.output
    assert pending - before > 12, "the demo's default inbox subscriptions are owed their deliveries too"
    assert _rows_by_state(db) == {("pending", 0): pending} and receiver.requests == []

    worker.send("deliver_alerts")  # beat's sweep; and again, as a redelivered message would be
    worker.send("deliver_alerts")
    worker.wait_until(lambda: _rows_by_state(db) == {("delivered", 1): pending}, "every delivery, once")
    time.sleep(0.5)
    assert _rows_by_state(db) == {("delivered", 1): pending}
    assert all(states(db, hook) == [("delivered", 1)] * 3 for hook in hooks.values())
    assert sorted(r.path for r in receiver.requests) == sorted(f"/hook/{user}" for user in users)
    assert len({assert_signed_webhook(r) for r in receiver.requests}) == 4
    for request in receiver.requests:
        assert sorted(a["payload"]["lot_code"] for a in request.json()["alerts"]) == ["DOWN-0", "DOWN-1", "DOWN-2"]


@pytest.mark.redis
@pytest.mark.slow
@pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL is not set")
@pytest.mark.usefixtures("delivering")
def test_a_worker_killed_during_a_delivery_leaves_it_to_the_next_worker_under_the_same_id(broker, db, receiver):
    settle_demo(db)
    hook = subscribe(db, "manager", "webhook", receiver.url)
    expiring_lot(db)
    scan(db)
    receiver.delay = 4.0
    crashing = broker.start(visibility_timeout=VISIBILITY_S, ALERT_SENDING_STALE_SECONDS=STALE_S)
    broker.send("deliver_alerts")
    broker.wait_until(lambda: receiver.requests, "the first attempt")
    assert states(db, hook) == [("sending", 1)]
    broker.kill(crashing)
    receiver.delay = 0.0
    assert states(db, hook) == [("sending", 1)], "the killed worker recorded nothing"
    # kombu hands unacknowledged messages older than the visibility timeout back when a worker starts (and then
    # only every ~100 s): the restarted worker comes up once the message is that old
    time.sleep(VISIBILITY_S)
    with broker.worker(visibility_timeout=VISIBILITY_S, ALERT_SENDING_STALE_SECONDS=STALE_S):
        broker.wait_until(lambda: states(db, hook) == [("delivered", 2)], "the delivery after the restart")
        time.sleep(0.5)
    assert len(receiver.requests) == 2, "the receiver got it twice, as at-least-once promises"
    assert {assert_signed_webhook(r) for r in receiver.requests} == {deliveries_of(db, hook)[0].batch}, \
        "one X-Reserve-Delivery id: a receiver deduplicating by it acts once"
    assert receiver.requests[0].body == receiver.requests[1].body


def _deliver_until(db, subscription, done: Callable[[list[tuple[str, int]]], bool], runs: int = 10) -> None:
    """``deliver_due`` as the rescheduled task would run it, waiting out each back-off."""
    for _ in range(runs):
        delivery.deliver_due()
        if done(states(db, subscription)):
            return
        time.sleep(float(DELIVERY_CONFIG["ALERT_RETRY_BASE_SECONDS"]) * 2)
    raise AssertionError(states(db, subscription))


def test_a_receiver_failing_forever_is_dead_after_the_limit_and_a_retry_sends_it(delivering, db, receiver):
    settle_demo(db)
    hook = subscribe(db, "manager", "webhook", receiver.url)
    receiver.answers = [503] * 4
    expiring_lot(db)
    scan(db)
    _deliver_until(db, hook, lambda found: found[0][0] == "dead")
    limit = int(DELIVERY_CONFIG["ALERT_DELIVERY_MAX_ATTEMPTS"])
    assert states(db, hook) == [("dead", limit)] and len(receiver.requests) == limit
    dead = deliveries_of(db, hook)[0]
    assert dead.last_status == 503 and dead.delivered_at is None
    assert delivery.deliver_due().sent == 0 and len(receiver.requests) == limit, "dead stays dead"

    admin = user_named(db, "admin")
    listed = db.exec(deliveries.listing(session=db, actor=admin, state="dead")).all()
    assert [row[0].id for row in listed] == [dead.id]
    assert deliveries.retry(session=db, actor=admin, delivery_ids=[dead.id]) == 1
    db.commit()
    assert delivery.deliver_due().sent == 1
    assert states(db, hook) == [("delivered", 1)]
    assert {assert_signed_webhook(r) for r in receiver.requests} == {dead.batch}, "the retry is the same message"
    assert db.exec(deliveries.listing(session=db, actor=admin, state="dead")).all() == []


@pytest.mark.parametrize("status", [400, 404, 410])
def test_a_4xx_answer_is_dead_at_once_with_the_answer_recorded(delivering, db, receiver, status):
    settle_demo(db)
    hook = subscribe(db, "manager", "webhook", receiver.url)
    receiver.answers = [status]
    expiring_lot(db)
    scan(db)
    report = delivery.deliver_due()
    assert (report.sent, report.retrying, report.dead) == (0, 0, 1)
    row, = deliveries_of(db, hook)
    assert (row.state, row.attempts, row.last_status) == ("dead", 1, status)
    assert str(status) in row.last_error
    time.sleep(float(DELIVERY_CONFIG["ALERT_RETRY_BASE_SECONDS"]))
    assert delivery.deliver_due().sent == 0 and len(receiver.requests) == 1


def test_a_receiver_too_slow_to_answer_is_retried(delivering, db, receiver):
    delivering.config["ALERT_HTTP_TIMEOUT"] = 0.5
    settle_demo(db)
    hook = subscribe(db, "manager", "webhook", receiver.url)
    receiver.delay = 1.5
    expiring_lot(db)
    scan(db)
    assert delivery.deliver_due().retrying == 1
    row, = deliveries_of(db, hook)
    assert (row.state, row.attempts, row.last_status, row.last_error) == ("pending", 1, None, "timed out")
    receiver.delay = 0.0
    _deliver_until(db, hook, lambda found: found == [("delivered", 2)])
    assert len({assert_signed_webhook(r) for r in receiver.requests}) == 1 and len(receiver.requests) == 2


@pytest.mark.skipif(not IS_POSTGRES, reason="an open read transaction shows in pg_stat_activity")
def test_no_transaction_stays_open_while_a_receiver_answers(delivering, db, receiver):
    settle_demo(db)
    subscribe(db, "manager", "webhook", receiver.url)
    expiring_lot(db)
    scan(db)
    receiver.delay = 1.5

    def deliver() -> None:
        with delivering.app_context():
            delivery.deliver_due()

    sending = threading.Thread(target=deliver)
    sending.start()
    try:
        receiver.wait_for(1)
        with engine_for(DATABASE_URL).connect() as conn:
            held = conn.execute(text("SELECT left(query, 80) FROM pg_stat_activity WHERE datname = current_database() "
                                     "AND state = 'idle in transaction' AND pid <> pg_backend_pid()")).scalars().all()
    finally:
        sending.join()
    assert held == [], "a transaction (and its table locks) is held for as long as the receiver takes"
