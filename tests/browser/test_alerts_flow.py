"""An enterprise manager is told about expiring stock and acts on it, in a real browser: the home page counts
the open alerts, the navigation bar counts the unread notifications, a subscription is made and an alert
acknowledged (docs/domain-rules.md, alerts)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from inventory.core.clock import business_today
from inventory.services.alerts import delivery, runs
from tests.browser.test_login_roles import log_in
from tests.helpers import receive

pytestmark = pytest.mark.browser


@pytest.fixture
def alerted(app, db):
    """An expiring lot of ENT-GRAIN, scanned and delivered to the demo subscriptions (the in-app inbox)."""
    app.config["ALERT_GROUP_WAIT_SECONDS"] = 0
    receive(db, expiry=business_today() + timedelta(days=5), lot_code="WH-EXP-1")
    with app.app_context():
        runs.run_scans(session=db, name="all")
        db.commit()
        delivery.deliver_due()
    return app


def test_manager_sees_counts_reads_notifications_subscribes_and_acknowledges(page, live_server, alerted):
    log_in(page, live_server, "manager")
    total = int(page.inner_text("#home-open-total"))
    assert total >= 1
    unread = int(page.inner_text("#unread-count"))
    assert unread >= 1

    page.click("#home-severity tr[data-severity=critical] a")
    page.wait_for_selector("#alert-table")
    assert "WH-EXP-1" in page.inner_text("#alert-table")

    page.click("#nav-notifications")
    page.wait_for_selector("#notification-table")
    assert "WH-EXP-1" in page.inner_text("#notification-table")
    page.click("#mark-all-read [type=submit]")
    page.wait_for_selector("#notification-table")
    assert page.locator("#unread-count").count() == 0

    page.goto(f"{live_server}/alerts/subscriptions/")
    page.click("#new-subscription")
    page.fill("#name", "临期批次邮件")
    page.select_option("#channel", "email")
    page.fill("#target", "manager@example.com")
    page.select_option("#kinds", ["lot_expiring"])
    page.click("#subscription-form [type=submit]")
    page.wait_for_selector("#subscription-table")
    assert "临期批次邮件" in page.inner_text("#subscription-table")

    page.goto(f"{live_server}/alerts/?state=open&kind=lot_expiring")
    row = page.locator("#alert-table tr", has_text="WH-EXP-1")
    row.locator("input[name=alerts]").check()
    page.click("#acknowledge-selected")
    page.wait_for_selector("#alert-table")
    acknowledged = page.locator("#alert-table tr", has_text="WH-EXP-1")
    assert acknowledged.count() == 1 and acknowledged.locator("input[name=alerts]").count() == 0
