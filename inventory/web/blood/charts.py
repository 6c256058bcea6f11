"""The board's charts as inline SVG geometry (no script, no CDN): bars of days of supply against the 3.00-day
line, and sixty days of on hand and days of supply. Only drawing here; the figures are services/blood/board.py's."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from inventory.services.blood.board import Point
from inventory.services.blood.supply import LOW_DAYS, Supply

BAR_WIDTH, BAR_ROW, LABEL, VALUE = 560, 26, 70, 60
CHART_WIDTH, CHART_HEIGHT, PAD = 760, 240, 44
LOW, NORMAL, NONE = "#dc3545", "#198754", "#adb5bd"


@dataclass(frozen=True)
class Bar:
    target: str
    supply: Supply
    y: int
    width: float
    colour: str


@dataclass(frozen=True)
class Bars:
    bars: list[Bar]
    line_x: float
    height: int
    scale_max: int
    width: int = BAR_WIDTH
    label: int = LABEL


def bars(rows: list[tuple[str, Supply]]) -> Bars:
    """One bar per target; the scale runs to the largest figure (at least 6 days, at most 30, bars past it cut)."""
    values = [float(s.days_of_supply) for _, s in rows if s.days_of_supply is not None]
    scale_max = min(30, max(6, math.ceil(max(values, default=0))))
    span = BAR_WIDTH - LABEL - VALUE
    drawn = []
    for index, (target, found) in enumerate(rows):
        value = found.days_of_supply
        width = 0.0 if value is None else min(span, span * float(value) / scale_max)
        colour = NONE if value is None else LOW if found.low else NORMAL
        drawn.append(Bar(target, found, index * BAR_ROW + 4, round(width, 1), colour))
    return Bars(drawn, round(LABEL + span * float(LOW_DAYS) / scale_max, 1), len(rows) * BAR_ROW + 8, scale_max)


@dataclass(frozen=True)
class Chart:
    on_hand_points: str
    supply_points: str
    low_y: float
    on_hand_ticks: list[tuple[float, str]]
    supply_ticks: list[tuple[float, str]]
    start: date
    end: date
    count: int
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT
    pad: int = PAD


def chart(points: list[Point], end: date, days: int) -> Chart:
    """On hand (left axis, units) and days of supply (right axis) of each reported day of the ``days`` to ``end``."""
    start = end - timedelta(days=days - 1)
    top_on_hand = max((float(p.on_hand) for p in points), default=0) or 1
    top_on_hand = _nice(top_on_hand)
    top_supply = max(6.0, min(30.0, max((float(p.days_of_supply) for p in points if p.days_of_supply is not None),
                                        default=0)))
    top_supply = float(math.ceil(top_supply))
    inner_w, inner_h = CHART_WIDTH - 2 * PAD, CHART_HEIGHT - 2 * PAD

    def x(day: date) -> float:
        return round(PAD + inner_w * (day - start).days / max(1, days - 1), 1)

    def y(value: float, top: float) -> float:
        return round(PAD + inner_h * (1 - min(value, top) / top), 1)

    on_hand = " ".join(f"{x(p.day)},{y(float(p.on_hand), top_on_hand)}" for p in points)
    supply_line = " ".join(f"{x(p.day)},{y(float(p.days_of_supply), top_supply)}" for p in points
                           if p.days_of_supply is not None)
    on_hand_ticks = [(y(top_on_hand * k / 4, top_on_hand), f"{top_on_hand * k / 4:g}") for k in range(5)]
    supply_ticks = [(y(top_supply * k / 4, top_supply), f"{top_supply * k / 4:g}") for k in range(5)]
    return Chart(on_hand, supply_line, y(float(LOW_DAYS), top_supply), on_hand_ticks, supply_ticks, start, end,
                 len(points))


def _nice(value: float) -> float:
    """The next round number above ``value`` (1, 2 or 5 times a power of ten)."""
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)


def days_text(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:.2f}"
