"""A refrigerated vehicle's track drawn offline on its facility page, the points during an excursion marked
(docs/coldchain.md, facility page; cold-chain opinions §二(八)2, 温湿度监测和定位管控 — location control)."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from inventory.core.clock import utcnow
from inventory.services.coldchain import detection, ingest, tracks
from tests.coldchain.helpers import facility, sensor


def _drive(db, probe, minutes: int, celsius) -> None:
    """One position a minute ending now, heading north-east; ``celsius(i)`` the temperature of minute ``i``."""
    start = utcnow().replace(second=0, microsecond=0) - timedelta(minutes=minutes)
    ingest.store(db, [(probe.id, start + timedelta(minutes=i), Decimal(str(celsius(i))), None,
                       Decimal("39.500000") + Decimal(i) / 1000, Decimal("116.700000") + Decimal(i) / 1000)
                      for i in range(minutes)])
    db.commit()


def _circles(page: str) -> list[tuple[str, float, float]]:
    svg = re.search(r'<svg id="vehicle-track".*?</svg>', page, re.S).group(0)
    return [(cls, float(x), float(y)) for cls, x, y in
            re.findall(r'<circle class="([^"]+)" cx="([\d.]+)" cy="([\d.]+)"', svg)]


def test_the_vehicle_page_draws_its_track_with_the_excursion_points(ctx, db, login_as):
    probe = sensor(db, "LOG1", facility_code="CS-03")           # the refrigerated vehicle (frozen)
    _drive(db, probe, 120, lambda i: -16 if 30 <= i < 100 else -20)   # above −18 °C for 69 min: frozen_high
    detection.detect(db)
    db.commit()
    page = login_as("coldclerk").get("/coldchain/facilities/CS-03").get_data(as_text=True)
    circles = _circles(page)
    assert len(circles) == 120
    marked = [c for c in circles if "excursion-point" in c[0]]
    assert len(marked) == 70                                       # minutes 30 … 99
    # scaled to the bounding box: the first point at the bottom left, the last at the top right, all inside
    xs, ys = [x for _, x, _ in circles], [y for _, _, y in circles]
    assert (xs[0], ys[0]) == (min(xs), max(ys)) and (xs[-1], ys[-1]) == (max(xs), min(ys))
    assert tracks.PAD <= min(xs) and max(xs) <= tracks.WIDTH - tracks.PAD
    assert tracks.PAD <= min(ys) and max(ys) <= tracks.HEIGHT - tracks.PAD
    assert re.search(r'<polyline points="[\d., ]+" fill="none" stroke="#0d6efd"', page)
    assert "tile" not in page.lower() and "cdn" not in page.lower()


def test_a_long_track_is_thinned_to_the_limit(ctx, db):
    probe = sensor(db, "LOG1", facility_code="CS-03")
    _drive(db, probe, 300, lambda i: -20)
    now = utcnow()
    found = tracks.track(db, facility(db, "CS-03"), now - timedelta(hours=6), now, limit=100)
    assert found.total == 300 and 50 < len(found.points) <= 100
    assert found.points[-1].lat == Decimal("39.799000")            # the latest position is always kept


def test_a_store_without_positions_has_no_track(ctx, db, login_as):
    probe = sensor(db, "S1", facility_code="CS-01")
    ingest.store(db, [(probe.id, utcnow().replace(microsecond=0), Decimal("-20"), None, None, None)])
    db.commit()
    assert 'id="vehicle-track"' not in login_as("coldclerk").get("/coldchain/facilities/CS-01").get_data(as_text=True)
