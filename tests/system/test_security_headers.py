"""Browser hardening on every response, and templates that need no inline script to work."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def assert_hardened(response) -> None:
    csp = response.headers["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert directives["script-src"] == ["'self'"], "no inline script, no other origin"
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in directives["default-src"] + directives["style-src"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("path", ["/login", "/", "/no-such-page", "/static/app.css", "/favicon.ico",
                                  "/api/v1/health", "/api/v1/lots"])
def test_every_kind_of_response_carries_the_security_headers(client, path):
    assert_hardened(client.get(path))


def test_logged_in_pages_and_error_pages_are_hardened(login_as):
    client = login_as("clerk")
    for path in ("/", "/stock/lots", "/admin/system", "/stock/lots/999999"):
        assert_hardened(client.get(path))


def test_no_template_has_inline_script_or_event_handler_attributes():
    offences = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        text = template.read_text()
        for match in re.finditer(r"<script\b([^>]*)>", text):
            if "src=" not in match.group(1):
                offences.append(f"{template.relative_to(TEMPLATES)}: inline <script>")
        for match in re.finditer(r"\s(on[a-z]+)\s*=", text):
            offences.append(f"{template.relative_to(TEMPLATES)}: {match.group(1)}= attribute")
        if "javascript:" in text:
            offences.append(f"{template.relative_to(TEMPLATES)}: javascript: URL")
    assert offences == []


def test_the_favicon_is_an_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"


def test_pages_with_a_users_data_are_not_cached_but_static_files_are(login_as):
    client = login_as("clerk")
    assert client.get("/stock/lots").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/static/app.css").headers.get("Cache-Control", "")
