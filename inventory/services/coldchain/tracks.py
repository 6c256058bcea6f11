"""A refrigerated vehicle's track over the chart's period, drawn offline (docs/coldchain.md, facility page): the
positions its loggers sent (温湿度监测和定位管控, cold-chain opinions §二(八)2) thinned in SQL to at most
``MAX_POINTS`` evenly spaced ones, scaled to their bounding box as an SVG polyline (no map tiles), with the points
taken during an excursion of the vehicle marked."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlmodel import Session

from inventory.models import Excursion, Facility, Reading, Sensor

MAX_POINTS = 600
WIDTH, HEIGHT, PAD = 600, 400, 20


@dataclass(frozen=True)
class Point:
    at: datetime
    lat: Decimal
    lon: Decimal
    celsius: Decimal
    x: float
    y: float
    in_excursion: bool


@dataclass
class Track:
    start: datetime
    end: datetime
    total: int
    points: list[Point] = field(default_factory=list)

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x},{p.y}" for p in self.points)


def track(session: Session, facility: Facility, start: datetime, end: datetime,
          limit: int = MAX_POINTS) -> Track | None:
    """The vehicle's positions from ``start`` to ``end``, or None when it sent none."""
    window = (Sensor.facility_id == facility.id, Reading.lat.is_not(None), Reading.lon.is_not(None),
              Reading.at >= start, Reading.at <= end)
    total = session.scalar(select(func.count()).select_from(Reading).join(Sensor, Sensor.id == Reading.sensor_id)
                           .where(*window))
    if not total:
        return None
    step = math.ceil(total / (limit - 1))  # every step-th position and the latest: at most ``limit``
    numbered = (select(Reading.at, Reading.lat, Reading.lon, Reading.celsius,
                       func.row_number().over(order_by=(Reading.at, Reading.sensor_id)).label("n"))
                .join(Sensor, Sensor.id == Reading.sensor_id).where(*window).subquery())
    rows = session.execute(select(numbered.c.at, numbered.c.lat, numbered.c.lon, numbered.c.celsius)
                           .where(or_((numbered.c.n - 1) % step == 0, numbered.c.n == total))
                           .order_by(numbered.c.n)).all()
    periods = [(row.started_at, end if row.ongoing else row.ended_at) for row in session.scalars(
        select(Excursion).where(Excursion.facility_id == facility.id, Excursion.started_at <= end,
                                or_(Excursion.ongoing, Excursion.ended_at >= start)))]
    lats, lons = [float(r.lat) for r in rows], [float(r.lon) for r in rows]
    # a degree of longitude is shorter than one of latitude by cos(latitude): keep the map's proportions
    squeeze = math.cos(math.radians((min(lats) + max(lats)) / 2))
    span_x, span_y = (max(lons) - min(lons)) * squeeze, max(lats) - min(lats)
    scale = min((WIDTH - 2 * PAD) / span_x if span_x else math.inf, (HEIGHT - 2 * PAD) / span_y if span_y else math.inf)
    scale = 0.0 if scale == math.inf else scale
    found = Track(start, end, total)
    for row, lat, lon in zip(rows, lats, lons):
        x = PAD + ((lon - min(lons)) * squeeze * scale if scale else (WIDTH - 2 * PAD) / 2)
        y = HEIGHT - PAD - ((lat - min(lats)) * scale if scale else (HEIGHT - 2 * PAD) / 2)
        found.points.append(Point(row.at, row.lat, row.lon, row.celsius, round(x, 1), round(y, 1),
                                  any(begin <= row.at <= finish for begin, finish in periods)))
    return found
