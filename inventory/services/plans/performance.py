"""The performance evaluation across years (绩效评价, reserve-materials-measures §五(六); docs/plans.md, "Statistics
report"): for the finance and development-and-reform side, one row per year of what the reserve achieved — mean
coverage (from the stored city statistics reports), dispatches completed, replenishments fulfilled on time, the
distribution of final evaluation scores, temperature excursions and sanctions."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlmodel import Session

from inventory import scope
from inventory.core.clock import BUSINESS_TZ, business_today
from inventory.core.vocab import EvaluationStatus, SanctionKind, SanctionStatus
from inventory.models import Dispatch, Evaluation, Excursion, Replenishment, Sanction, StatisticsReport, User
from inventory.services.plans.evaluation import final_score
from inventory.services.plans.evaluation_facts import year_bounds

#: the score bands of the distribution: (label, lowest score in it)
BANDS = (("90–100", Decimal(90)), ("80–89", Decimal(80)), ("70–79", Decimal(70)), ("60–69", Decimal(60)),
         ("<60", Decimal(0)))
YEARS = 5


@dataclass(frozen=True)
class YearMeasures:
    year: int
    mean_coverage: Decimal | None
    reports: int
    dispatches_completed: int
    replenishments_due: int
    replenishments_on_time: int
    evaluations: int
    mean_score: Decimal | None
    bands: dict[str, int]
    excursions: int
    sanctions: int

    @property
    def on_time_share(self) -> Decimal | None:
        return Decimal(self.replenishments_on_time) / self.replenishments_due if self.replenishments_due else None


def _mean_coverage(session: Session, year: int) -> tuple[Decimal | None, int]:
    """The mean of the materials' coverage over the year's stored city reports, and how many reports there are."""
    contents = session.execute(select(StatisticsReport.content).where(
        StatisticsReport.scope_key == "city", StatisticsReport.period_start >= date(year, 1, 1),
        StatisticsReport.period_end <= date(year, 12, 31))).scalars().all()
    ratios = [Decimal(row["coverage"]) for content in contents for row in content.get("materials", [])
              if row.get("coverage") is not None]
    return (sum(ratios, Decimal(0)) / len(ratios) if ratios else None), len(contents)


def _count(session: Session, query) -> int:
    return int(session.execute(query).scalar_one() or 0)


def measures_for(session: Session, year: int) -> YearMeasures:
    start, end = year_bounds(year)
    first, last = date(year, 1, 1), date(year, 12, 31)
    coverage, reports = _mean_coverage(session, year)
    due = session.execute(select(Replenishment.due_on, Replenishment.fulfilled_at).where(
        Replenishment.due_on.between(first, last))).all()
    on_time = [1 for due_on, fulfilled in due
               if fulfilled is not None and fulfilled.astimezone(BUSINESS_TZ).date() <= due_on]
    evaluations = session.execute(select(Evaluation).where(
        Evaluation.year == year, Evaluation.status == EvaluationStatus.final.value)).scalars().all()
    scores = [final_score(e) for e in evaluations]
    bands = {label: 0 for label, _ in BANDS}
    for score in scores:
        bands[next(label for label, low in BANDS if score >= low)] += 1
    return YearMeasures(
        year=year, mean_coverage=coverage, reports=reports,
        dispatches_completed=_count(session, select(func.count(Dispatch.id)).where(
            Dispatch.completed_at >= start, Dispatch.completed_at < end)),
        replenishments_due=len(due), replenishments_on_time=len(on_time),
        evaluations=len(scores), mean_score=sum(scores, Decimal(0)) / len(scores) if scores else None, bands=bands,
        excursions=_count(session, select(func.count(Excursion.id)).where(
            Excursion.started_at >= start, Excursion.started_at < end)),
        sanctions=_count(session, select(func.count(Sanction.id)).where(
            Sanction.kind != SanctionKind.reinstatement.value,
            Sanction.status.in_([SanctionStatus.recorded.value, SanctionStatus.approved.value]),
            Sanction.decided_on.between(first, last))),
    )


def performance(session: Session, *, actor: User, years: int = YEARS) -> list[YearMeasures]:
    """The last ``years`` years up to this one, oldest first (coordinators, the government, administrators)."""
    scope.require(actor, "view", "performance")
    this_year = business_today().year
    return [measures_for(session, year) for year in range(this_year - years + 1, this_year + 1)]
