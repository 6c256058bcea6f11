"""Sessions end for real (logout, password change, deactivation) and login redirects stay on this site."""
from __future__ import annotations

import pytest
from sqlmodel import select

from inventory.models import AuditEvent, User
from inventory.services.system import demo
from tests.helpers import count_rows, user_named


def copy_session(app, client):
    """A second browser holding a copy of ``client``'s session cookie (what an attacker who stole it has)."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def test_a_session_cookie_copied_before_logout_is_refused_after_it(app, login_as):
    client = login_as("clerk")
    stolen = copy_session(app, client)
    assert stolen.get("/").status_code == 200
    client.post("/logout")
    response = stolen.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_logout_is_audited_and_a_new_login_works(app, login_as, db):
    client = login_as("clerk")
    client.post("/logout")
    logout = db.exec(select(AuditEvent).where(AuditEvent.action == "user.logout")).one()
    assert logout.actor_id == user_named(db, "clerk").id
    assert login_as("clerk").get("/").status_code == 200


def test_changing_the_password_ends_the_other_sessions_but_not_this_one(app, login_as, db):
    client = login_as("clerk")
    other = copy_session(app, client)
    response = client.post("/profile/password", data={"current_password": demo.DEMO_PASSWORD,
                                                      "new_password": "a-new-pass-2026", "confirm": "a-new-pass-2026"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302
    fresh = app.test_client()
    assert fresh.post("/login", data={"username": "clerk", "password": demo.DEMO_PASSWORD}).status_code == 401
    assert fresh.post("/login", data={"username": "clerk", "password": "a-new-pass-2026"}).status_code == 302
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "user.password")).one()


@pytest.mark.parametrize("data, field", [
    ({"current_password": "wrong-password", "new_password": "a-new-pass-2026", "confirm": "a-new-pass-2026"},
     "current_password"),
    ({"current_password": demo.DEMO_PASSWORD, "new_password": "short", "confirm": "short"}, "new_password"),
    ({"current_password": demo.DEMO_PASSWORD, "new_password": "a-new-pass-2026", "confirm": "another-pass-26"},
     "confirm"),
    ({"current_password": demo.DEMO_PASSWORD, "new_password": demo.DEMO_PASSWORD, "confirm": demo.DEMO_PASSWORD},
     "new_password"),
])
def test_a_refused_password_change_says_why_and_writes_nothing(app, login_as, db, data, field):
    client = login_as("clerk")  # logging in may rehash the password at the configured cost
    clerk = user_named(db, "clerk")
    before = (clerk.password_hash, clerk.session_epoch)
    events_after_login = count_rows(db, AuditEvent)
    response = client.post("/profile/password", data=data)
    assert response.status_code == 422
    assert f'id="{field}"' in response.get_data(as_text=True) and "is-invalid" in response.get_data(as_text=True)
    db.expire_all()
    clerk = user_named(db, "clerk")
    assert (clerk.password_hash, clerk.session_epoch) == before
    assert count_rows(db, AuditEvent) == events_after_login
    assert client.get("/").status_code == 200


def test_deactivating_a_user_ends_their_sessions_and_tokens(app, login_as, db, token_for):
    headers = token_for("clerk")
    clerk_browser = app.test_client()
    assert clerk_browser.post("/login", data={"username": "clerk", "password": demo.DEMO_PASSWORD}).status_code == 302
    clerk = user_named(db, "clerk")
    admin = login_as("admin")
    assert admin.post(f"/admin/users/{clerk.id}/deactivate").status_code == 302
    assert clerk_browser.get("/").status_code == 302
    assert clerk_browser.post("/login", data={"username": "clerk", "password": demo.DEMO_PASSWORD}).status_code == 401
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "user.deactivate")).one()
    assert (event.before, event.after) == ({"active": True}, {"active": False})
    admin.post(f"/admin/users/{clerk.id}/activate")
    assert clerk_browser.post("/login", data={"username": "clerk", "password": demo.DEMO_PASSWORD}).status_code == 302


def test_only_an_administrator_deactivates_and_not_themselves(app, login_as, db):
    clerk, admin_user = user_named(db, "clerk"), user_named(db, "admin")
    before = count_rows(db, AuditEvent)
    assert login_as("manager").post(f"/admin/users/{clerk.id}/deactivate").status_code == 403
    admin = login_as("admin")
    events_after_login = count_rows(db, AuditEvent)
    page = admin.post(f"/admin/users/{admin_user.id}/deactivate", follow_redirects=True).get_data(as_text=True)
    assert "alert-danger" in page
    db.expire_all()
    assert all(u.active for u in db.exec(select(User)))
    assert count_rows(db, AuditEvent) == events_after_login and events_after_login > before
    assert admin.post("/admin/users/99999999/deactivate").status_code == 404


@pytest.mark.parametrize("target", [
    "/%09/evil.example/x", "/%0a/evil.example/x", "/%0d%0a/evil.example", "/\\evil.example/x", "\\\\evil.example",
    "%09//evil.example", "//evil.example/x", "https://evil.example/x", "javascript:alert(1)", "/%20/evil.example",
])
def test_login_never_redirects_off_site(client, target):
    response = client.post(f"/login?next={target}", data={"username": "clerk", "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_returns_to_a_page_of_this_site(client):
    response = client.post("/login?next=/stock/lots%3Fstatus%3Davailable",
                           data={"username": "clerk", "password": demo.DEMO_PASSWORD})
    assert response.headers["Location"] == "/stock/lots?status=available"


@pytest.mark.parametrize("referer, back", [
    ("https://evil.example/x", "/"),
    ("http://localhost.evil.example/stock/lots", "/"),
    ("javascript:alert(1)", "/"),
    ("http://localhost/stock/lots?status=available", "/stock/lots?status=available"),
])
def test_the_language_switch_returns_only_to_this_site(client, referer, back):
    response = client.get("/lang/en", headers={"Referer": referer})
    assert response.status_code == 302
    assert response.headers["Location"] == back
