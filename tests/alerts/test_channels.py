"""Each channel end to end in process (``delivery.deliver_due``, no broker): an expiring lot → one message per
subscriber in the receiver's exact format; the scan again → nothing more; the lot issued to zero → one
resolution to the subscriber who asked for it, none to the other. E-mail goes to a local SMTP server (plain
text and HTML, in the subscriber's language); webhook, WeCom and DingTalk to local HTTP receivers that check
the body, the headers and the signatures (docs/api.md)."""
from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import update

from inventory.models import Lot, User
from inventory.services.alerts import delivery
from tests.alerts.delivery_support import (DELIVERY_CONFIG, assert_signed_dingtalk, assert_signed_webhook,
                                           deliveries_of, expiring_lot, issue_all, scan, settle_demo, subscribe)
from tests.alerts.receivers import Received
from tests.alerts.smtp_receiver import Mailbox, parts, running_mailbox


#: the keys of one alert in a webhook body (docs/api.md, webhook deliveries)
DOCUMENTED_ALERT_KEYS = ("enterprise", "event", "first_seen", "id", "kind", "last_seen", "level", "material", "payload",
                         "severity", "state", "subject_id", "subject_type", "url")


@pytest.fixture
def delivering(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        app.config.update(DELIVERY_CONFIG)
        yield app


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with running_mailbox() as box:
        yield box


def _deliver() -> delivery.DeliveryReport:
    report = delivery.deliver_due()
    assert report.retrying == report.dead == 0, report
    return report


def _run_flow(db, channel: str, told_target: str, quiet_target: str, delivered: list) -> Lot:
    """The three steps of the flow, each followed by a delivery run; ``delivered`` is what the receiver holds.
    The manager, told of resolutions too, reads English; the clerk the default, Chinese."""
    db.execute(update(User).where(User.username == "manager").values(locale="en"))
    settle_demo(db)
    told = subscribe(db, "manager", channel, told_target, send_resolved=True)
    quiet = subscribe(db, "clerk", channel, quiet_target)
    lot = expiring_lot(db)
    assert scan(db) == 2
    assert _deliver().sent == 2
    assert len(delivered) == 2
    assert scan(db) == 0 and _deliver().sent == 0
    assert len(delivered) == 2
    issue_all(db, lot)
    assert scan(db) == 1, "the resolution is owed to the subscriber who asked for it only"
    assert _deliver().sent == 1
    assert len(delivered) == 3
    assert [(d.state, d.attempts) for d in deliveries_of(db, told)] == [("delivered", 1)] * 2
    assert [(d.state, d.attempts) for d in deliveries_of(db, quiet)] == [("delivered", 1)]
    return lot


def _by_path(requests: list[Received], path: str) -> list[Received]:
    return [r for r in requests if r.path.split("?")[0].endswith(path)]


def test_webhook_flow_posts_signed_json_once_per_change(delivering, db, receiver):
    lot = _run_flow(db, "webhook", receiver.url + "/told", receiver.url + "/quiet", receiver.requests)
    told, quiet = _by_path(receiver.requests, "/told"), _by_path(receiver.requests, "/quiet")
    assert len(told) == 2 and len(quiet) == 1
    ids = [assert_signed_webhook(r) for r in receiver.requests]
    assert len(set(ids)) == 3, "each message has its own X-Reserve-Delivery"
    for request in receiver.requests:
        body = request.json()
        assert request.body == json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
        assert set(body) == {"alerts", "delivery", "subscription"}
        assert {tuple(sorted(a)) for a in body["alerts"]} == {DOCUMENTED_ALERT_KEYS}
    opened, resolved = (r.json()["alerts"] for r in told)
    assert [(a["subject_id"], a["event"], a["state"]) for a in opened] == [(lot.id, "opened", "open")]
    assert [(a["subject_id"], a["event"], a["state"]) for a in resolved] == [(lot.id, "resolved", "resolved")]
    assert opened[0]["kind"] == "lot_expiring" and opened[0]["enterprise"] == "ENT-GRAIN"
    assert opened[0]["payload"]["lot_code"] == lot.lot_code


def test_wecom_flow_posts_the_robots_markdown_message(delivering, db, receiver):
    lot = _run_flow(db, "wecom", receiver.url + "/told", receiver.url + "/quiet", receiver.requests)
    for request in receiver.requests:
        body = request.json()
        assert set(body) == {"msgtype", "markdown"} and body["msgtype"] == "markdown"
        assert set(body["markdown"]) == {"content"}
        assert lot.lot_code in body["markdown"]["content"]
        assert request.headers["Content-Type"] == "application/json"
    opened, resolved = (r.json()["markdown"]["content"] for r in _by_path(receiver.requests, "/told"))
    assert "批次临期" not in opened, "the manager reads English"
    assert "Lot expiring" in opened and "Resolved" in resolved
    quiet, = _by_path(receiver.requests, "/quiet")
    assert "批次临期" in quiet.json()["markdown"]["content"], "the clerk reads the default, Chinese"


def test_dingtalk_flow_posts_to_the_signed_url(delivering, db, receiver):
    lot = _run_flow(db, "dingtalk", receiver.url + "/told", receiver.url + "/quiet", receiver.requests)
    for request in receiver.requests:
        assert_signed_dingtalk(request)
        body = request.json()
        assert set(body) == {"msgtype", "markdown"} and body["msgtype"] == "markdown"
        assert set(body["markdown"]) == {"title", "text"}
        assert 0 < len(body["markdown"]["title"]) <= 64 and lot.lot_code in body["markdown"]["text"]


def test_email_flow_sends_text_and_html_in_the_subscribers_language(delivering, db, mailbox):
    delivering.config.update(MAIL_SERVER=mailbox.host, MAIL_PORT=mailbox.port, MAIL_FROM="reserve@city.example")
    lot = _run_flow(db, "email", "manager@example.com", "clerk@example.com", mailbox.messages)
    assert sorted(to for _, (to,) in mailbox.envelopes) == ["clerk@example.com", "manager@example.com",
                                                             "manager@example.com"]
    english = [m for m in mailbox.messages if m["To"] == "manager@example.com"]
    chinese, = [m for m in mailbox.messages if m["To"] == "clerk@example.com"]
    for message in mailbox.messages:
        assert message["From"] == "reserve@city.example" and message["Message-ID"]
        text, html = parts(message)
        assert lot.lot_code in message["Subject"] and lot.lot_code in text and lot.lot_code in html
        assert "/alerts/" in text and '<a href="http://localhost:5000/alerts/' in html
    opened, resolved = english
    assert "Lot expiring" in opened["Subject"] and "批次临期" not in parts(opened)[0]
    assert "Resolved" in parts(resolved)[0]
    assert "批次临期" in chinese["Subject"] and "批次临期" in parts(chinese)[0]
    assert "Lot expiring" not in parts(chinese)[0]


def test_a_robots_error_code_is_permanent_and_recorded(delivering, db, receiver):
    settle_demo(db)
    robot = subscribe(db, "manager", "dingtalk", receiver.url)
    receiver.reply = {"errcode": 310000, "errmsg": "sign not match"}
    expiring_lot(db)
    scan(db)
    assert delivery.deliver_due().dead == 1
    dead, = deliveries_of(db, robot)
    assert (dead.state, dead.attempts, dead.last_status) == ("dead", 1, 200)
    assert "310000" in dead.last_error and len(receiver.requests) == 1


def test_an_smtp_server_saying_try_later_is_retried_and_one_refusing_is_final(delivering, db, mailbox):
    delivering.config.update(MAIL_SERVER=mailbox.host, MAIL_PORT=mailbox.port)
    settle_demo(db)
    later = subscribe(db, "manager", "email", "manager@example.com")
    expiring_lot(db)
    scan(db)
    mailbox.answers = ["451 4.3.0 try again later"]
    assert delivery.deliver_due().retrying == 1
    row, = deliveries_of(db, later)
    assert (row.state, row.attempts, row.last_status) == ("pending", 1, 451)
    time.sleep(float(DELIVERY_CONFIG["ALERT_RETRY_BASE_SECONDS"]) + 0.1)
    assert delivery.deliver_due().sent == 1 and len(mailbox.messages) == 1
    assert [(d.state, d.attempts) for d in deliveries_of(db, later)] == [("delivered", 2)]

    refused = subscribe(db, "clerk", "email", "nobody@example.com")
    mailbox.refused.add("nobody@example.com")
    expiring_lot(db)
    scan(db)
    report = delivery.deliver_due()
    assert (report.sent, report.retrying, report.dead) == (1, 0, 1)
    row, = deliveries_of(db, refused)
    assert (row.state, row.attempts, row.last_status) == ("dead", 1, 550) and "no such mailbox" in row.last_error


def _opened_message(db, receiver) -> str:
    """The WeCom markdown of one newly opened alert, as the clerk (Chinese) reads it."""
    settle_demo(db)
    subscribe(db, "clerk", "wecom", receiver.url)
    expiring_lot(db)
    scan(db)
    _deliver()
    return receiver.requests[0].json()["markdown"]["content"]


def test_a_single_changes_title_names_its_severity_once(delivering, db, receiver):
    title = _opened_message(db, receiver).splitlines()[0]
    assert title.count("【警告】") == 1, title


def test_the_chinese_message_says_the_alert_opened_not_a_start_time(delivering, db, receiver):
    assert "开始时间" not in _opened_message(db, receiver)
