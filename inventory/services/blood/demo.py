"""Sixty days of daily reports for the demo blood station, so the board and the scans have a history to show.

Deterministic (a seeded generator) and written with two bulk inserts. Daily issues follow the group mix of the
plan's donor teams (A 24 %, B 28 %, O 32 %, AB 16 %; Rh-negative a small share), collections run a little
above issues, red-cell stock is kept at six to nine days, and group AB drifts below three days over the last four
working days, so the board shows a streak one working day short of Level IV. The demo donor register, collection
points, filing and drill follow (services/blood/donor_demo.py).
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import insert
from sqlmodel import Session, select

from inventory.core.clock import BUSINESS_TZ, business_today
from inventory.core.vocab import OrgKind
from inventory.models import BloodReport, BloodReportLine, Organisation, User
from inventory.services.blood import calendar, donor_demo

DAYS = 60
#: red cells issued per day (U) by group, Rh-positive
DAILY_RED_CELLS = {"A": 48, "B": 56, "O": 64, "AB": 32}
#: per unit of red cells issued: platelets (therapeutic doses) and plasma (U)
PLATELETS, PLASMA = Decimal("0.12"), Decimal("0.6")


def _figures(rng: random.Random, mean: float, days_on_hand: float) -> tuple[Decimal, Decimal, Decimal]:
    issued = max(0, round(rng.gauss(mean, mean * 0.15)))
    collected = max(0, round(rng.gauss(mean * 1.1, mean * 0.1)))
    return Decimal(round(mean * days_on_hand)), Decimal(collected), Decimal(issued)


def seed(session: Session, *, today: date | None = None) -> int:
    """Reports for the sixty days before ``today`` for the first blood station; returns how many were written."""
    station = session.exec(select(Organisation).where(Organisation.kind == OrgKind.blood_station)
                           .order_by(Organisation.id)).first()
    officer = session.exec(select(User).where(User.org_id == station.id)).first() if station else None
    if station is None or officer is None:
        return 0
    today = today or business_today()
    first = today - timedelta(days=DAYS)
    is_working = calendar.working_days(session, first, today)
    last_working = [d for d in (today - timedelta(days=n) for n in range(1, 15)) if is_working(d)][:4]
    rng = random.Random(2026)
    reports, lines = [], []
    for offset in range(DAYS):
        day = first + timedelta(days=offset)
        filed_at = datetime.combine(day + timedelta(days=1), time(8, 30), BUSINESS_TZ).astimezone(timezone.utc)
        reports.append({"station_id": station.id, "report_date": day, "revision": 1, "note": "",
                        "filed_by": officer.id, "filed_at": filed_at})
        for group, mean in DAILY_RED_CELLS.items():
            days_on_hand = 2.6 if group == "AB" and day >= min(last_working) else 6 + 3 * rng.random()
            for rh, share in (("pos", 1.0), ("neg", 0.02)):
                red = _figures(rng, mean * share, days_on_hand)
                lines.append({"day": day, "abo_group": group, "rh": rh, "component": "red_cells", "on_hand": red[0],
                              "collected": red[1], "issued": red[2]})
                for component, ratio, keep in (("platelets", PLATELETS, 1.5), ("plasma", PLASMA, 40.0)):
                    figures = _figures(rng, float(ratio) * mean * share, keep)
                    lines.append({"day": day, "abo_group": group, "rh": rh, "component": component,
                                  "on_hand": figures[0], "collected": figures[1], "issued": figures[2]})
    session.execute(insert(BloodReport), reports)
    ids = dict(session.exec(select(BloodReport.report_date, BloodReport.id)
                            .where(BloodReport.station_id == station.id, BloodReport.report_date >= first)).all())
    session.execute(insert(BloodReportLine), [{"report_id": ids[line.pop("day")], **line} for line in lines])
    session.flush()
    donor_demo.seed(session, officer, today=today)
    return len(reports)
