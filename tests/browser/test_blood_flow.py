"""The blood station files its daily report from the home page, and a health-commission officer confirms a proposed
level, in a real browser (docs/blood.md; blood-supply plan §三(二): the confirmation publishes the warning)."""
from __future__ import annotations

import pytest
from sqlmodel import select

from inventory.models import BloodEmergency, BloodReport
from tests.blood.web import emergency
from tests.browser.test_login_roles import log_in

pytestmark = pytest.mark.browser


def test_the_station_files_and_the_commission_confirms(page, live_server, db):
    proposal = emergency(db, "IV")
    log_in(page, live_server, "blood")
    due = page.get_attribute("#blood-report-due", "data-day")
    page.click("#blood-file-report")
    page.wait_for_selector("#report-form")
    assert page.input_value("#day") == due
    page.fill("input[name=A_pos_red_cells_on_hand]", "300")
    page.fill("input[name=A_pos_red_cells_collected]", "50")
    page.fill("input[name=A_pos_red_cells_issued]", "48")
    page.click("#report-form [type=submit]")
    page.wait_for_selector("#report-heading")
    assert "300" in page.inner_text("#report-lines")
    assert db.exec(select(BloodReport).where(BloodReport.report_date == due)).one().revision == 1
    page.click("#user-menu")
    page.click("#logout-form button")
    page.wait_for_selector("input[name=username]")

    log_in(page, live_server, "health")
    page.click("#blood-proposals a")
    page.wait_for_selector("#proposals")
    row = page.locator(f"#proposals tr[data-emergency-id='{proposal.id}']")
    row.locator("input[name=note]").fill("咨询专家组同意")
    row.locator("button[type=submit]").click()
    page.wait_for_selector("#confirmed-at")
    assert page.get_attribute("#emergency-status", "data-status") == "confirmed"
    db.expire_all()
    assert db.get(BloodEmergency, proposal.id).confirm_note == "咨询专家组同意"
