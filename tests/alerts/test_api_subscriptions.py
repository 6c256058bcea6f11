"""/subscriptions over the API: create, list, read, change, remove and test; bad input names its field and
writes nothing; every demo user sees only their own and their organisation's subscriptions."""
from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from inventory.models import AuditEvent, Subscription
from inventory.services.system.demo import USERS
from tests.helpers import assert_error, count_rows, org_coded, user_named

#: a public address, so the target check needs no name lookup
PUBLIC_HOOK = "https://93.184.215.14/reserve-hook"

EMAIL = {"name": "到期提醒", "channel": "email", "target": "ops@example.com", "kinds": ["lot_expiring"],
         "min_severity": "warning", "enterprises": ["ENT-GRAIN"], "categories": ["grain"], "districts": ["anci"]}
WEBHOOK = {"name": "值班系统", "channel": "webhook", "target": PUBLIC_HOOK}


def _create(api, user: str, **body) -> dict:
    response = api(user).post("/subscriptions", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _listed(api, user: str) -> list[dict]:
    items, cursor = [], ""
    while True:
        body = api(user).get(f"/subscriptions?limit=2&cursor={cursor}").get_json()
        items += body["items"]
        if not body["next_cursor"]:
            return items
        cursor = body["next_cursor"]


def test_create_read_change_and_delete(api, db):
    created = _create(api, "clerk", **EMAIL, digest_hour=8)
    clerk = user_named(db, "clerk")
    assert created["user_id"] == clerk.id and created["org_id"] is None and created["created_by"] == clerk.id
    assert {k: created[k] for k in EMAIL} == EMAIL and created["digest_hour"] == 8 and created["active"] is True

    assert api("clerk").get(f"/subscriptions/{created['id']}").get_json() == created
    assert created["id"] in {item["id"] for item in _listed(api, "clerk")}

    changed = api("clerk").patch(f"/subscriptions/{created['id']}", json={"min_severity": "critical"}).get_json()
    assert changed == {**created, "min_severity": "critical"}, "the fields not given keep their stored values"
    immediate = api("clerk").patch(f"/subscriptions/{created['id']}",
                                   json={"digest_hour": None, "name": None, "kinds": []}).get_json()
    assert (immediate["digest_hour"], immediate["name"], immediate["kinds"]) == (None, EMAIL["name"], [])

    response = api("clerk").delete(f"/subscriptions/{created['id']}")
    assert response.status_code == 204 and response.data == b""
    assert_error(api("clerk").get(f"/subscriptions/{created['id']}"), 404, "not_found")
    assert created["id"] not in {item["id"] for item in _listed(api, "clerk")}
    assert_error(api("clerk").delete(f"/subscriptions/{created['id']}"), 404, "not_found")
    stored = db.get(Subscription, created["id"])
    assert stored.deleted_at is not None and stored.active is False
    actions = [e.action for e in db.exec(AuditEvent.__table__.select().where(
        AuditEvent.entity == "subscription", AuditEvent.entity_id == str(created["id"])).order_by(AuditEvent.id))]
    assert actions == ["subscription.create", "subscription.update", "subscription.update", "subscription.delete"]


def test_a_webhook_secret_is_generated_kept_replaced_and_shown_only_to_its_managers(api):
    own = _create(api, "clerk", **WEBHOOK)
    assert len(own["secret"]) >= 32
    for change in ({"name": "改名"}, {"name": "再改", "secret": None}):
        kept = api("clerk").patch(f"/subscriptions/{own['id']}", json=change).get_json()
        assert kept["secret"] == own["secret"]
    chosen = api("clerk").patch(f"/subscriptions/{own['id']}", json={"secret": "s" * 16}).get_json()
    assert chosen["secret"] == "s" * 16

    shared = _create(api, "manager", **WEBHOOK, for_organisation=True)
    assert api("manager").get(f"/subscriptions/{shared['id']}").get_json()["secret"] == shared["secret"]
    assert api("admin").get(f"/subscriptions/{shared['id']}").get_json()["secret"] == shared["secret"]
    seen_by_clerk = api("clerk").get(f"/subscriptions/{shared['id']}").get_json()
    assert seen_by_clerk["secret"] is None and seen_by_clerk["target"] == PUBLIC_HOOK
    assert next(i for i in _listed(api, "clerk") if i["id"] == shared["id"])["secret"] is None


@pytest.mark.parametrize("user, allowed", [
    ("manager", True), ("approver", True), ("coordinator", True), ("admin", True), ("coldmanager", True),
    ("clerk", False), ("officer", False), ("inspector", False), ("viewer", False), ("gov", False),
])
def test_only_managers_approvers_coordinators_and_admins_create_organisation_subscriptions(api, db, user, allowed):
    before = count_rows(db, Subscription)
    response = api(user).post("/subscriptions", json={**EMAIL, "enterprises": [], "districts": [],
                                                      "for_organisation": True})
    if allowed:
        assert response.status_code == 201, response.get_json()
        body = response.get_json()
        assert body["org_id"] == user_named(db, user).org_id and body["user_id"] is None
    else:
        assert_error(response, 403, "forbidden")
        assert count_rows(db, Subscription) == before


def test_an_organisation_subscription_is_changed_only_by_its_managers(api, db):
    shared = _create(api, "manager", **EMAIL, for_organisation=True)
    for method in ("patch", "delete"):
        kwargs = {"json": {"name": "x"}} if method == "patch" else {}
        assert_error(getattr(api("clerk"), method)(f"/subscriptions/{shared['id']}", **kwargs), 403, "forbidden")
    assert_error(api("clerk").post(f"/subscriptions/{shared['id']}/test"), 403, "forbidden")
    assert db.get(Subscription, shared["id"]).name == EMAIL["name"]
    assert api("manager").patch(f"/subscriptions/{shared['id']}", json={"name": "库内"}).get_json()["name"] == "库内"
    assert api("admin").delete(f"/subscriptions/{shared['id']}").status_code == 204


BAD = [
    ({**WEBHOOK, "target": "ftp://93.184.215.14/hook"}, "target"),
    ({**WEBHOOK, "target": "javascript:alert(1)"}, "target"),
    ({**WEBHOOK, "target": "http://127.0.0.1:8080/hook"}, "target"),
    ({**WEBHOOK, "target": "http://10.0.0.1/hook"}, "target"),
    ({**WEBHOOK, "target": "http://[::1]/hook"}, "target"),
    ({**WEBHOOK, "target": "http://user:pw@93.184.215.14/hook"}, "target"),
    ({**WEBHOOK, "secret": "short"}, "secret"),
    ({**EMAIL, "target": "not-an-address"}, "target"),
    ({**EMAIL, "target": ""}, "target"),
    ({**EMAIL, "kinds": ["lot_expiring", "gold_price"]}, "kinds[1]"),
    ({**EMAIL, "digest_hour": 25}, "digest_hour"),
    ({**EMAIL, "digest_hour": -1}, "digest_hour"),
    ({**EMAIL, "digest_hour": True}, "digest_hour"),
    ({**EMAIL, "min_severity": "loud"}, "min_severity"),
    ({**EMAIL, "categories": ["gold"]}, "categories[0]"),
    ({**EMAIL, "enterprises": ["ENT-NOWHERE"]}, "enterprises"),
    ({**EMAIL, "enterprises": ["BUR-GRAIN"]}, "enterprises"),
    ({**EMAIL, "districts": ["atlantis"]}, "districts"),
    ({**EMAIL, "channel": "pigeon"}, "channel"),
    ({**EMAIL, "name": ""}, "name"),
    ({**EMAIL, "name": "x" * 121}, "name"),
    ({**EMAIL, "colour": "red"}, "colour"),
    ({"channel": "inbox"}, "name"),
]


@pytest.mark.parametrize("body, field", BAD)
def test_bad_input_names_the_field_and_writes_nothing(api, db, body, field):
    caller = api("manager")  # its token is issued (and audited) before counting
    rows, audits = count_rows(db, Subscription), count_rows(db, AuditEvent)
    error = assert_error(caller.post("/subscriptions", json=body), 422, "validation_error")
    assert field in error["fields"], error
    assert (count_rows(db, Subscription), count_rows(db, AuditEvent)) == (rows, audits)


@pytest.mark.parametrize("body, field", BAD[:11])
def test_a_bad_change_names_the_field_and_changes_nothing(api, db, body, field):
    stored = _create(api, "manager", **{**WEBHOOK, "name": "原样"})
    audits = count_rows(db, AuditEvent)
    changes = {key: value for key, value in body.items() if key != "name"}
    error = assert_error(api("manager").patch(f"/subscriptions/{stored['id']}", json=changes), 422,
                         "validation_error")
    assert field in error["fields"], error
    assert api("manager").get(f"/subscriptions/{stored['id']}").get_json() == stored
    assert count_rows(db, AuditEvent) == audits


def test_an_empty_change_is_refused(api):
    stored = _create(api, "manager", **EMAIL)
    assert_error(api("manager").patch(f"/subscriptions/{stored['id']}", json={}), 422, "validation_error")
    assert_error(api("manager").patch(f"/subscriptions/{stored['id']}", json={"name": None}), 422,
                 "validation_error")


def test_private_targets_are_accepted_once_the_administrator_allows_their_network(app, api):
    loopback, private = "http://127.0.0.1:8080/hook", "http://10.0.0.1/hook"
    app.config["WEBHOOK_ALLOWED_NETWORKS"] = "127.0.0.0/8, 10.0.0.0/8"
    assert [_create(api, "manager", **{**WEBHOOK, "target": t})["target"] for t in (loopback, private)] == \
        [loopback, private]
    app.config["WEBHOOK_ALLOWED_NETWORKS"] = "127.0.0.0/8"
    assert _create(api, "manager", **{**WEBHOOK, "target": loopback})["target"] == loopback
    error = assert_error(api("manager").post("/subscriptions", json={**WEBHOOK, "target": private}), 422,
                         "validation_error")
    assert "target" in error["fields"]


#: subscriptions made for the tenancy matrix: (owner, for the owner's organisation)
OWNED = [("clerk", False), ("manager", True), ("coldmanager", False), ("coldmanager", True), ("officer", False),
         ("approver", True), ("emapprover", True), ("coordinator", False), ("admin", False)]


@pytest.fixture
def owned(api) -> list[dict]:
    return [_create(api, owner, **{**EMAIL, "enterprises": [], "districts": [], "for_organisation": shared})
            for owner, shared in OWNED]


@pytest.mark.parametrize("user", sorted(username for username, *_ in USERS))
def test_tenancy_every_demo_user_sees_only_their_own_and_their_organisations(api, db, owned, user):
    me = user_named(db, user)
    listed = _listed(api, user)
    if me.role != "admin":
        assert all(item["user_id"] == me.id or item["org_id"] == me.org_id for item in listed)
    visible = {s["id"] for s in owned if me.role == "admin" or s["user_id"] == me.id or s["org_id"] == me.org_id}
    assert {item["id"] for item in listed} & {s["id"] for s in owned} == visible
    for other in (s for s in owned if s["id"] not in visible):
        path = f"/subscriptions/{other['id']}"
        assert_error(api(user).get(path), 404, "not_found")
        assert_error(api(user).patch(path, json={"name": "taken"}), 404, "not_found")
        assert_error(api(user).delete(path), 404, "not_found")
        assert_error(api(user).post(path + "/test"), 404, "not_found")
        db.expire_all()
        stored = db.get(Subscription, other["id"])
        assert (stored.name, stored.deleted_at) == (EMAIL["name"], None)


def test_another_enterprise_and_another_bureau_stay_hidden(api, db, owned):
    """The matrix above, read along the organisations: ENT-COLD's and BUR-EMERGENCY's are not ENT-GRAIN's."""
    grain, cold = org_coded(db, "ENT-GRAIN").id, org_coded(db, "ENT-COLD").id
    listed = {item["id"] for item in _listed(api, "manager")}
    assert {s["id"] for s in owned if s["org_id"] == grain} <= listed
    assert not {s["id"] for s in owned if s["org_id"] == cold or s["user_id"] == user_named(db, "coldmanager").id} \
        & listed
    emergency = next(s for s in owned if s["org_id"] == org_coded(db, "BUR-EMERGENCY").id)
    assert_error(api("approver").get(f"/subscriptions/{emergency['id']}"), 404, "not_found")


class _Receiver(BaseHTTPRequestHandler):
    answer = 204
    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((dict(self.headers), body))
        self.send_response(self.answer)
        self.end_headers()

    def log_message(self, *_args) -> None:
        pass


def local_receiver(app) -> Iterator[tuple[str, type[_Receiver]]]:
    """A webhook receiver on loopback, which the application is told to allow; its handler records each POST."""
    handler = type("Receiver", (_Receiver,), {"received": []})
    server = HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    app.config["WEBHOOK_ALLOWED_NETWORKS"] = "127.0.0.0/8"
    yield f"http://127.0.0.1:{server.server_port}/hook", handler
    server.shutdown()
    server.server_close()


receiver = pytest.fixture(local_receiver)


def test_a_test_message_reaches_the_webhook_signed(api, receiver):
    url, handler = receiver
    created = _create(api, "clerk", **{**WEBHOOK, "target": url})
    response = api("clerk").post(f"/subscriptions/{created['id']}/test")
    assert response.status_code == 200
    assert response.get_json() == {"ok": True, "status": 204, "error": "", "permanent": False}
    (headers, body), = handler.received
    expected = "sha256=" + hmac.new(created["secret"].encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Reserve-Signature"] == expected and headers["X-Reserve-Delivery"]
    assert f'"subscription":{created["id"]}'.encode() in body


def test_a_refusing_receiver_is_reported_as_permanent(api, receiver):
    url, handler = receiver
    handler.answer = 410
    created = _create(api, "clerk", **{**WEBHOOK, "target": url})
    outcome = api("clerk").post(f"/subscriptions/{created['id']}/test").get_json()
    assert (outcome["ok"], outcome["status"], outcome["permanent"]) == (False, 410, True)


def test_the_inbox_needs_no_receiver(api):
    created = _create(api, "viewer", name="站内", channel="inbox")
    assert created["target"] == "" and created["secret"] == ""
    assert_error(api("viewer").post(f"/subscriptions/{created['id']}/test"), 422, "validation_error")


def test_creating_is_idempotent(api, db):
    headers = {"Idempotency-Key": "sub-1"}
    first = api("clerk").post("/subscriptions", json=EMAIL, headers=headers)
    again = api("clerk").post("/subscriptions", json=EMAIL, headers=headers)
    assert first.status_code == again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert len(db.exec(Subscription.__table__.select().where(Subscription.name == EMAIL["name"])).all()) == 1
