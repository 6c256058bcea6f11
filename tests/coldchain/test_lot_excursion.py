"""The lot page names the excursion that put the lot on quality hold and, once released, the result; the
excursion's page lists the lots it held (docs/coldchain.md, holds; reserve measures §二(六)1 quality, cold-chain
opinions §二(八)2 monitoring)."""
from __future__ import annotations

import re

from sqlmodel import select

from inventory.models import Lot
from inventory.services.accounts import directory
from inventory.services.alerts import runs
from inventory.services.stock import lots
from tests.coldchain.helpers import excursions, feed, sensor
from tests.helpers import user_named


def _held_pork(db):
    probe = sensor(db, facility_code="CS-01")
    feed(db, probe, 0, [-20] * 10 + [-16] * 61 + [-20])   # frozen_high: −16 °C for 60 min, then back
    runs.run_scans(session=db, name="temperature")
    db.commit()
    [found] = excursions(db, "frozen_high")
    return found, db.exec(select(Lot).where(Lot.lot_code == "PK-2026-031")).one()


def _excursion_box(page: str) -> str:
    return re.search(r'<div class="alert[^"]*" id="lot-excursion">(.*?)</div>', page, re.S).group(1)


def test_the_lot_page_links_the_excursion_and_shows_the_release(ctx, db, login_as):
    found, lot = _held_pork(db)
    client = login_as("coldclerk")
    client.get("/lang/en")
    box = _excursion_box(client.get(f"/stock/lots/{lot.id}").get_data(as_text=True))
    assert f'href="/coldchain/excursions/{found.id}"' in box
    assert "-16.00" in box and "1 h 0 min" in box                 # its peak and duration
    assert "Released" not in box
    directory.create_user(session=db, username="cominspector", org_code="BUR-COMMERCE", role="inspector",
                          display_name="商务局检查员", password="Passw0rd-long-enough")
    db.commit()
    lots.set_hold(session=db, actor=user_named(db, "cominspector"), lot_id=lot.id, status="available",
                  reason="core temperature −19 °C, quality unaffected")
    db.commit()
    box = _excursion_box(client.get(f"/stock/lots/{lot.id}").get_data(as_text=True))
    assert "Released" in box and "core temperature −19 °C, quality unaffected" in box and "商务局检查员" in box


def test_a_lot_never_held_by_an_excursion_shows_none(ctx, db, login_as):
    lot = db.exec(select(Lot).where(Lot.lot_code == "PK-2026-031")).one()
    assert 'id="lot-excursion"' not in login_as("coldclerk").get(f"/stock/lots/{lot.id}").get_data(as_text=True)


def test_the_excursion_page_lists_its_lots_to_those_who_see_the_facility(ctx, db, login_as):
    found, lot = _held_pork(db)
    page = login_as("coldclerk").get(f"/coldchain/excursions/{found.id}").get_data(as_text=True)
    held = re.search(r'<table class="table table-sm" id="held-lots">(.*?)</table>', page, re.S).group(1)
    assert "PK-2026-031" in held and "PK-2026-052" in held
    assert login_as("admin").get(f"/coldchain/excursions/{found.id}").status_code == 200
    # another enterprise does not see the cold store's excursion; the blood station has no cold-chain pages
    assert login_as("clerk").get(f"/coldchain/excursions/{found.id}").status_code == 404
    assert login_as("blood").get(f"/coldchain/excursions/{found.id}").status_code == 403
    assert login_as("coldclerk").get("/coldchain/excursions/999999").status_code == 404
