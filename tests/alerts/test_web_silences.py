"""Silences through the pages: create (bad input writes nothing), list, end now; a silenced alert stays on its
page with "muted until"; who may silence and whose silences one sees follow the scope."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from inventory.core.clock import BUSINESS_TZ, business_today, utcnow
from inventory.models import Alert, AuditEvent, Silence
from tests.alerts.helpers import alerts_of, scan
from tests.helpers import count_rows, org_coded

BASE = "/alerts/silences/"


def local(moment: datetime) -> str:
    """How a datetime-local field sends a business time."""
    return moment.astimezone(BUSINESS_TZ).strftime("%Y-%m-%dT%H:%M")


def form(**overrides) -> dict:
    data = {"reason": "冷库检修", "kind": "", "enterprise": "", "facility": "GR-01", "material": "",
            "starts_at": "", "ends_at": local(utcnow() + timedelta(days=1))}
    data.update(overrides)
    return data


def silences(db) -> list[Silence]:
    db.expire_all()
    return list(db.exec(select(Silence).order_by(Silence.id)))


def test_a_manager_silences_a_facility_it_is_listed_audited_and_ended_now(login_as, db):
    client = login_as("manager")
    assert client.post(BASE, data=form()).status_code == 302
    silence, = silences(db)
    assert silence.facility_id is not None and silence.enterprise_id == org_coded(db, "ENT-GRAIN").id
    assert silence.ends_at - utcnow() > timedelta(hours=23)
    page = client.get(BASE).get_data(as_text=True)
    active = page[page.index('id="active-silences"'):page.index('id="ended-silences"')]
    assert f'data-silence-id="{silence.id}"' in active and "冷库检修" in active and "GR-01" in active
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "silence.create")).first()

    assert client.post(f"{BASE}{silence.id}/end").status_code == 302
    db.expire_all()
    assert db.get(Silence, silence.id).ends_at <= utcnow()
    page = client.get(BASE).get_data(as_text=True)
    assert f'data-silence-id="{silence.id}"' in page[page.index('id="ended-silences"'):]
    # ending it again changes nothing and says why
    page = client.post(f"{BASE}{silence.id}/end", follow_redirects=True).get_data(as_text=True)
    assert "未保存任何内容" in page


def test_the_times_are_read_as_business_time(login_as, db):
    starts = (datetime.combine(business_today() + timedelta(days=2), datetime.min.time())
              .replace(hour=8, tzinfo=BUSINESS_TZ))
    login_as("manager").post(BASE, data=form(starts_at=local(starts), ends_at=local(starts + timedelta(hours=4))))
    silence, = silences(db)
    assert silence.starts_at == starts and silence.ends_at == starts + timedelta(hours=4)
    assert "尚未开始" in login_as("manager").get(BASE).get_data(as_text=True)


@pytest.mark.parametrize("overrides", [
    {"facility": ""},                                              # nothing named
    {"ends_at": local(utcnow() - timedelta(hours=1))},             # already over
    {"ends_at": local(utcnow() + timedelta(days=200))},            # longer than allowed
    {"ends_at": ""},
    {"ends_at": "tomorrow"},
    {"facility": "NOPE-9"},
    {"kind": "sunspots"},
    {"reason": ""},
])
def test_bad_silences_write_nothing(login_as, db, overrides):
    client = login_as("manager")
    before = count_rows(db, Silence), count_rows(db, AuditEvent)
    response = client.post(BASE, data=form(**overrides))
    assert response.status_code == 422 and 'id="silence-form"' in response.get_data(as_text=True)
    assert 'is-invalid' in response.get_data(as_text=True)
    assert (count_rows(db, Silence), count_rows(db, AuditEvent)) == before


def test_another_enterprises_facility_cannot_be_silenced_nor_its_silence_seen_or_ended(login_as, db):
    assert login_as("coldmanager").post(BASE, data=form()).status_code == 404
    assert silences(db) == []
    login_as("manager").post(BASE, data=form())
    silence, = silences(db)
    cold = login_as("coldmanager")
    assert f'data-silence-id="{silence.id}"' not in cold.get(BASE).get_data(as_text=True)
    assert cold.post(f"{BASE}{silence.id}/end").status_code == 404
    db.expire_all()
    assert db.get(Silence, silence.id).ends_at > utcnow()


def test_a_clerk_reads_silences_but_may_not_create_or_end_them(login_as, db):
    login_as("manager").post(BASE, data=form())
    silence, = silences(db)
    clerk = login_as("clerk")
    page = clerk.get(BASE).get_data(as_text=True)
    assert f'data-silence-id="{silence.id}"' in page and 'id="silence-form"' not in page and "立即结束" not in page
    assert clerk.post(BASE, data=form()).status_code == 403
    assert clerk.post(f"{BASE}{silence.id}/end").status_code == 403
    assert f'data-silence-id="{silence.id}"' not in login_as("blood").get(BASE).get_data(as_text=True)


def test_a_silenced_alert_stays_listed_and_its_page_says_until_when(login_as, db, ctx):
    scan(db, "expiry", business_today() + timedelta(days=400))
    grain = org_coded(db, "ENT-GRAIN").id
    alert = next(a for a in alerts_of(db, "lot_expiring") if a.enterprise_id == grain)
    client = login_as("manager")
    assert "静默至" not in client.get(f"/alerts/{alert.id}").get_data(as_text=True)
    client.post(BASE, data=form(facility="", enterprise="ENT-GRAIN", kind="lot_expiring"))
    page = client.get(f"/alerts/{alert.id}").get_data(as_text=True)
    assert 'id="alert-muted"' in page and "静默至" in page and "冷库检修" in page
    assert f'data-alert-id="{alert.id}"' in client.get("/alerts/?kind=lot_expiring&limit=200").get_data(as_text=True)
    assert db.get(Alert, alert.id).state == "open"
