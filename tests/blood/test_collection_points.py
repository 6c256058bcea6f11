"""Deactivating and reactivating an emergency collection point (blood-supply plan §六(二); docs/blood.md,
"Collection points"): the blood station's officer and health officers only, a conditional update decided once,
audited; a deactivated point stays listed but no longer counts for the rule; the page's buttons carry CSRF."""
from __future__ import annotations

import re

import pytest
from sqlmodel import select

from inventory import create_app
from inventory.core.clock import business_today
from inventory.core.errors import Conflict, Forbidden, NotFound
from inventory.models import AuditEvent, CollectionPoint
from inventory.services.blood import collection_points, donor_compliance
from inventory.services.system import demo
from tests.helpers import assert_error, make_config, user_named


def point_named(db, name: str) -> CollectionPoint:
    db.expire_all()
    return db.exec(select(CollectionPoint).where(CollectionPoint.name == name)).one()


def rule(db, key: str, area: str) -> donor_compliance.Rule:
    found = donor_compliance.evaluate(session=db, as_of=business_today())
    return next(r for r in found.rules if r.key == key and r.area == area)


@pytest.mark.usefixtures("ctx")
def test_a_deactivated_point_stays_listed_but_no_longer_counts(db):
    health = user_named(db, "health")
    xianghe = point_named(db, "香河家具城献血点")
    assert rule(db, "points_county", "xianghe").passed is True
    collection_points.set_active(session=db, actor=health, point_id=xianghe.id, active=False)
    db.commit()
    assert rule(db, "points_county", "xianghe").passed is False
    listed = collection_points.points(session=db, actor=user_named(db, "viewer"))
    assert (xianghe.id, False) in [(p.id, p.active) for p, _ in listed]
    assert listed[-1][0].active is False  # the inactive ones after the active ones
    collection_points.set_active(session=db, actor=user_named(db, "blood"), point_id=xianghe.id, active=True)
    db.commit()
    assert rule(db, "points_county", "xianghe").passed is True
    events = db.exec(select(AuditEvent).where(AuditEvent.entity == "blood_collection_point",
                                              AuditEvent.entity_id == str(xianghe.id)).order_by(AuditEvent.id)).all()
    assert [(e.action, e.before, e.after) for e in events] == [
        ("blood_collection_point.deactivate", {"active": True}, {"active": False}),
        ("blood_collection_point.reactivate", {"active": False}, {"active": True})]


@pytest.mark.usefixtures("ctx")
def test_deactivating_twice_is_a_conflict_and_writes_nothing(db):
    blood = user_named(db, "blood")
    point = point_named(db, "开发区管委会献血点")  # inactive in the demo
    audited = len(db.exec(select(AuditEvent).where(AuditEvent.entity == "blood_collection_point")).all())
    with pytest.raises(Conflict) as refused:
        collection_points.set_active(session=db, actor=blood, point_id=point.id, active=False)
    db.rollback()
    assert refused.value.code == "illegal_transition"
    assert len(db.exec(select(AuditEvent).where(AuditEvent.entity == "blood_collection_point")).all()) == audited
    with pytest.raises(NotFound):
        collection_points.set_active(session=db, actor=blood, point_id=999_999, active=False)


@pytest.mark.parametrize("username, refusal", [("admin", Forbidden), ("viewer", Forbidden), ("coordinator", Forbidden),
                                               ("clerk", Forbidden), ("inspector", Forbidden)])
@pytest.mark.usefixtures("ctx")
def test_only_the_blood_station_and_health_officers_deactivate(db, username, refusal):
    point = point_named(db, "万达广场献血点")
    with pytest.raises(refusal):
        collection_points.set_active(session=db, actor=user_named(db, username), point_id=point.id, active=False)
    db.rollback()
    assert point_named(db, "万达广场献血点").active is True


def test_the_api_deactivates_and_reactivates(api, db):
    point = point_named(db, "人民公园献血点")
    done = api("blood").post(f"/blood/collection-points/{point.id}/deactivate")
    assert done.status_code == 200 and done.get_json()["active"] is False
    assert_error(api("health").post(f"/blood/collection-points/{point.id}/deactivate"), 409, "illegal_transition")
    assert_error(api("admin").post(f"/blood/collection-points/{point.id}/reactivate"), 403, "forbidden")
    assert_error(api("clerk").post(f"/blood/collection-points/{point.id}/reactivate"), 403, "forbidden")
    assert_error(api("blood").post("/blood/collection-points/999999/reactivate"), 404, "not_found")
    inactive = api("viewer").get("/blood/collection-points?active=false&limit=100").get_json()["items"]
    assert point.id in [item["id"] for item in inactive] and all(not item["active"] for item in inactive)
    active = api("viewer").get("/blood/collection-points?active=true&limit=100").get_json()["items"]
    assert point.id not in [item["id"] for item in active]
    assert api("health").post(f"/blood/collection-points/{point.id}/reactivate").get_json()["active"] is True
    assert point_named(db, "人民公园献血点").active is True


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_the_page_button_deactivates_with_its_csrf_token(app, db):
    csrf_app = create_app(make_config(WTF_CSRF_ENABLED=True))
    client = csrf_app.test_client()
    login = client.get("/login").get_data(as_text=True)
    assert client.post("/login", data={"username": "blood", "password": demo.DEMO_PASSWORD,
                                       "csrf_token": _token(login)}).status_code == 302
    point = point_named(db, "燕郊献血屋")
    page = client.get("/blood/collection-points").get_data(as_text=True)
    action = f"/blood/collection-points/{point.id}/deactivate"
    assert f'action="{action}"' in page
    assert client.post(action).status_code == 400  # no CSRF token: refused
    assert point_named(db, "燕郊献血屋").active is True
    assert client.post(action, data={"csrf_token": _token(page)}).status_code == 302
    assert point_named(db, "燕郊献血屋").active is False
    page = client.get("/blood/collection-points").get_data(as_text=True)
    row = page[page.index(f'data-point-id="{point.id}"'):]
    assert 'data-active="false"' in row[:80] and f"/blood/collection-points/{point.id}/reactivate" in row[:1200]


def test_readers_see_no_buttons_and_cannot_post(login_as, db):
    point = point_named(db, "燕郊献血屋")
    viewer = login_as("viewer")
    page = viewer.get("/blood/collection-points").get_data(as_text=True)
    assert "point-state-form" not in page and str(point.name) in page
    assert viewer.post(f"/blood/collection-points/{point.id}/deactivate").status_code == 403
    assert login_as("clerk").post(f"/blood/collection-points/{point.id}/deactivate").status_code == 403
    assert point_named(db, "燕郊献血屋").active is True
    second = login_as("health")
    second.get("/lang/en")
    assert second.post(f"/blood/collection-points/{point.id}/deactivate").status_code == 302
    again = second.post(f"/blood/collection-points/{point.id}/deactivate", follow_redirects=True)
    assert "the collection point is inactive already" in again.get_data(as_text=True)
