"""My subscriptions: create, edit, delete and test through the pages; bad input writes nothing; another
user's subscription is a 404 and an organisation's is changed only by its manager or approver."""
from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlmodel import select

from inventory.models import AuditEvent, Subscription
from tests.helpers import count_rows, org_coded, user_named

BASE = "/alerts/subscriptions/"


def form(**overrides) -> dict:
    data = {"name": "过期提醒", "channel": "email", "target": "ops@example.com", "kinds": ["lot_expiring"],
            "min_severity": "warning", "enterprises": [], "categories": [], "districts": [], "secret": "",
            "digest_hour": "", "active": "y"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def subscriptions_of(db, username: str) -> list[Subscription]:
    db.expire_all()
    return list(db.exec(select(Subscription).where(Subscription.user_id == user_named(db, username).id,
                                                   Subscription.deleted_at.is_(None))))


def field_errors(page: str, field: str) -> str:
    """The error text under one field of a rendered form ("" when it has none)."""
    block = next(b for b in page.split('<div class="mb-3') if f'name="{field}"' in b)
    errors = re.findall(r'<div class="invalid-feedback[^"]*">(.*?)</div>', block, re.S)
    assert errors, f"no error under {field}"
    return " ".join(errors)


@pytest.fixture
def receiver(app) -> Iterator[dict]:
    """A local webhook receiver answering ``state["status"]``; loopback allowed as an administrator would."""
    state = {"status": 200, "bodies": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (the http.server hook's name)
            state["bodies"].append((dict(self.headers), self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(state["status"])
            self.end_headers()
            self.wfile.write(b"refused" if state["status"] >= 400 else b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    app.config["WEBHOOK_ALLOWED_NETWORKS"] = "127.0.0.0/8"
    state["url"] = f"http://127.0.0.1:{server.server_port}/hook"
    yield state
    server.shutdown()


def test_create_lists_and_audits_a_personal_subscription(login_as, db):
    client = login_as("manager")
    assert 'id="subscription-form"' in client.get(BASE + "new").get_data(as_text=True)
    response = client.post(BASE + "new", data=form(enterprises=["ENT-GRAIN"], categories=["grain"],
                                                   districts=["anci"], digest_hour="7", send_resolved="y"))
    assert response.status_code == 302
    subscription, = [s for s in subscriptions_of(db, "manager") if s.name == "过期提醒"]
    assert (subscription.channel, subscription.target, subscription.kinds, subscription.min_severity) == (
        "email", "ops@example.com", ["lot_expiring"], "warning")
    assert subscription.enterprises == [org_coded(db, "ENT-GRAIN").id] and subscription.categories == ["grain"]
    assert subscription.digest_hour == 7 and subscription.send_resolved and subscription.org_id is None
    page = client.get(BASE).get_data(as_text=True)
    row = page[page.index(f'data-subscription-id="{subscription.id}"'):]
    assert "过期提醒" in row and "ENT-GRAIN" in row and "每日 7:00 汇总" in row
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "subscription.create",
                                            AuditEvent.entity_id == subscription.id)).first()
    admin = login_as("admin").get(BASE).get_data(as_text=True)
    assert "粮库经理 李娜" in admin[admin.index(f'data-subscription-id="{subscription.id}"'):].split("</tr>")[0]


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"channel": "webhook", "target": "ftp://example.com/hook"}, "target", "http"),
    ({"channel": "webhook", "target": "http://10.1.2.3/hook"}, "target", "10.1.2.3"),
    ({"kinds": ["lot_expiring", "sunspots"]}, "kinds", "sunspots"),
    ({"target": "not-an-address"}, "target", ""),
    ({"digest_hour": "25"}, "digest_hour", ""),
    ({"digest_hour": "seven"}, "digest_hour", ""),
    ({"enterprises": ["ENT-NOWHERE"]}, "enterprises", "ENT-NOWHERE"),
    ({"channel": "pigeon"}, "channel", ""),
    ({"name": ""}, "name", ""),
])
def test_bad_input_shows_the_field_and_writes_nothing(login_as, db, overrides, field, message):
    client = login_as("manager")
    before = count_rows(db, Subscription), count_rows(db, AuditEvent)
    response = client.post(BASE + "new", data=form(**overrides))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in field_errors(page, field)
    assert (count_rows(db, Subscription), count_rows(db, AuditEvent)) == before


def test_the_organisations_subscription_is_kept_by_its_manager_and_read_by_its_clerk(login_as, db):
    manager = login_as("manager")
    assert 'name="for_organisation"' in manager.get(BASE + "new").get_data(as_text=True)
    manager.post(BASE + "new", data=form(name="粮库值班", for_organisation="y"))
    db.expire_all()
    shared = db.exec(select(Subscription).where(Subscription.name == "粮库值班")).one()
    assert shared.org_id == org_coded(db, "ENT-GRAIN").id and shared.user_id is None

    clerk = login_as("clerk")
    assert 'name="for_organisation"' not in clerk.get(BASE + "new").get_data(as_text=True)
    page = clerk.get(BASE).get_data(as_text=True)
    row = page[page.index(f'data-subscription-id="{shared.id}"'):].split("</tr>")[0]
    assert "粮库值班" in row and "/edit" not in row
    assert clerk.get(f"{BASE}{shared.id}/edit").status_code == 403
    assert clerk.post(f"{BASE}{shared.id}/delete").status_code == 403
    # a clerk's "for my organisation" is not offered, so the request makes a personal subscription
    clerk.post(BASE + "new", data=form(name="我的提醒", for_organisation="y"))
    mine, = [s for s in subscriptions_of(db, "clerk") if s.name == "我的提醒"]
    assert mine.org_id is None


def test_another_users_subscription_is_a_404_everywhere(login_as, db):
    login_as("manager").post(BASE + "new", data=form())
    subscription, = subscriptions_of(db, "manager")[-1:]
    other = login_as("coldmanager")
    assert str(subscription.id) not in re.findall(r'data-subscription-id="(\d+)"', other.get(BASE).get_data(as_text=True))
    for method, path in (("get", "edit"), ("post", "edit"), ("get", "delete"), ("post", "delete"), ("post", "test")):
        assert getattr(other, method)(f"{BASE}{subscription.id}/{path}", data=form(name="x")).status_code == 404
    db.expire_all()
    assert db.get(Subscription, subscription.id).name == "过期提醒" and db.get(Subscription, subscription.id).active


def test_edit_keeps_the_secret_when_left_blank_and_bad_edits_write_nothing(login_as, db, receiver):
    client = login_as("manager")
    client.post(BASE + "new", data=form(channel="webhook", target=receiver["url"]))
    subscription, = subscriptions_of(db, "manager")[-1:]
    secret = subscription.secret
    assert len(secret) >= 32
    page = client.get(f"{BASE}{subscription.id}/edit").get_data(as_text=True)
    assert 'value="过期提醒"' in page and f'value="{secret}"' not in page and secret in page  # shown, not as input
    assert client.post(f"{BASE}{subscription.id}/edit",
                       data=form(name="改名", channel="webhook", target=receiver["url"], digest_hour="8")).status_code == 302
    db.expire_all()
    edited = db.get(Subscription, subscription.id)
    assert (edited.name, edited.digest_hour, edited.secret) == ("改名", 8, secret)
    response = client.post(f"{BASE}{subscription.id}/edit", data=form(name="再改", channel="webhook",
                                                                       target="gopher://x", digest_hour="8"))
    assert response.status_code == 422
    db.expire_all()
    assert db.get(Subscription, subscription.id).name == "改名"


def test_delete_asks_first_then_removes_it_from_the_list(login_as, db):
    client = login_as("manager")
    client.post(BASE + "new", data=form())
    subscription, = subscriptions_of(db, "manager")[-1:]
    confirm = client.get(f"{BASE}{subscription.id}/delete").get_data(as_text=True)
    assert 'id="delete-subscription-form"' in confirm and "过期提醒" in confirm
    db.expire_all()
    assert db.get(Subscription, subscription.id).deleted_at is None
    assert client.post(f"{BASE}{subscription.id}/delete").status_code == 302
    db.expire_all()
    assert db.get(Subscription, subscription.id).deleted_at is not None
    assert f'data-subscription-id="{subscription.id}"' not in client.get(BASE).get_data(as_text=True)
    assert client.get(f"{BASE}{subscription.id}/edit").status_code == 404


def test_send_a_test_says_what_the_receiver_answered(login_as, db, receiver):
    client = login_as("manager")
    client.post(BASE + "new", data=form(channel="webhook", target=receiver["url"]))
    subscription, = subscriptions_of(db, "manager")[-1:]
    page = client.post(f"{BASE}{subscription.id}/test", follow_redirects=True).get_data(as_text=True)
    assert "测试消息已送达" in page and len(receiver["bodies"]) == 1
    assert receiver["bodies"][0][0]["X-Reserve-Signature"].startswith("sha256=")
    receiver["status"] = 410
    page = client.post(f"{BASE}{subscription.id}/test", follow_redirects=True).get_data(as_text=True)
    assert "测试消息发送失败" in page and "refused" in page


def test_the_blood_officer_subscribes_to_its_own_alerts(login_as):
    assert login_as("blood").get(BASE).status_code == 200
