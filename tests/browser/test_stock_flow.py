"""A clerk receives a lot, issues from it and reads the ledger, in a real browser."""
from __future__ import annotations

from datetime import timedelta

import pytest

from inventory.core.clock import business_today
from tests.browser.test_login_roles import log_in

pytestmark = pytest.mark.browser


def test_clerk_receives_issues_and_sees_the_ledger(page, live_server):
    log_in(page, live_server, "clerk")
    page.click("#home-cards a[href='/stock/receive']")
    page.select_option("#material", "MAIZE")
    page.select_option("#facility", "GR-03")
    page.fill("#lot_code", "MZ-2026-777")
    page.fill("#quantity", "120.5")
    page.fill("#production_date", (business_today() - timedelta(days=5)).isoformat())
    page.click("#receipt-form [type=submit]")

    page.wait_for_selector("#ledger-table")
    assert "MZ-2026-777" in page.inner_text("#lot-heading")
    assert page.inner_text("#lot-on-hand").startswith("120.5")

    page.fill("#issue-quantity", "20.25")
    page.fill("#issue-note", "relief kitchen")
    page.click("#issue-form [type=submit]")

    page.wait_for_selector("#ledger-table tbody tr[data-kind=issue]")
    rows = page.locator("#ledger-table tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).get_attribute("data-kind") == "receipt"
    issue = rows.nth(1).inner_text()
    assert "-20.25" in issue and "100.25" in issue and "relief kitchen" in issue
    assert page.inner_text("#lot-on-hand").startswith("100.25")
