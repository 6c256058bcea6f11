"""The donor-team actions read as sentences on the audit page (services/audit/labels.py), and the two meanings of
"Met" — a reporting clock met at a time, a compliance rule met — are separate messages to translate."""
from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_file
from sqlmodel import select

from inventory.core.clock import business_today
from inventory.models import CollectionPoint
from inventory.services.audit.labels import ACTION_LABELS
from inventory.services.blood import donors
from tests.blood.donor_helpers import clear_register

ROOT = Path(__file__).resolve().parents[2]
DONOR_ACTIONS = {
    "blood_donor.register": "Registered an emergency blood donor",
    "blood_donor.confirm": "Recorded a blood donor's yearly confirmation",
    "blood_donor.reencrypt": "Re-encrypted the donor register under a new key",
    "blood_donor_filing.record": "Recorded the donor register's yearly filing",
    "blood_donation_drill.record": "Recorded an emergency-donation drill",
    "blood_collection_point.add": "Added an emergency collection point",
    "blood_collection_point.deactivate": "Deactivated an emergency collection point",
    "blood_collection_point.reactivate": "Reactivated an emergency collection point",
}


def test_every_blood_action_the_services_write_has_a_label():
    written = {code for path in (ROOT / "inventory" / "services" / "blood").glob("*.py")
               for code in re.findall(r'"(blood_[a-z_]+\.[a-z_]+)"', path.read_text())}
    assert set(DONOR_ACTIONS) <= written
    assert sorted(written - set(ACTION_LABELS)) == []


def test_the_audit_page_shows_the_donor_actions_labelled(api, login_as, db, app):
    with app.app_context():
        clear_register(db)
    donor = api("health").post("/blood/donors", json={
        "name": "欧阳明月", "unit": "廊坊供电公司", "phone": "13912345678", "district": "sanhe", "group": "AB",
        "rh": "neg", "group_donor": True}).get_json()
    api("health").post(f"/blood/donors/{donor['id']}/confirm")
    api("health").post("/blood/donor-filings", json={"year": 2025, "filed_on": "2025-03-01", "reference": "备3号"})
    api("health").post("/blood/drills", json={"held_on": business_today().isoformat(), "participants": 5})
    point = api("health").post("/blood/collection-points", json={"name": "文安献血点", "address": "文安县",
                                                                 "district": "wenan", "capacity": 30}).get_json()
    api("health").post(f"/blood/collection-points/{point['id']}/deactivate")
    api("health").post(f"/blood/collection-points/{point['id']}/reactivate")
    with app.app_context():
        donors.reencrypt_register(session=db)
        db.commit()
    client = login_as("admin")
    client.get("/lang/en")
    for code, label in DONOR_ACTIONS.items():
        page = client.get(f"/admin/audit?action={code}").get_data(as_text=True)
        table = page[page.index('id="audit-table"'):].replace("&#39;", "'")
        assert f'<span title="{code}">{label}</span>' in table, code
        assert "13912345678" not in table and "欧阳明月" not in table
    assert db.exec(select(CollectionPoint).where(CollectionPoint.id == point["id"])).one().active is True


def _met_contexts(template: str) -> set[str | None]:
    found = set()
    for _line, message, _comments, context in extract_from_file("jinja2", ROOT / "templates" / template):
        if message == "Met" or (isinstance(message, tuple) and "Met" in message):
            found.add(context)
    return found


def test_met_is_two_messages_with_their_own_context():
    """One English word, two meanings: the clock column is a time ("met at"), the compliance badge a verdict ("rule
    met"); without contexts both would share one Chinese translation."""
    clock, rule = _met_contexts("blood/emergency.html"), _met_contexts("blood/donors/_macros.html")
    assert clock == {"reporting clock"} and rule == {"compliance rule"}


def test_the_pages_still_read_met_in_english(login_as):
    client = login_as("coordinator")
    client.get("/lang/en")
    page = client.get("/blood/donor-compliance").get_data(as_text=True)
    assert '<span class="badge text-bg-success">Met</span>' in page
