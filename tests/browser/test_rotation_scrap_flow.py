"""A rotation and a scrap in a real browser, under the Content-Security-Policy (reserve-materials-measures §三): the
grain clerk proposes a rotation, the bureau's approver approves it from the inbox, the clerk records what went out
and came back in and it completes; the relief clerk requests a scrap with a photo, the emergency bureau's approver
approves it, a second person of that bureau witnesses it and the clerk executes it, which opens the replenishment."""
from __future__ import annotations

import pytest
from sqlmodel import select

from inventory.models import Lot
from inventory.services.workflows import scraps
from tests.browser.test_login_roles import log_in
from tests.helpers import user_named
from tests.workflows.waiting import PNG

pytestmark = pytest.mark.browser


def _lot_id(db, code: str) -> str:
    return str(db.exec(select(Lot.id).where(Lot.lot_code == code)).one())


def _step(page, action: str, status: str, note: str = "") -> None:
    if note:
        page.fill("#scrap-step-form input[name=note], #rotation-step-form input[name=note]", note)
    page.click(f"button[data-action={action}]")
    page.wait_for_selector(f"[data-status={status}]")


def _as(page, base: str, username: str, url: str) -> None:
    page.context.clear_cookies()
    log_in(page, base, username)
    page.goto(url)


def test_a_rotation_from_proposal_through_approval_and_execution(page, live_server, db):
    log_in(page, live_server, "clerk")
    page.goto(f"{live_server}/rotations/new")
    page.select_option("#lots", _lot_id(db, "WH-2024-001"))
    page.fill("#quantity", "100")
    page.fill("#sale_price", "2600")
    page.fill("#window_days", "30")
    page.click("#rotation-form [type=submit]")
    page.wait_for_selector("#rotation-status[data-status=draft]")
    _step(page, "submit", "submitted")
    assert page.locator("button[data-action=approve]").count() == 0, "the enterprise does not approve"
    rotation_url = page.url

    _as(page, live_server, "approver", f"{live_server}/inbox/")
    page.click(f"a[href='{rotation_url.removeprefix(live_server)}']")
    page.wait_for_selector("#rotation-heading")
    _step(page, "approve", "approved", "同意轮换")
    assert page.locator("#rotation-out-form").count() == 0, "the bureau does not execute"

    _as(page, live_server, "clerk", rotation_url)
    page.fill("#out-quantity", "100")
    page.fill("#out-unit_price", "2700")
    page.click("#rotation-out-form [type=submit]")
    page.wait_for_selector("#rotation-executions tr[data-direction=out]")
    page.select_option("#in-facility", "GR-01")
    page.fill("#in-lot_code", "WH-RT-BROWSER")
    page.fill("#in-quantity", "100")
    page.fill("#in-unit_price", "2300")
    page.click("#rotation-in-form [type=submit]")
    page.wait_for_selector("#rotation-status[data-status=completed]")
    assert page.locator("#rotation-executions tr[data-direction]").count() == 2
    assert page.locator("#rotation-step-form").count() == 0

    page.goto(f"{live_server}/rotations/?material=WHEAT")
    assert page.inner_text("#rotation-table .price-margin") == "400.00"


def test_a_scrap_with_evidence_through_approval_witness_and_execution(page, live_server, app, db, tmp_path):
    app.config["ATTACHMENTS_FOLDER"] = str(tmp_path / "evidence")
    with app.test_request_context("/"):
        scraps.set_rule(session=db, actor=user_named(db, "emofficer"), material_code="TENT", age_days=1825,
                        counted_from="production")
        db.commit()
    log_in(page, live_server, "reliefclerk")
    page.goto(f"{live_server}/scraps/new")
    assert page.get_attribute("#scrap-lot-ages tr[data-lot-code='TENT-2020-01']", "data-old-enough") == "yes"
    page.select_option("#lot", _lot_id(db, "TENT-2020-01"))
    page.fill("#quantity", "10")
    page.fill("#reason", "帐篷超过报废年限，霉变破损")
    page.click("#scrap-form [type=submit]")
    page.wait_for_selector("#scrap-status[data-status=draft]")
    page.set_input_files("#file", files=[{"name": "tents.png", "mimeType": "image/png", "buffer": PNG}])
    page.click("#scrap-upload-form [type=submit]")
    page.wait_for_selector("#scrap-evidence [data-attachment-id] img")
    _step(page, "submit", "submitted")
    scrap_url = page.url

    _as(page, live_server, "emapprover", scrap_url)
    assert page.locator("#scrap-evidence img").count() == 1, "the evidence is shown inline"
    _step(page, "approve", "approved", "同意报废")
    assert page.locator("button[data-action=witness]").count() == 0, "the approver does not witness"

    _as(page, live_server, "emofficer", scrap_url)
    _step(page, "witness", "witnessed", "现场监销")

    _as(page, live_server, "reliefclerk", scrap_url)
    _step(page, "execute", "executed")
    page.click("#scrap-replenishment")
    page.wait_for_selector("#replenishment-heading")
    assert page.get_attribute("#replenishment-status .badge", "data-status") == "proposed"
