"""The pages work under the Content-Security-Policy (no inline script; Bootstrap served locally), and the
navigation fits a 1366 px screen in Chinese. The ``page`` fixture fails a test on any CSP violation."""
from __future__ import annotations

import pytest

from tests.browser.test_login_roles import log_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("username", ["admin", "clerk", "approver"])
def test_the_navigation_fits_one_line_at_1366_pixels_in_chinese(page, live_server, username):
    log_in(page, live_server, username)
    assert page.viewport_size["width"] == 1366
    assert page.is_visible("#main-nav"), "the bar is expanded, not collapsed behind the toggler"
    line = page.evaluate("parseFloat(getComputedStyle(document.querySelector('#main-nav .nav-link')).lineHeight)")
    for handle in page.query_selector_all("#main-nav > li > a, #user-nav > li > a"):
        box = handle.bounding_box()
        assert box["height"] < 2 * line, handle.inner_text()
    assert page.query_selector(".navbar").bounding_box()["height"] < 80
    assert page.is_visible("#nav-inbox")


def test_bootstrap_runs_menus_open_and_alerts_close(page, live_server):
    log_in(page, live_server, "clerk")
    page.click("#user-menu")
    page.wait_for_selector("#profile-link", state="visible")
    background = page.evaluate("getComputedStyle(document.querySelector('.navbar')).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent"), "Bootstrap's CSS is loaded"
    page.click("#profile-link")
    page.fill("#current_password", "wrong-password")
    page.fill("#new_password", "a-new-pass-2026")
    page.fill("#confirm", "a-new-pass-2026")
    page.click("#password-form [type=submit]")
    page.wait_for_selector(".alert .btn-close")
    page.click(".alert .btn-close")
    page.wait_for_selector(".alert", state="detached")


def test_the_stock_summary_chart_draws_its_bars(page, live_server):
    log_in(page, live_server, "admin")
    page.goto(f"{live_server}/stock/summary")
    bars = page.query_selector_all("svg.summary-chart rect.bar")
    assert bars and all(bar.bounding_box()["width"] >= 0 for bar in bars)
    assert max(bar.bounding_box()["width"] for bar in bars) > 10
    fill = page.evaluate("getComputedStyle(document.querySelector('svg.summary-chart rect.bar')).fill")
    assert fill not in ("rgb(0, 0, 0)", "none")


def test_the_catalogue_filter_submits_on_change_without_inline_script(page, live_server):
    log_in(page, live_server, "officer")
    page.goto(f"{live_server}/catalogue/")
    with page.expect_navigation():
        page.select_option("select[name=category]", "grain")
    assert "category=grain" in page.url


def test_the_favicon_loads(page, live_server):
    response = page.goto(f"{live_server}/favicon.ico")
    assert response.status == 200
