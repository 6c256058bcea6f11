"""Emergencies through the pages (docs/blood.md "Levels", "Reporting clocks", "Responses"; issue 11 deliverables
4–6): a computed level awaits the health commission's confirmation, which publishes the warning (blood-supply plan
§三(二)); Levels II and I are declared with reason and document; the reporting clocks of §三(三)2 turn overdue after
their deadline; the response checklists of §四 are ticked with who and when; escalation keeps the history; Level II
records its temporary blood-handling units (§六(三))."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from inventory.models import AuditEvent, BloodEmergency, BloodHandlingUnit, BloodNotice, BloodResponse
from inventory.services.accounts import directory
from tests.blood.web import emergency, freeze, text
from tests.helpers import count_rows, user_named

T0 = datetime(2025, 10, 9, 1, 0, tzinfo=timezone.utc)
MINUTE = timedelta(minutes=1)


def test_a_health_officer_confirms_a_proposal_and_both_moments_are_kept(db, login_as):
    """§三(二): a computed level is a proposal; confirmed by the health commission, the warning is published."""
    row = emergency(db, "IV", at=T0)
    client = login_as("health")
    listing = text(client.get("/blood/emergencies/"))
    assert f'<tr data-emergency-id="{row.id}">' in listing[listing.index('id="proposals"'):]
    done = client.post(f"/blood/emergencies/{row.id}/confirm", data={"note": "专家组意见一致"})
    assert done.status_code == 302
    db.expire_all()
    confirmed = db.get(BloodEmergency, row.id)
    assert (confirmed.status, confirmed.confirmed_by, confirmed.proposed_at) == (
        "confirmed", user_named(db, "health").id, T0)
    assert confirmed.confirmed_at > T0
    page = text(client.get(f"/blood/emergencies/{row.id}"))
    assert 'id="proposed-at"' in page and 'id="confirmed-at"' in page and 'id="confirm-form"' not in page
    assert client.post(f"/blood/emergencies/{row.id}/confirm", data={}).status_code == 422  # decided once


@pytest.mark.parametrize("username", ["blood", "admin", "gov"])
def test_only_health_officers_confirm(db, login_as, username):
    row = emergency(db, "IV")
    client = login_as(username)
    assert 'id="confirm-form"' not in text(client.get(f"/blood/emergencies/{row.id}"))
    assert client.post(f"/blood/emergencies/{row.id}/confirm", data={}).status_code == 403
    db.expire_all()
    assert db.get(BloodEmergency, row.id).status == "proposed"


def test_others_are_refused_and_another_stations_level_is_a_404(db, login_as):
    row = emergency(db, "III")
    assert login_as("clerk").get(f"/blood/emergencies/{row.id}").status_code == 403
    other = directory.create_org(session=db, code="BLOOD-2", kind="blood_station", name="另一血站",
                                 district_code="sanhe", domain=None)
    db.commit()
    row.station_id = other.id
    db.add(row)
    db.commit()
    client = login_as("blood")
    assert client.get(f"/blood/emergencies/{row.id}").status_code == 404
    assert client.post(f"/blood/emergencies/{row.id}/responses", data={"measure": "III.1"}).status_code == 404
    assert login_as("health").get(f"/blood/emergencies/{row.id}").status_code == 200


def test_a_health_officer_declares_level_ii_with_reason_and_document(db, login_as):
    """§一(五): Level II when the facilities are destroyed or the province designates it; declared by the commission."""
    client = login_as("health")
    assert client.post("/blood/emergencies/declare", data={"level": "II", "reason": ""}).status_code == 422
    assert client.post("/blood/emergencies/declare", data={"level": "IV", "reason": "x"}).status_code == 422
    assert count_rows(db, BloodEmergency) == 0
    done = client.post("/blood/emergencies/declare", data={"level": "II", "reason": "血站制备设施损毁，一周内无法恢复",
                                                           "document": "冀卫血〔2025〕12号"})
    assert done.status_code == 302
    row = db.exec(select(BloodEmergency)).one()
    assert (row.level, row.origin, row.status, row.document) == ("II", "declared", "confirmed", "冀卫血〔2025〕12号")
    assert login_as("blood").get("/blood/emergencies/declare").status_code == 403


@pytest.mark.parametrize("level, key, allowed", [
    ("III", "city:any", timedelta(hours=1, minutes=30)),
    ("II", "province:phone", timedelta(minutes=20)),
    ("I", "city:written", timedelta(minutes=35)),
])
def test_the_clocks_page_shows_overdue_after_the_deadline(db, login_as, monkeypatch, level, key, allowed):
    """§三(三)2: Level III in 1.5 hours; II and I by phone in 20 minutes, in writing in 35; a minute either side."""
    row = emergency(db, level, at=T0, status="confirmed")
    client = login_as("health")

    def state() -> str:
        page = text(client.get(f"/blood/emergencies/{row.id}"))
        return page[page.index(f'data-clock="{key}"'):].split('data-overdue="', 1)[1][:4]

    freeze(monkeypatch, T0 + allowed - MINUTE)
    assert state() == "fals"
    freeze(monkeypatch, T0 + allowed + MINUTE)
    assert state() == "true"
    recipient, channel = key.split(":")
    reported = (T0 + allowed - 2 * MINUTE).astimezone(timezone(timedelta(hours=8))).strftime("%Y-%m-%dT%H:%M")
    done = client.post(f"/blood/emergencies/{row.id}/notices", data={
        "recipient": recipient, "channel": "phone" if channel == "any" else channel, "reported_at": reported,
        "note": "值班室电话"})
    assert done.status_code == 302, text(done)
    assert state() == "fals"  # met on time, two minutes before the deadline
    notice = db.exec(select(BloodNotice)).one()
    assert (notice.reported_at, notice.recorded_by) == (T0 + allowed - 2 * MINUTE, user_named(db, "health").id)


def test_a_report_in_the_future_is_refused(db, login_as, monkeypatch):
    row = emergency(db, "III", at=T0, status="confirmed")
    freeze(monkeypatch, T0 + 10 * MINUTE)
    bad = login_as("health").post(f"/blood/emergencies/{row.id}/notices", data={
        "recipient": "city", "channel": "phone", "reported_at": "2025-10-09T12:00"})
    assert bad.status_code == 422 and count_rows(db, BloodNotice) == 0


def test_checklist_ticks_are_recorded_with_who_and_when(db, login_as):
    """§四(四)1–5: Level IV's measures, ticked by the health commission or the station, once each."""
    row = emergency(db, "IV", status="confirmed")
    health = login_as("health")
    page = text(health.get(f"/blood/emergencies/{row.id}"))
    assert [m for m in ("IV.1", "IV.2", "IV.3", "IV.4", "IV.5") if f'data-measure="{m}"' in page] == [
        "IV.1", "IV.2", "IV.3", "IV.4", "IV.5"]
    assert 'data-measure="III.1"' not in page
    assert health.post(f"/blood/emergencies/{row.id}/responses", data={"measure": "IV.3", "note": "电视台公益广告"}
                       ).status_code == 302
    again = health.post(f"/blood/emergencies/{row.id}/responses", data={"measure": "IV.3", "note": "again"})
    assert again.status_code == 422
    assert health.post(f"/blood/emergencies/{row.id}/responses", data={"measure": "III.1"}).status_code == 422
    health.get("/logout")
    station = login_as("blood")
    assert station.post(f"/blood/emergencies/{row.id}/responses", data={"measure": "IV.4"}).status_code == 302
    ticks = {t.measure: t for t in db.exec(select(BloodResponse))}
    assert set(ticks) == {"IV.3", "IV.4"}
    assert (ticks["IV.3"].done_by, ticks["IV.3"].note) == (user_named(db, "health").id, "电视台公益广告")
    assert ticks["IV.4"].done_by == user_named(db, "blood").id and ticks["IV.4"].done_at is not None
    page = text(station.get(f"/blood/emergencies/{row.id}"))
    assert 'data-measure="IV.3" data-done="true"' in page and "电视台公益广告" in page
    assert login_as("gov").post(f"/blood/emergencies/{row.id}/responses",
                                data={"measure": "IV.1"}).status_code == 403
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "blood_response.tick")).all().__len__() == 2


def test_escalation_from_iv_to_iii_keeps_the_level_iv_checklist(db, login_as):
    """§一(五): III after 7 days is a level of its own beside IV, so IV's ticks stay in the history."""
    four = emergency(db, "IV", status="confirmed")
    client = login_as("health")
    client.post(f"/blood/emergencies/{four.id}/responses", data={"measure": "IV.1"})
    three = emergency(db, "III")
    page = text(client.get(f"/blood/emergencies/{three.id}"))
    assert f'href="/blood/emergencies/{four.id}"' in page[page.index('id="emergency-history"'):]
    assert [f'data-measure="III.{n}"' in page for n in (1, 2, 3)] == [True] * 3
    assert 'data-measure="IV.1" data-done="true"' in text(client.get(f"/blood/emergencies/{four.id}"))


def test_level_ii_records_the_state_of_emergency_and_temporary_units(db, login_as):
    """§四(二): the city declares the state of emergency; §六(三): temporary blood-handling units."""
    row = emergency(db, "II", status="confirmed", origin="declared")
    client = login_as("health")
    assert 'data-measure="II.state"' in text(client.get(f"/blood/emergencies/{row.id}"))
    assert client.post(f"/blood/emergencies/{row.id}/responses",
                       data={"measure": "II.state", "note": "市政府公告第3号"}).status_code == 302
    assert client.post(f"/blood/emergencies/{row.id}/units", data={"name": "", "kind": "hospital",
                                                                   "designated_by": "city"}).status_code == 422
    done = client.post(f"/blood/emergencies/{row.id}/units", data={
        "name": "廊坊市人民医院输血科", "kind": "hospital", "designated_by": "province", "document": "冀卫函〔2025〕8号"})
    assert done.status_code == 302
    unit = db.exec(select(BloodHandlingUnit)).one()
    assert (unit.name, unit.designated_by, unit.recorded_by) == ("廊坊市人民医院输血科", "province",
                                                                 user_named(db, "health").id)
    four = emergency(db, "IV", status="confirmed")
    assert 'id="unit-form"' not in text(client.get(f"/blood/emergencies/{four.id}"))
    assert client.post(f"/blood/emergencies/{four.id}/units", data={
        "name": "x", "kind": "hospital", "designated_by": "city"}).status_code == 422
    assert count_rows(db, BloodHandlingUnit) == 1
