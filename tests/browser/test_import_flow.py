"""A clerk imports receipts in a real browser: the job runs on a real worker while the page polls its
progress, the dry run shows a clean preview, and "import now" receives the lots."""
from __future__ import annotations

import pytest
from celery.contrib.testing.worker import start_worker
from sqlmodel import select

from inventory.models import Lot
from tests.browser.test_login_roles import log_in

pytestmark = pytest.mark.browser

CSV = "material,facility,lot_code,quantity\n" + "".join(f"WHEAT,GR-01,BR-{n:03d},10.5\n" for n in range(1, 41))


def test_dry_run_then_import_with_progress(app, db, page, live_server, tmp_path):
    upload = tmp_path / "receipts.csv"
    upload.write_text(CSV)
    with start_worker(app.extensions["celery"], pool="solo", perform_ping_check=False, loglevel="WARNING"):
        log_in(page, live_server, "clerk")
        page.goto(f"{live_server}/imports/")
        page.set_input_files("#upload-form input[type=file]", str(upload))
        page.click("#upload-form [type=submit]")
        page.wait_for_selector("#import-progress")
        page.wait_for_selector("#import-clean", timeout=30_000)  # the polling script reloads when the job ends
        assert page.locator("#import-preview tbody tr").count() == 20
        assert db.exec(select(Lot).where(Lot.lot_code.startswith("BR-"))).all() == []

        page.click("#import-now [type=submit]")
        page.wait_for_selector("#import-done", timeout=30_000)
    assert page.get_attribute("#import-progress", "aria-valuenow") == "100"
    db.expire_all()
    assert len(db.exec(select(Lot).where(Lot.lot_code.startswith("BR-"))).all()) == 40
