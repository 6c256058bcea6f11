"""The alerts pages: the list with filters and bulk acknowledge, an alert's page with its history."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from inventory.core.clock import business_today
from inventory.models import Alert, AlertEvent
from tests.alerts.helpers import alerts_of, scan
from tests.helpers import count_rows, org_coded


@pytest.fixture
def grain_alerts(db, ctx) -> list[Alert]:
    scan(db, "expiry", business_today() + timedelta(days=4000))
    grain = org_coded(db, "ENT-GRAIN").id
    return [a for a in alerts_of(db, "lot_expiring") if a.enterprise_id == grain]


def test_the_list_shows_only_ones_own_alerts_in_chinese_with_filters(login_as, db, grain_alerts):
    page = login_as("manager").get("/alerts/?kind=lot_expiring").get_data(as_text=True)
    shown = {int(i) for i in re.findall(r'data-alert-id="(\d+)"', page)}
    assert shown == {a.id for a in grain_alerts}
    assert "预警" in page and "未确认" in page
    assert 'href="/alerts/"' in login_as("manager").get("/").get_data(as_text=True)


def test_bad_filters_are_shown_not_failed(login_as, grain_alerts):
    response = login_as("manager").get("/alerts/?severity=loud&cursor=forged")
    assert response.status_code == 200
    assert 'data-alert-id' not in response.get_data(as_text=True)


def test_bulk_acknowledge_then_the_alert_page_shows_who_and_why(login_as, db, grain_alerts):
    client = login_as("manager")
    first, second = grain_alerts[:2]
    response = client.post("/alerts/acknowledge", data={"alerts": [first.id, second.id], "note": "已通知仓库"})
    assert response.status_code == 302
    db.expire_all()
    assert {db.get(Alert, a.id).state for a in (first, second)} == {"acknowledged"}
    page = client.get(f"/alerts/{first.id}").get_data(as_text=True)
    assert "已通知仓库" in page and 'data-to-state="acknowledged"' in page and "粮库经理 李娜" in page


@pytest.mark.parametrize("data", [{"alerts": []}, {"alerts": ["x"]}, {"alerts": ["1"], "note": "x" * 501}])
def test_bad_acknowledgements_write_nothing(login_as, db, grain_alerts, data):
    if data["alerts"] == ["1"]:
        data = {**data, "alerts": [grain_alerts[0].id]}
    events = count_rows(db, AlertEvent)
    response = login_as("manager").post("/alerts/acknowledge", data=data, follow_redirects=True)
    assert "未保存任何内容" in response.get_data(as_text=True)
    assert count_rows(db, AlertEvent) == events


def test_one_already_acknowledged_alert_makes_the_batch_write_nothing(login_as, db, grain_alerts):
    client = login_as("manager")
    first, second = grain_alerts[:2]
    client.post("/alerts/acknowledge", data={"alerts": [first.id]})
    events = count_rows(db, AlertEvent)
    client.post("/alerts/acknowledge", data={"alerts": [first.id, second.id]})
    db.expire_all()
    assert db.get(Alert, second.id).state == "open" and count_rows(db, AlertEvent) == events


def test_another_tenants_alert_is_a_404_page_and_cannot_be_acknowledged(login_as, db, grain_alerts):
    client = login_as("coldmanager")
    assert client.get(f"/alerts/{grain_alerts[0].id}").status_code == 404
    assert client.post("/alerts/acknowledge", data={"alerts": [grain_alerts[0].id]}).status_code == 404
    db.expire_all()
    assert db.get(Alert, grain_alerts[0].id).state == "open"


def test_the_blood_station_sees_its_own_blood_alerts_and_no_stock_alerts(login_as, grain_alerts):
    client = login_as("blood")
    page = client.get("/alerts/")
    assert page.status_code == 200 and f'/alerts/{grain_alerts[0].id}"' not in page.get_data(as_text=True)
    assert client.get(f"/alerts/{grain_alerts[0].id}").status_code == 404


def test_a_waiting_transfers_alert_links_to_its_lot_for_the_deciding_bureau(login_as, db, ctx):
    from tests.alerts.test_approval_waiting import _entered, _waiting_transfer
    from inventory.services.alerts import scans

    transfer = _waiting_transfer(db)
    _entered(db, transfer, scans.waiting_cutoff(db, business_today(), 2) - timedelta(minutes=1))
    scan(db, "approval_waiting")
    alert, = alerts_of(db, "approval_waiting")
    page = login_as("approver").get(f"/alerts/{alert.id}").get_data(as_text=True)
    assert f'href="/stock/lots/{transfer.lot_id}"' in page and "审批超时" in page
    assert login_as("emapprover").get(f"/alerts/{alert.id}").status_code == 404
