"""Termination and review (blood-supply plan §五, docs/blood.md "Termination and review"; issue 11 deliverable 7):
after stock has been normal for the configured days the end is proposed; the expert group's assessment comes first;
the termination is decided by the level's authority (I: province; II: city; III and IV: health commission); the
emergency closes only with the post-event review."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete
from sqlmodel import select

from inventory.core.clock import business_today
from inventory.models import AuditEvent, BloodClosure, BloodEmergency, BloodReport, BloodReportLine
from inventory.services.blood import supply, termination
from tests.blood.helpers import day_lines, station, write_series
from tests.blood.web import emergency, text
from tests.helpers import count_rows

D = date.fromisoformat


def _normal_until_today(db) -> None:
    db.execute(delete(BloodReportLine))
    db.execute(delete(BloodReport))
    db.commit()
    write_series(db, business_today() - timedelta(days=40), business_today(), lambda day: day_lines())


@pytest.mark.usefixtures("ctx")
@pytest.mark.parametrize("spoil, expected", [
    (None, 12),                                                      # normal from 2025-09-01 to 2025-09-12
    ({"day": D("2025-09-10"), "lines": day_lines({"O": Decimal(20)})}, 2),   # group O low on the 10th
    ({"day": D("2025-09-11"), "lines": day_lines(collected=Decimal(9))}, 1),  # collections below issues
    ({"day": D("2025-09-12"), "lines": None}, 0),                    # no report on the last day: 11th is latest
])
def test_normal_days_count_back_from_the_latest_report(db, spoil, expected):
    """§五(一): the response ends when supply is back to normal: no group low, collections at least issues."""
    def lines(day):
        if spoil and day == spoil["day"]:
            return spoil["lines"]
        return day_lines()
    write_series(db, D("2025-09-01"), D("2025-09-12"), lines)
    found = termination.normal_days(db, station(db).id, D("2025-09-12"))
    if spoil and spoil["lines"] is None:
        assert found == 11 and supply.status(session=db, station_id=station(db).id,
                                             as_of=D("2025-09-12")).based_on == D("2025-09-11")
    else:
        assert found == expected


def test_a_level_iii_is_assessed_terminated_by_the_commission_and_closed_by_the_review(app, db, login_as):
    _normal_until_today(db)
    row = emergency(db, "III", status="confirmed", basis=business_today() - timedelta(days=20))
    client = login_as("health")
    page = text(client.get(f"/blood/emergencies/{row.id}"))
    assert 'data-proposed="true"' in page and 'id="assess-form"' in page
    url = f"/blood/emergencies/{row.id}"
    assert client.post(f"{url}/terminate", data={"authority": "health_commission"}).status_code == 422
    assert db.get(BloodEmergency, row.id).ended_at is None
    assert client.post(f"{url}/assess", data={"assessment": "库存已连续正常，建议终止"}).status_code == 302
    assert client.post(f"{url}/terminate", data={"authority": "city"}).status_code == 422  # not III's authority
    db.expire_all()
    assert db.get(BloodEmergency, row.id).ended_at is None
    assert client.post(f"{url}/terminate", data={"authority": "health_commission", "document": "廊卫〔2025〕9号"}
                       ).status_code == 302
    db.expire_all()
    assert db.get(BloodEmergency, row.id).ended_at is not None
    page = text(client.get(url))
    assert 'id="emergency-ended"' in page and 'id="review-form"' in page and 'data-closed="false"' in page
    assert client.post(f"{url}/review", data={"review": ""}).status_code == 422
    assert client.post(f"{url}/review", data={"review": "供血恢复；改进：提前启动团体献血"}).status_code == 302
    closure = db.exec(select(BloodClosure)).one()
    assert (closure.authority, closure.decision_document) == ("health_commission", "廊卫〔2025〕9号")
    assert closure.assessed_at <= closure.terminated_at <= closure.reviewed_at
    page = text(client.get(url))
    assert 'id="emergency-closed"' in page and 'data-closed="true"' in page
    assert {e.action for e in db.exec(select(AuditEvent).where(AuditEvent.entity == "blood_emergency"))} >= {
        "blood_emergency.assess", "blood_emergency.terminate", "blood_emergency.review"}
    with app.app_context():
        assert supply.in_force(db, station(db).id, business_today()) == []


@pytest.mark.parametrize("level, authority", [("II", "city"), ("I", "province")])
def test_levels_ii_and_i_are_terminated_by_the_city_and_the_province(db, login_as, level, authority):
    row = emergency(db, level, status="confirmed", origin="declared")
    client = login_as("health")
    url = f"/blood/emergencies/{row.id}"
    client.post(f"{url}/assess", data={"assessment": "评估意见"})
    assert client.post(f"{url}/terminate", data={"authority": "health_commission"}).status_code == 422
    assert client.post(f"{url}/terminate", data={"authority": authority}).status_code == 302


def test_only_health_officers_end_an_emergency_and_a_proposal_is_not_ended(db, login_as):
    row = emergency(db, "IV", status="confirmed")
    for username in ("blood", "admin"):
        assert login_as(username).post(f"/blood/emergencies/{row.id}/assess",
                                       data={"assessment": "x"}).status_code == 403
    proposal = emergency(db, "IV")
    assert login_as("health").post(f"/blood/emergencies/{proposal.id}/assess",
                                   data={"assessment": "x"}).status_code == 422
    assert count_rows(db, BloodClosure) == 0
