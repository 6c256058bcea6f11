"""Excursions and silent sensors through the alerts interface, and the quality holds an excursion places
(docs/coldchain.md, alerts and holds; cold-chain opinions §二(八)2 monitoring, reserve measures §二(六)1 quality)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from inventory.core.clock import utcnow
from inventory.core.errors import Conflict, DomainError, Forbidden
from inventory.core.vocab import LotStatus
from inventory.models import Alert, Lot, Sensor
from inventory.services.accounts import directory
from inventory.services.alerts import runs
from inventory.services.coldchain import detection
from inventory.services.stock import lots
from tests.coldchain.helpers import excursions, feed, sensor
from tests.helpers import user_named


def _scan(db, name: str = "temperature"):
    outcome = runs.run_scans(session=db, name=name)
    db.commit()
    return {o.kind: o for o in outcome.outcomes}


def _alerts(db, kind: str) -> list[Alert]:
    db.expire_all()
    return list(db.exec(select(Alert).where(Alert.kind == kind)))


def _lot(db, code: str) -> Lot:
    db.expire_all()
    return db.exec(select(Lot).where(Lot.lot_code == code)).one()


def test_an_excursion_alerts_holds_the_lots_of_its_class_and_only_an_inspector_releases(ctx, db):
    probe = sensor(db, facility_code="CS-01")
    feed(db, probe, 0, [-20] * 10 + [-16] * 61)         # frozen: above −18 °C for 60 min, still going
    outcome = _scan(db)
    assert outcome["temperature_excursion"].opened == 1
    [alert] = _alerts(db, "temperature_excursion")
    assert alert.severity == "critical" and alert.payload["rule"] == "frozen_high"
    assert alert.bureau_id is not None                   # the commerce bureau, responsible for the pork
    [found] = excursions(db)
    assert found.held_lots == 2
    for code in ("PK-2026-031", "PK-2026-052"):
        assert _lot(db, code).status == LotStatus.quality_hold
    # the ledger refuses to issue held stock
    with pytest.raises(DomainError):
        lots.issue(session=db, actor=user_named(db, "coldclerk"), lot_id=_lot(db, "PK-2026-031").id,
                   amount=Decimal("1"))
    db.rollback()
    # the enterprise cannot lift the bureau's hold
    with pytest.raises(Forbidden):
        lots.set_hold(session=db, actor=user_named(db, "coldmanager"), lot_id=_lot(db, "PK-2026-031").id,
                      status="available", reason="looks fine")
    db.rollback()
    directory.create_user(session=db, username="cominspector", org_code="BUR-COMMERCE", role="inspector",
                          display_name="商务局检查员", password="Passw0rd-long-enough")
    db.commit()
    released = lots.set_hold(session=db, actor=user_named(db, "cominspector"), lot_id=_lot(db, "PK-2026-031").id,
                             status="available", reason="core temperature −19 °C, quality unaffected")
    db.commit()
    assert released.status == LotStatus.available
    # the excursion ends: still an alert (warning) until acknowledged, then resolved; no second hold
    feed(db, probe, 71, [-20])
    _scan(db)
    [alert] = _alerts(db, "temperature_excursion")
    assert alert.severity == "warning" and alert.state == "open"
    assert _lot(db, "PK-2026-031").status == LotStatus.available
    detection.acknowledge(session=db, actor=user_named(db, "admin"), excursion_id=found.id,
                          comment="compressor restarted")
    db.commit()
    with pytest.raises(Conflict):
        detection.acknowledge(session=db, actor=user_named(db, "admin"), excursion_id=found.id, comment="again")
    db.rollback()
    _scan(db)
    assert _alerts(db, "temperature_excursion")[0].state == "resolved"


def test_an_excursion_holds_nothing_of_another_class(ctx, db):
    probe = sensor(db)                                   # CS-02: chilled cabbage and eggs
    feed(db, probe, 0, [-1] * 61)                        # below 0 °C for 60 min: chilled_freeze
    _scan(db)
    [found] = excursions(db, "chilled_freeze")
    assert found.held_lots == 2 and _lot(db, "CB-2026-110").status == LotStatus.quality_hold
    assert _lot(db, "PK-2026-031").status == LotStatus.available


def test_a_silent_sensor_alerts_until_it_reports(ctx, db):
    probe = sensor(db, interval=60)
    feed(db, probe, 0, [3.0])                            # two days ago, nothing since
    fresh = sensor(db, "S2", interval=600)
    db.execute(Sensor.__table__.update().where(Sensor.id == fresh.id)
               .values(created_at=utcnow() - timedelta(minutes=29)))   # silent 29 min < 3 × 10 min
    db.commit()
    _scan(db)
    [alert] = _alerts(db, "sensor_silent")
    assert alert.subject_id == probe.id and alert.payload["sensor"] == "S1"
    db.execute(Sensor.__table__.update().where(Sensor.id == fresh.id)
               .values(created_at=utcnow() - timedelta(minutes=31)))
    db.commit()
    _scan(db)
    assert {a.subject_id for a in _alerts(db, "sensor_silent") if a.state == "open"} == {probe.id, fresh.id}
    from inventory.services.coldchain import ingest
    ingest.store(db, [(probe.id, utcnow().replace(microsecond=0), Decimal("3"), None, None, None)])
    db.commit()
    _scan(db)
    states = {a.subject_id: a.state for a in _alerts(db, "sensor_silent")}
    assert states == {probe.id: "resolved", fresh.id: "open"}


def test_the_alerts_list_links_the_excursion_and_the_facility(ctx, db, login_as):
    """An excursion's alert links to its page, a silent sensor's to its facility's page, named by code."""
    probe = sensor(db, facility_code="CS-01")
    feed(db, probe, 0, [-20] * 10 + [-16] * 61)
    _scan(db)
    [alert] = _alerts(db, "temperature_excursion")
    [silent] = _alerts(db, "sensor_silent")
    html = login_as("coldmanager").get("/alerts/").get_data(as_text=True)
    assert f'href="/coldchain/excursions/{alert.subject_id}"' in html
    assert 'href="/coldchain/facilities/CS-01"' in html and " S1</a>" in html and silent.subject_type == "sensor"
