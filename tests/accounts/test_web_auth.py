"""Session login, logout, CSRF, throttling, language and the token page."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlmodel import select

import config

from inventory import create_app
from inventory.models import ApiToken, AuditEvent
from inventory.services.system import demo
from tests.helpers import count_rows, make_config, user_named

ROOT = Path(__file__).resolve().parents[2]


def test_login_then_home_shows_the_users_organisation(client):
    response = client.post("/login", data={"username": "clerk", "password": demo.DEMO_PASSWORD}, follow_redirects=True)
    assert response.status_code == 200
    assert "廊坊市粮食储备库有限公司" in response.get_data(as_text=True)


def test_wrong_password_is_refused_and_stays_logged_out(client):
    response = client.post("/login", data={"username": "clerk", "password": "wrong-password"})
    assert response.status_code == 401
    assert client.get("/").status_code == 302


def test_unknown_user_is_refused_like_a_wrong_password(client):
    response = client.post("/login", data={"username": "nobody", "password": "whatever1"})
    assert response.status_code == 401


def test_logout_ends_the_session(login_as):
    client = login_as("clerk")
    assert client.get("/").status_code == 200
    client.post("/logout")
    assert client.get("/").status_code == 302


def test_login_is_audited(login_as, db):
    login_as("manager")
    actions = db.exec(select(AuditEvent.action)).all()
    assert "user.login" in actions


def test_open_redirect_after_login_is_ignored(client):
    response = client.post("/login?next=//evil.example/x", data={"username": "clerk", "password": demo.DEMO_PASSWORD})
    assert response.headers["Location"] == "/"


def test_csrf_missing_token_is_rejected_and_writes_nothing(app, db):
    csrf_app = create_app(make_config(WTF_CSRF_ENABLED=True))
    client = csrf_app.test_client()
    before = count_rows(db, AuditEvent)
    response = client.post("/login", data={"username": "clerk", "password": demo.DEMO_PASSWORD})
    assert response.status_code == 400
    assert count_rows(db, AuditEvent) == before


def test_csrf_token_from_the_form_is_accepted(app):
    csrf_app = create_app(make_config(WTF_CSRF_ENABLED=True))
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": "clerk", "password": demo.DEMO_PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_login_is_throttled_after_repeated_failures(client):
    statuses = [client.post("/login", data={"username": "clerk", "password": f"bad-{i}"}).status_code for i in range(6)]
    assert statuses[:5] == [401] * 5
    assert statuses[5] == 429
    # even the right password is refused while throttled, and the answer says when to try again
    refused = client.post("/login", data={"username": "clerk", "password": demo.DEMO_PASSWORD})
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert "尝试次数过多" in refused.get_data(as_text=True)


@pytest.mark.parametrize("env, expected", [
    ({}, "memory://"),
    ({"CELERY_BROKER_URL": "redis://cache:6379/3"}, "redis://cache:6379/3"),
    ({"REDIS_URL": "redis://cache:6379/4"}, "redis://cache:6379/4"),
    ({"REDIS_URL": "redis://cache:6379/4", "RATELIMIT_STORAGE_URI": "redis://other:6379/1"}, "redis://other:6379/1"),
])
def test_login_failures_are_counted_where_every_web_process_sees_them(monkeypatch, env, expected):
    for name in ("CELERY_BROKER_URL", "REDIS_URL", "RATELIMIT_STORAGE_URI"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert config.load()["RATELIMIT_STORAGE_URI"] == expected


def test_make_run_serves_with_one_process_so_the_memory_throttle_is_shared():
    serve = (ROOT / "scripts" / "serve.sh").read_text()
    assert re.search(r"gunicorn .*--workers 1\b", serve)


def test_successful_logins_do_not_count_towards_the_throttle(client):
    for _ in range(7):
        assert client.post("/login", data={"username": "clerk", "password": demo.DEMO_PASSWORD}).status_code == 302


def test_chinese_is_the_default_and_english_is_selectable(client):
    assert "登录" in client.get("/login").get_data(as_text=True)
    client.get("/lang/en")
    assert "Log in" in client.get("/login").get_data(as_text=True)


def test_profile_creates_and_revokes_a_token(login_as, db):
    client = login_as("clerk")
    page = client.post("/profile/tokens", data={"name": "gateway"}).get_data(as_text=True)
    token = re.search(r"(rsv_[A-Za-z0-9_-]+)", page).group(1)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    row = db.exec(select(ApiToken).where(ApiToken.name == "gateway")).one()
    client.post(f"/profile/tokens/{row.id}/revoke")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_user_cannot_revoke_another_users_token(login_as, db, token_for):
    token_for("manager")
    other = db.exec(select(ApiToken)).one()
    client = login_as("clerk")
    assert client.post(f"/profile/tokens/{other.id}/revoke").status_code == 404
    db.refresh(other)
    assert other.revoked_at is None


def test_demo_users_exist_for_every_role(db):
    roles = {user_named(db, username).role for username, *_ in demo.USERS}
    from inventory.core.vocab import Role

    assert roles == set(Role)


def test_a_token_without_a_name_is_refused_and_nothing_is_issued(login_as, db):
    before = count_rows(db, ApiToken)
    response = login_as("clerk").post("/profile/tokens", data={"name": ""}, follow_redirects=True)
    assert "rsv_" not in response.get_data(as_text=True)
    assert count_rows(db, ApiToken) == before
