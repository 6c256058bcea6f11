"""Two roles log in through a real browser and see what their role allows."""
from __future__ import annotations

import pytest

from inventory.services.system import demo

pytestmark = pytest.mark.browser


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.click("#login-form [type=submit]")
    page.wait_for_selector("#whoami")


def test_admin_sees_the_audit_log_and_a_clerk_does_not(page, live_server):
    log_in(page, live_server, "admin")
    page.click("#main-nav .dropdown-toggle >> text=报表")
    page.click("#main-nav >> text=审计日志")
    assert page.locator("#audit-table tbody tr").count() > 0

    page.context.clear_cookies()
    log_in(page, live_server, "clerk")
    assert "廊坊市粮食储备库有限公司" in page.inner_text("#whoami")
    assert "审计日志" not in page.inner_html("#main-nav")
    page.goto(f"{live_server}/admin/audit")
    assert "无权" in page.inner_text("#error-message")


def test_switching_to_english(page, live_server):
    log_in(page, live_server, "coordinator")
    page.click("#user-menu")
    page.click("#user-nav >> text=English")
    page.wait_for_selector("html[lang=en]")
    page.click("#main-nav .dropdown-toggle >> text=Reports")
    assert page.is_visible("#main-nav >> text=Audit log")
