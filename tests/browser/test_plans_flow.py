"""A catalogue version in a real browser (reserve-materials-measures §二(二)): the grain bureau's officer drafts it
from the navigation, adding a row to its lines, and submits it; the development-and-reform commission, the finance
bureau and the grain bureau sign it; the government approves it and the version in force before is superseded —
all under the Content-Security-Policy."""
from __future__ import annotations

from datetime import timedelta

import pytest

from inventory.core.clock import business_today
from tests.browser.test_login_roles import log_in

pytestmark = pytest.mark.browser
PLANS_MENU = "#main-nav li:has(a[href='/plans/catalogue/']) > a.dropdown-toggle"


def test_a_catalogue_version_is_drafted_signed_by_the_parties_and_approved(page, live_server):
    log_in(page, live_server, "officer")
    page.click(PLANS_MENU)
    page.click("#main-nav a[href='/plans/catalogue/']")
    page.wait_for_selector("#version-table")
    in_force = page.get_attribute("#version-table tr:has([data-status=in_force])", "data-version-id")
    page.click("#new-version")
    page.fill("#title", "目录修订（浏览器）")
    page.fill("#review_due_on", (business_today() + timedelta(days=180)).isoformat())
    page.select_option("#lines-0-material", "WHEAT")
    page.fill("#lines-0-target_quantity", "9000")
    page.fill("#lines-0-storage_months", "36")
    page.click("#document-line-rows-add")
    assert page.locator("#document-line-rows tbody tr").count() == 4
    page.select_option("#lines-3-material", "RICE")
    page.fill("#lines-3-target_quantity", "2500")
    page.click("#document-form [type=submit]")

    page.wait_for_selector("#document-heading")
    assert page.locator("#document-lines tbody tr").count() == 2
    page.click("#document-step-form [data-action=submit]")
    page.wait_for_selector("#document-status [data-status=cosigning]")
    assert page.locator("#document-step-form").count() == 0, "the drafter does not sign"
    version_url = page.url

    for username, party in (("coordinator", "CO-NDRC"), ("finance", "CO-FIN"), ("approver", "BUR-GRAIN")):
        page.context.clear_cookies()
        log_in(page, live_server, username)
        page.goto(version_url)
        page.fill("#document-step-form input[name=note]", "同意")
        page.click("#document-step-form [data-action=sign]")
        page.wait_for_selector(f"#document-signatures tr[data-party={party}][data-signed=yes]")
    page.wait_for_selector("#document-status [data-status=cosigned]")

    page.context.clear_cookies()
    log_in(page, live_server, "gov")
    page.goto(version_url)
    page.click("#document-step-form [data-action=approve]")
    page.wait_for_selector("#document-status [data-status=in_force]")
    assert page.locator("#document-signatures tr[data-party=government][data-signed=yes]").count() == 1
    assert page.locator(f"#document-versions tr[data-version-id='{in_force}'] [data-status=superseded]").count() == 1
