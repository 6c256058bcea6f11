"""/silences over the API: who may mute what, bad input answered with its field and nothing written, ending
once, and a silence seen only by those who see the stock it mutes."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from inventory.core.clock import utcnow
from inventory.models import AuditEvent, Silence
from tests.helpers import assert_error, count_rows


def _later(hours: float) -> str:
    return (utcnow() + timedelta(hours=hours)).isoformat()


def _silence(**fields) -> dict:
    return {"reason": "冷库检修", "ends_at": _later(4), **fields}


def _create(api, user: str, **fields) -> dict:
    response = api(user).post("/silences", json=_silence(**fields))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _ids(api, user: str) -> set[int]:
    ids, cursor = set(), ""
    while True:
        body = api(user).get(f"/silences?limit=1&cursor={cursor}").get_json()
        ids |= {item["id"] for item in body["items"]}
        if not body["next_cursor"]:
            return ids
        cursor = body["next_cursor"]


def test_a_manager_silences_a_facility_of_its_own_and_ends_it_once(api, db):
    starts = utcnow().replace(microsecond=0) + timedelta(minutes=5)
    created = _create(api, "manager", facility="GR-01", kind="lot_expiring", starts_at=starts.isoformat())
    assert (created["facility"], created["enterprise"], created["material"], created["kind"]) == \
        ("GR-01", "ENT-GRAIN", None, "lot_expiring")
    assert datetime.fromisoformat(created["starts_at"]) == starts
    assert created["id"] in _ids(api, "manager")

    ended = api("manager").post(f"/silences/{created['id']}/end")
    assert ended.status_code == 200, ended.get_json()
    assert datetime.fromisoformat(ended.get_json()["ends_at"]) <= utcnow()
    assert_error(api("manager").post(f"/silences/{created['id']}/end"), 409, "illegal_transition")
    actions = [row.action for row in db.exec(AuditEvent.__table__.select().where(
        AuditEvent.entity == "silence", AuditEvent.entity_id == str(created["id"])).order_by(AuditEvent.id))]
    assert actions == ["silence.create", "silence.end"]


def test_a_bureau_silences_a_material_of_its_remit(api):
    created = _create(api, "approver", material="WHEAT")
    assert created["material"] == "WHEAT"
    assert created["id"] in _ids(api, "officer") and created["id"] in _ids(api, "admin")
    assert created["id"] not in _ids(api, "emapprover")
    assert_error(api("approver").post("/silences", json=_silence(material="TENT")), 403, "forbidden")


@pytest.mark.parametrize("body, field", [
    (_silence(facility="GR-01", ends_at="2020-01-01T00:00:00+08:00"), "ends_at"),
    (_silence(facility="GR-01", starts_at=_later(5), ends_at=_later(4)), "ends_at"),
    (_silence(facility="GR-01", ends_at=_later(24 * 91)), "ends_at"),
    (_silence(facility="GR-01", ends_at="2026-12-01T00:00:00"), "ends_at"),
    (_silence(facility="GR-01", ends_at="9999-12-31T23:59:59-01:00"), "ends_at"),
    (_silence(facility="GR-01", kind="gold_price"), "kind"),
    (_silence(facility="NO-SUCH"), "facility"),
    (_silence(), "enterprise"),
    (_silence(facility="GR-01", reason=""), "reason"),
    (_silence(facility="GR-01", mood="calm"), "mood"),
])
def test_bad_input_names_the_field_and_writes_nothing(api, db, body, field):
    caller = api("manager")
    rows, audits = count_rows(db, Silence), count_rows(db, AuditEvent)
    error = assert_error(caller.post("/silences", json=body), 422, "validation_error")
    assert field in error["fields"], error
    assert (count_rows(db, Silence), count_rows(db, AuditEvent)) == (rows, audits)


@pytest.mark.parametrize("user, body, status, code", [
    ("clerk", _silence(facility="GR-01"), 403, "forbidden"),
    ("viewer", _silence(facility="GR-01"), 403, "forbidden"),
    ("manager", _silence(facility="CS-01"), 404, "not_found"),
    ("manager", _silence(enterprise="ENT-COLD"), 404, "not_found"),
])
def test_refusals_write_nothing(api, db, user, body, status, code):
    caller = api(user)
    rows = count_rows(db, Silence)
    assert_error(caller.post("/silences", json=body), status, code)
    assert count_rows(db, Silence) == rows


def test_another_enterprises_silence_is_hidden_and_cannot_be_ended(api, db):
    cold = _create(api, "coldmanager", facility="CS-01")
    assert cold["id"] not in _ids(api, "manager") and cold["id"] in _ids(api, "coldmanager")
    assert_error(api("manager").post(f"/silences/{cold['id']}/end"), 404, "not_found")
    assert_error(api("clerk").post(f"/silences/{cold['id']}/end"), 403, "forbidden")
    db.expire_all()
    assert db.get(Silence, cold["id"]).ends_at > utcnow()


def test_times_are_answered_in_utc_whatever_offset_was_given(api):
    ends = (utcnow() + timedelta(hours=2)).astimezone(timezone(timedelta(hours=8))).replace(microsecond=0)
    created = _create(api, "coordinator", material="RICE", ends_at=ends.isoformat())
    assert created["ends_at"] == ends.astimezone(timezone.utc).isoformat()
