"""The measurable facts of the annual evaluation (年度综合考评, reserve-materials-measures §二(五)3; docs/plans.md,
"Annual evaluation"): each is one registration — its name, how it is measured for an enterprise and a year (one
query), the points deducted per unit and the cap. A fact that lands with a later issue is one more ``register``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import and_, func, or_, select
from sqlmodel import Session

from inventory.core.clock import BUSINESS_TZ, business_today
from inventory.core.vocab import InstructionStatus, MovementKind, SanctionKind, SanctionStatus
from inventory.models import (
    CountMismatch, Excursion, Facility, InspectionFinding, Instruction, Lot, Movement, Sanction, StatisticsReport,
)
from inventory.services.plans.statistics import enterprise_rows_at

#: (session, enterprise id, year) -> the measured value (a count, or percentage points)
Measure = Callable[[Session, int, int], Decimal]


@dataclass(frozen=True)
class Fact:
    key: str
    label: LazyString
    #: what one unit of the value is ("count difference", "percentage point below full coverage")
    unit: LazyString
    points: Decimal
    cap: Decimal
    measure: Measure

    def deduction(self, value: Decimal) -> Decimal:
        return min(self.cap, value * self.points)


FACTS: dict[str, Fact] = {}


def register(fact: Fact) -> Fact:
    if fact.key in FACTS:
        raise RuntimeError(f"evaluation fact {fact.key!r} registered twice")
    FACTS[fact.key] = fact
    return fact


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The year as stored timestamps: from 1 January 00:00 in Asia/Shanghai to the next (exclusive)."""
    return (datetime.combine(date(year, 1, 1), time(), BUSINESS_TZ).astimezone(timezone.utc),
            datetime.combine(date(year + 1, 1, 1), time(), BUSINESS_TZ).astimezone(timezone.utc))


def _count(session: Session, query) -> Decimal:
    return Decimal(session.execute(query).scalar_one() or 0)


def count_differences(session: Session, enterprise_id: int, year: int) -> Decimal:
    """Count differences kept as mismatches (every round's) found on the enterprise's stock in the year."""
    start, end = year_bounds(year)
    return _count(session, select(func.count(CountMismatch.id)).where(
        CountMismatch.enterprise_id == enterprise_id, CountMismatch.created_at >= start, CountMismatch.created_at < end))


def write_downs(session: Session, enterprise_id: int, year: int) -> Decimal:
    """Write-downs: negative adjustments posted to the enterprise's lots in the year."""
    start, end = year_bounds(year)
    return _count(session, select(func.count(Movement.id)).join(Lot, Lot.id == Movement.lot_id).where(
        Lot.enterprise_id == enterprise_id, Movement.kind == MovementKind.adjustment.value, Movement.quantity < 0,
        Movement.at >= start, Movement.at < end))


def instructions_missed(session: Session, enterprise_id: int, year: int) -> Decimal:
    """Instructions due in the year that were refused, executed late, or are still open past their deadline."""
    today = business_today()
    return _count(session, select(func.count(Instruction.id)).where(
        Instruction.enterprise_id == enterprise_id,
        Instruction.deadline >= date(year, 1, 1), Instruction.deadline <= date(year, 12, 31),
        or_(Instruction.status == InstructionStatus.refused.value, Instruction.late.is_(True),
            and_(Instruction.status.in_([s.value for s in InstructionStatus.open()]), Instruction.deadline < today))))


def temperature_excursions(session: Session, enterprise_id: int, year: int) -> Decimal:
    """Cold-chain temperature excursions that began in the enterprise's facilities in the year."""
    start, end = year_bounds(year)
    return _count(session, select(func.count(Excursion.id)).join(Facility, Facility.id == Excursion.facility_id).where(
        Facility.enterprise_id == enterprise_id, Excursion.started_at >= start, Excursion.started_at < end))


def inspection_findings(session: Session, enterprise_id: int, year: int) -> Decimal:
    """Findings (one of the §六(二) violations) recorded against the enterprise by inspections in the year."""
    start, end = year_bounds(year)
    return _count(session, select(func.count(InspectionFinding.id)).where(
        InspectionFinding.enterprise_id == enterprise_id,
        InspectionFinding.created_at >= start, InspectionFinding.created_at < end))


def sanctions(session: Session, enterprise_id: int, year: int) -> Decimal:
    """Sanctions in force decided in the year: interviews recorded, suspensions and revocations approved."""
    return _count(session, select(func.count(Sanction.id)).where(
        Sanction.enterprise_id == enterprise_id, Sanction.kind != SanctionKind.reinstatement.value,
        Sanction.status.in_([SanctionStatus.recorded.value, SanctionStatus.approved.value]),
        Sanction.decided_on >= date(year, 1, 1), Sanction.decided_on <= date(year, 12, 31)))


def coverage_shortfall(session: Session, enterprise_id: int, year: int) -> Decimal:
    """Percentage points by which the enterprise's coverage fell short of full through the year: the mean over
    the year's stored city statistics reports (their per-enterprise rows), else the coverage at the year's end.
    An allowed shortfall (a rotation in its window, an open replenishment, a dispatch in progress) counts as kept."""
    reports = session.execute(select(StatisticsReport.content).where(
        StatisticsReport.scope_key == "city", StatisticsReport.period_start >= date(year, 1, 1),
        StatisticsReport.period_end <= date(year, 12, 31))).scalars().all()
    kept = [share for share in (enterprise_kept(content.get("enterprises", []), enterprise_id)
                                for content in reports) if share is not None]
    if not kept:
        share = enterprise_kept(enterprise_rows_at(session, min(date(year, 12, 31), business_today())),
                                enterprise_id)
        kept = [share] if share is not None else []
    if not kept:
        return Decimal(0)
    mean = sum(kept, Decimal(0)) / len(kept)
    return ((1 - mean) * 100).quantize(Decimal("0.1"))


def enterprise_kept(rows: list[dict], enterprise_id: int) -> Decimal | None:
    """The share of its planned quantities an enterprise kept (available plus allowed shortfall, each material at
    most full), over the rows of a report's enterprise breakdown; None when nothing is planned for it."""
    shares = [min(Decimal(1), (Decimal(row["available"]) + Decimal(row["allowed_shortfall"]))
                  / Decimal(row["plan_quantity"]))
              for row in rows if row.get("enterprise_id") == enterprise_id and row.get("plan_quantity")
              and Decimal(row["plan_quantity"]) > 0]
    return sum(shares, Decimal(0)) / len(shares) if shares else None


register(Fact("coverage_shortfall", _l("Coverage kept through the year"), _l("percentage point below full coverage"),
              Decimal("0.5"), Decimal(30), coverage_shortfall))
register(Fact("count_differences", _l("Count differences"), _l("count difference"),
              Decimal(2), Decimal(20), count_differences))
register(Fact("write_downs", _l("Write-downs"), _l("write-down"), Decimal(1), Decimal(10), write_downs))
register(Fact("instructions_missed", _l("Overdue or refused instructions"), _l("instruction"),
              Decimal(5), Decimal(30), instructions_missed))
register(Fact("temperature_excursions", _l("Temperature excursions"), _l("excursion"),
              Decimal(1), Decimal(15), temperature_excursions))
register(Fact("inspection_findings", _l("Inspection findings"), _l("finding"),
              Decimal(3), Decimal(30), inspection_findings))
register(Fact("sanctions", _l("Sanctions"), _l("sanction"), Decimal(10), Decimal(30), sanctions))
