"""The one engine: a new kind plugs in by registering a scan; concurrent runs never duplicate."""
from __future__ import annotations

import threading
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, String, cast, literal
from sqlmodel import select
from sqlmodel import Session

from inventory.core.clock import business_today
from inventory.db import engine_for
from inventory.models import Alert, AlertEvent, Lot
from inventory.services.alerts import runs
from inventory.services.alerts.registry import SCANS, Scan, register
from inventory.services.alerts.sql import payload
from tests.alerts.helpers import alerts_of, scan
from tests.helpers import DATABASE_URL, receive


def _large_lots(session, as_of):
    """A made-up kind: lots holding more than 1000, one alert each, info."""
    return select(
        (literal("big_lot:lot:") + cast(Lot.id, String)).label("dedup_key"),
        literal("info").label("severity"), literal("lot").label("subject_type"), Lot.id.label("subject_id"),
        Lot.enterprise_id.label("enterprise_id"), Lot.material_id.label("material_id"),
        literal(None, Integer).label("bureau_id"), literal(None, Integer).label("district_id"), literal("").label("category"),
        payload(lot_code=Lot.lot_code).label("payload"),
    ).where(Lot.on_hand > 1000)


def test_a_later_domain_registers_a_kind_and_the_engine_runs_it_unchanged(db, ctx):
    register(Scan("big_lot", _l("Lot expiring"), _large_lots, group="test"))
    try:
        first = scan(db, "big_lot")
        assert first.opened >= 1 and {a.kind for a in alerts_of(db, "big_lot")} == {"big_lot"}
        assert all(a.payload["lot_code"] for a in alerts_of(db, "big_lot"))
        assert scan(db, "big_lot").opened == 0
    finally:
        del SCANS["big_lot"]


def test_two_concurrent_runs_of_every_scan_open_each_alert_once(db, ctx):
    """Two connections at once (on PostgreSQL: the advisory lock serialises them and the unique dedup key
    backs it): the same alerts as one run, each with exactly one "opened" history row."""
    for days in (3, 10, 20):
        receive(db, expiry=business_today() + timedelta(days=days))
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def run() -> None:
        try:
            with ctx.app_context(), Session(engine_for(DATABASE_URL)) as session:
                start.wait()
                runs.run_scans(session=session, name="all")
                session.commit()
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    db.expire_all()
    keys = list(db.exec(select(Alert.dedup_key)))
    assert len(keys) == len(set(keys)) >= 3
    opened = list(db.exec(select(AlertEvent.alert_id).where(AlertEvent.from_state.is_(None))))
    assert sorted(opened) == sorted(db.exec(select(Alert.id)))
