"""While an excursion is ongoing every lot of the violated class in its facility is on hold, the ones that arrive
later too, in the transaction of their arrival; lifting such a hold is the bureau inspector's act alone, with the
result recorded; a transfer of a held lot is refused at request time (docs/coldchain.md, holds; issue 12,
deliverable 5; reserve measures §二(六)1 quality)."""
from __future__ import annotations

from sqlmodel import select

from inventory.core.vocab import LotStatus
from inventory.models import AuditEvent, Excursion, ExcursionHold, Lot, Transfer
from inventory.services.alerts import runs
from inventory.services.coldchain import holds
from tests.coldchain.helpers import excursions, feed, sensor
from tests.coldchain.test_receipt_paths import _csv, _import, _row
from tests.helpers import assert_error, count_rows

DOMESTIC = {"origin": "河北省廊坊市三河市", "trace_certificate": "SY-2026-0001", "quarantine_certificate": "DJ-13-001"}


def _scan(db) -> None:
    runs.run_scans(session=db, name="temperature")
    db.commit()


def _lot(db, code: str) -> Lot:
    db.expire_all()
    return db.exec(select(Lot).where(Lot.lot_code == code)).one()


def _cs03_frozen_excursion(db) -> Excursion:
    """CS-03 (a reefer, frozen) above −18 °C for 60 min and still going; nothing stored there yet."""
    probe = sensor(db, facility_code="CS-03")
    feed(db, probe, 0, [-20] * 10 + [-16] * 61)
    _scan(db)
    [found] = excursions(db, "frozen_high")
    assert found.ongoing and found.held_at is not None and found.held_lots == 0
    return found


def _issue(api, lot_id: int):
    return api("coldclerk").post(f"/lots/{lot_id}/movements", json={"kind": "issue", "quantity": "1"})


def test_a_lot_transferred_in_during_an_ongoing_excursion_is_held_at_once(ctx, api, db):
    found = _cs03_frozen_excursion(db)
    source = _lot(db, "PK-2026-031")
    made = api("coldclerk").post("/transfers", json={"lot": source.id, "to_facility": "CS-03", "quantity": "5",
                                                      "reason": "delivery run"})
    assert made.status_code == 201, made.get_json()
    done = api("bizapprover").post(f"/transfers/{made.get_json()['id']}/actions/approve", json={})
    assert done.get_json()["status"] == "executed"
    moved = db.get(Transfer, made.get_json()["id"]).to_lot_id
    db.expire_all()
    assert db.get(Lot, moved).status == LotStatus.quality_hold
    assert db.exec(select(ExcursionHold).where(ExcursionHold.lot_id == moved)).one().excursion_id == found.id
    assert assert_error(_issue(api, moved), 409, "lot_not_available")
    assert _lot(db, "PK-2026-031").status == LotStatus.available       # CS-01 has no excursion
    assert excursions(db)[0].held_lots == 1


def test_a_receipt_and_an_import_during_an_ongoing_excursion_are_held(ctx, api, db):
    _cs03_frozen_excursion(db)
    made = api("coldclerk").post("/lots", json={"material": "PORK-FZ", "facility": "CS-03", "lot_code": "PK-R1",
                                                "quantity": "2", **DOMESTIC})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["status"] == LotStatus.quality_hold
    assert assert_error(_issue(api, made.get_json()["id"]), 409, "lot_not_available")
    job = _import(db, "coldclerk", _csv([_row("PORK-FZ", "CS-03", "PK-R2", **DOMESTIC),
                                         _row("PORK-FZ", "CS-01", "PK-R3", **DOMESTIC)]))
    assert (job.status, job.created_lots) == ("done", 2)
    assert _lot(db, "PK-R2").status == LotStatus.quality_hold
    assert _lot(db, "PK-R3").status == LotStatus.available              # another facility
    assert excursions(db)[0].held_lots == 2


def test_nothing_arriving_after_the_excursion_ended_is_held(ctx, api, db):
    probe = sensor(db, facility_code="CS-03")
    feed(db, probe, 0, [-16] * 61 + [-20])                              # ended: a reading in range after it
    _scan(db)
    [found] = excursions(db, "frozen_high")
    assert not found.ongoing
    made = api("coldclerk").post("/lots", json={"material": "PORK-FZ", "facility": "CS-03", "lot_code": "PK-R4",
                                                "quantity": "2", **DOMESTIC})
    assert made.get_json()["status"] == LotStatus.available


def test_a_lot_released_from_an_excursion_is_not_held_again_by_it(ctx, api, db):
    probe = sensor(db, facility_code="CS-01")
    feed(db, probe, 0, [-16] * 61)
    _scan(db)
    lot = _lot(db, "PK-2026-031")
    assert lot.status == LotStatus.quality_hold
    response = api("bizinspector").post(f"/lots/{lot.id}/hold", json={"status": "available",
                                                                        "reason": "core −19 °C, unaffected"})
    assert response.status_code == 200, response.get_json()
    feed(db, probe, 61, [-16] * 5)                                      # the same excursion goes on
    _scan(db)
    assert _lot(db, "PK-2026-031").status == LotStatus.available
    assert _lot(db, "PK-2026-052").status == LotStatus.quality_hold
    assert holds.hold_arrivals(db, [lot.id]) == 0
    db.rollback()
    assert len(excursions(db, "frozen_high")) == 1


def test_only_the_responsible_bureau_inspector_lifts_an_excursion_hold_with_the_result(ctx, api, db):
    probe = sensor(db, facility_code="CS-01")
    feed(db, probe, 0, [-16] * 61)
    _scan(db)
    lot = _lot(db, "PK-2026-031")
    body = {"status": "available", "reason": "core temperature −19 °C, quality unaffected"}
    for username in ("bizapprover", "bizofficer", "coldmanager"):       # the bureau's own people, the enterprise
        assert_error(api(username).post(f"/lots/{lot.id}/hold", json=body), 403, "forbidden")
    for username in ("inspector", "approver"):                          # the grain bureau does not see pork
        assert api(username).post(f"/lots/{lot.id}/hold", json=body).status_code == 404
    assert _lot(db, "PK-2026-031").status == LotStatus.quality_hold
    released = api("bizinspector").post(f"/lots/{lot.id}/hold", json=body)
    assert released.status_code == 200 and released.get_json()["status"] == LotStatus.available
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "lot.release",
                                             AuditEvent.entity_id == str(lot.id))).one()
    assert event.after["reason"] == body["reason"]
    assert holds.lot_hold(db, lot.id).result == body["reason"]


def test_a_hold_placed_by_hand_is_still_lifted_by_the_bureau_officers(ctx, api, db):
    lot = _lot(db, "PK-2026-031")
    assert api("bizofficer").post(f"/lots/{lot.id}/hold", json={"status": "quality_hold",
                                                                "reason": "sample"}).status_code == 200
    assert api("bizapprover").post(f"/lots/{lot.id}/hold", json={"status": "available",
                                                                 "reason": "sample passed"}).status_code == 200


def test_a_transfer_of_a_held_lot_is_refused_at_request_writing_nothing(ctx, api, db):
    probe = sensor(db, facility_code="CS-01")
    feed(db, probe, 0, [-16] * 61)
    _scan(db)
    lot, clerk = _lot(db, "PK-2026-031"), api("coldclerk")          # the clerk's token is issued (audited) first
    before = (count_rows(db, Transfer), count_rows(db, AuditEvent))
    assert_error(clerk.post("/transfers", json={"lot": lot.id, "to_facility": "CS-03", "quantity": "5",
                                                           "reason": "delivery run"}), 409, "lot_not_available")
    assert (count_rows(db, Transfer), count_rows(db, AuditEvent)) == before
