"""The facility list and page, and recording safety checks."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import select

from inventory.models import AuditEvent, Facility
from inventory.core.clock import business_today
from tests.helpers import count_rows


def facility(db, code: str) -> Facility:
    db.expire_all()
    return db.exec(select(Facility).where(Facility.code == code)).one()


def test_facility_list_is_scoped(login_as):
    grain = re.findall(r'<tr data-code="([^"]+)">', login_as("clerk").get("/facilities/").get_data(as_text=True))
    assert grain == ["GR-01", "GR-02", "GR-03"]
    city = re.findall(r'<tr data-code="([^"]+)">', login_as("coordinator").get("/facilities/").get_data(as_text=True))
    assert len(city) == 8


def test_facility_page_shows_lots_range_capacity_and_safety(login_as):
    html = login_as("coldclerk").get("/facilities/CS-01").get_data(as_text=True)
    assert re.findall(r'<tr class="[^"]*" data-lot-id="\d+">\s*<td><a href="/stock/lots/\d+">([^<]+)</a>', html) == [
        "PK-2026-031", "PK-2026-052"]
    assert "-30.00 … -18.00 °C" in html
    assert "3,000 t" in html
    assert (business_today() - timedelta(days=40)).isoformat() in html
    assert 'id="safety-form"' not in html


def test_another_enterprises_facility_is_not_found(login_as):
    client = login_as("clerk")
    assert client.get("/facilities/CS-01").status_code == 404
    assert client.post("/facilities/CS-01/safety", data={"fire_safety": "y"}).status_code == 404


def test_manager_records_a_safety_check(login_as, db):
    checked = business_today() - timedelta(days=1)
    client = login_as("manager")
    assert 'id="safety-form"' in client.get("/facilities/GR-01").get_data(as_text=True)
    response = client.post("/facilities/GR-01/safety", data={
        "fire_safety": "y", "fire_checked_on": checked.isoformat(), "theft_safety": "y", "flood_safety": "y",
        "flood_checked_on": checked.isoformat()})
    assert response.status_code == 302
    row = facility(db, "GR-01")
    assert (row.fire_checked_on, row.flood_checked_on, row.flood_safety) == (checked, checked, True)
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "facility.safety")).first() is not None


def test_a_clerk_may_not_record_safety_checks_and_bad_dates_are_refused(login_as, db):
    before = count_rows(db, AuditEvent)
    assert login_as("clerk").post("/facilities/GR-01/safety", data={"fire_safety": "y"}).status_code == 403
    bad = login_as("manager").post("/facilities/GR-01/safety", data={"fire_checked_on": "yesterday"})
    assert bad.status_code == 422
    assert facility(db, "GR-01").fire_safety is True
    assert count_rows(db, AuditEvent) == before + 2   # the two logins only


def test_the_manager_declares_what_a_facility_stores_and_who_keeps_it(login_as, db):
    """Issue 7 items 6 and 7 (专仓专储, 专人保管): declared categories and a keeper of the enterprise, audited."""
    manager = login_as("manager")
    assert 'id="storage-form"' in manager.get("/facilities/GR-02").get_data(as_text=True)
    response = manager.post("/facilities/GR-02/storage", data={
        "storage-categories": ["grain", "edible_oil"], "storage-keeper": "manager"})
    assert response.status_code == 302
    saved = facility(db, "GR-02")
    assert (saved.categories, saved.keeper_id is not None) == ("edible_oil,grain", True)
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "facility.storage")).one()


def test_a_storage_declaration_needs_a_category_and_a_keeper_of_the_enterprise(login_as, db):
    manager = login_as("manager")
    assert manager.post("/facilities/GR-02/storage", data={"storage-keeper": "manager"}).status_code == 422
    assert manager.post("/facilities/GR-02/storage", data={
        "storage-categories": ["grain"], "storage-keeper": "coldclerk"}).status_code == 422
    assert login_as("clerk").post("/facilities/GR-02/storage", data={
        "storage-categories": ["grain"]}).status_code == 403
    assert facility(db, "GR-02").categories == "edible_oil"
