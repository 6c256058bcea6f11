"""A dispatch plan in a real browser: the grain bureau's officer drafts and submits it, the development and reform
commission co-signs it, and the printable order opens, all under the Content-Security-Policy."""
from __future__ import annotations

from datetime import timedelta

import pytest

from inventory.core.clock import business_today
from tests.browser.test_login_roles import log_in

pytestmark = pytest.mark.browser


def test_officer_drafts_and_submits_a_coordinator_co_signs_and_the_order_prints(page, live_server):
    log_in(page, live_server, "officer")
    page.click("#main-nav >> text=库存")
    page.click("#main-nav a[href='/dispatches/']")
    page.wait_for_selector("#dispatch-table")
    page.click("#new-dispatch")
    page.select_option("#trigger", "emergency")
    page.fill("#trigger_description", "霸州洪涝灾害，受灾群众口粮保障")
    page.select_option("#lines-0-material", "WHEAT")
    page.fill("#lines-0-quantity", "300")
    page.fill("#lines-0-unit_price", "2800")
    page.fill("#recipients", "霸州市应急管理局")
    page.fill("#requested_on", (business_today() + timedelta(days=3)).isoformat())
    page.select_option("#district", "bazhou")
    page.fill("#address", "霸州市胜芳镇安置点")
    page.fill("#transport", "承储企业自有车辆运输")
    page.click("#dispatch-form [type=submit]")

    page.wait_for_selector("#dispatch-heading")
    assert page.inner_text("#dispatch-total") == "840,000.00"
    assert page.get_attribute("#dispatch-status .badge", "data-status") == "draft"
    page.click("#dispatch-submit-form [type=submit]")
    page.wait_for_selector("#dispatch-status .badge[data-status=cosigning]")
    assert page.locator("#dispatch-actions").count() == 0, "the drafter does not sign"
    dispatch_url = page.url

    page.context.clear_cookies()
    log_in(page, live_server, "coordinator")
    page.goto(dispatch_url)
    page.fill("#approve-note", "同意")
    page.click("#dispatch-approve-form [type=submit]")
    page.wait_for_selector("#dispatch-status .badge[data-status=cosigned_1]")
    signed = page.locator("#dispatch-signatures tr[data-party=ndrc]").inner_text()
    assert "吴静" in signed and "同意" in signed
    assert page.locator("#dispatch-timeline tbody tr").count() == 3

    page.click("#print-dispatch")
    page.wait_for_selector("#order-title")
    assert page.get_attribute("html", "lang") == "zh-CN" and page.inner_text("#order-status") == "已会签（1/3）"
    assert page.is_visible("#order-not-approved")
    page.emulate_media(media="print")
    assert not page.is_visible("#order-toolbar"), "the toolbar is not printed"


def test_government_approves_the_enterprise_executes_and_the_bureau_completes(page, live_server, app, db):
    """After the co-signatures: the government's approval sends the instruction, the grain clerk finds it in the
    inbox, acknowledges and executes it first expiry first out, and the bureau's officer completes the dispatch."""
    from tests.workflows import dispatching

    with app.test_request_context("/"):
        row = dispatching.cosigned(db)
    dispatch_url = f"{live_server}/dispatches/{row.id}"

    log_in(page, live_server, "gov")
    page.goto(dispatch_url)
    page.wait_for_selector("#allocation-preview")
    page.fill("#approve-note", "同意动用")
    page.click("#dispatch-approve-form [type=submit]")
    page.wait_for_selector("#dispatch-status .badge[data-status=executing]")
    assert page.locator("#dispatch-instructions tr[data-instruction-status=issued]").count() == 1

    page.context.clear_cookies()
    log_in(page, live_server, "clerk")
    page.goto(f"{live_server}/inbox/")
    page.click("#waiting-instruction a[href^='/instructions/']")
    page.wait_for_selector("#instruction-heading")
    assert page.get_attribute("#instruction-status .badge", "data-status") == "issued"
    assert page.locator("#instruction-lots tr[data-lot-code='WH-2024-001']").count() == 1
    page.click("#instruction-acknowledge-form [type=submit]")
    page.wait_for_selector("#instruction-status .badge[data-status=acknowledged]")
    page.fill("#execute-note", "一次出清")
    page.click("#instruction-execute-form [type=submit]")
    page.wait_for_selector("#instruction-status .badge[data-status=executed]")
    assert page.get_attribute("#instruction-executed progress", "value") == "100"
    assert page.locator("#instruction-executions tbody tr[data-movement-id]").count() == 1
    assert page.locator("#instruction-actions").count() == 0

    page.context.clear_cookies()
    log_in(page, live_server, "officer")
    page.goto(dispatch_url)
    page.wait_for_selector("#dispatch-instructions tr[data-instruction-status=executed]")
    page.fill("#complete-note", "出库完毕")
    page.click("#dispatch-complete-form [type=submit]")
    page.wait_for_selector("#dispatch-status .badge[data-status=completed]")
    assert page.locator("#dispatch-replenishments tbody tr").count() == 1
    steps = page.locator("#dispatch-timeline tbody tr").evaluate_all("rows => rows.map(r => r.dataset.step)")
    assert steps[-3:] == ["approve", "execute", "complete"]
