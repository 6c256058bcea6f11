"""The periodic statistics report (统计报告制度, reserve-materials-measures §五(四); docs/plans.md, "Statistics report").

Each period (monthly by default, quarterly by setting) one report per bureau (its materials) and one for the city
(the coordinators) is computed and stored whole (``StatisticsReport.content``), so it reads later as it was: plan,
on hand, coverage by material, movements by kind in the period and lots expiring within 90 days, broken down by
category, enterprise and district. On hand is the ledger's: the sum of a lot's movements up to the period's end.
A report is unique per period and scope: producing it again returns the stored one (a retried task writes nothing).

The ``statistics_report`` alert (info) stands for the latest stored report of each scope, for its bureau or (the
city's) for the coordinators, so subscribers to the kind receive it; it resolves when the next period's is stored.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, Select, String, and_, cast, func, literal, null, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from inventory import scope
from inventory.core import settings
from inventory.core.clock import BUSINESS_TZ, business_today
from inventory.core.errors import Invalid
from inventory.core.vocab import AlertSeverity, OrgKind
from inventory.models import District, Lot, Material, Movement, Organisation, StatisticsReport, User
from inventory.services.alerts.registry import SUBJECT_PAGES, Scan, register
from inventory.services.alerts.sql import payload
from inventory.services.audit import trail
from inventory.services.plans import coverage
from inventory.services.plans.coverage import coverage_rows

PERIODS = ("monthly", "quarterly")
#: lots expiring within this many days after the period's end are listed
EXPIRING_DAYS = 90
#: at most this many expiring lots are listed by name (all are counted)
EXPIRING_LISTED = 1000
CITY = "city"


# -- periods -------------------------------------------------------------------------------------------------------


def _months(kind: str) -> int:
    if kind not in PERIODS:
        raise Invalid.field("period", _l("monthly or quarterly"))
    return 1 if kind == "monthly" else 3


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_containing(day: date, kind: str) -> tuple[date, date]:
    """(first day, last day) of the period of ``kind`` that holds ``day``."""
    months = _months(kind)
    start = date(day.year, (day.month - 1) // months * months + 1, 1)
    return start, _add_months(start, months) - timedelta(days=1)


def previous_period(day: date, kind: str) -> tuple[date, date]:
    """The period before the one that holds ``day``: what is reported at the start of a period."""
    start, _ = period_containing(day, kind)
    return period_containing(start - timedelta(days=1), kind)


def check_period_start(start: date, kind: str, today: date) -> tuple[date, date]:
    """The period that begins on ``start``; 422 when ``start`` begins none, or the period has not ended yet."""
    begun, end = period_containing(start, kind)
    if begun != start:
        raise Invalid.field("period_start", _l("the first day of a %(kind)s period", kind=kind))
    if end >= today:
        raise Invalid.field("period_start", _l("a period that has ended"))
    return start, end


def _instant(day: date) -> datetime:
    """The start of a business day as a stored (UTC) timestamp."""
    return datetime.combine(day, time(), BUSINESS_TZ).astimezone(timezone.utc)


# -- content -------------------------------------------------------------------------------------------------------


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(Decimal(value).quantize(Decimal("0.001")))


def _ratio(value: Decimal | None) -> str | None:
    return None if value is None else str(Decimal(value).quantize(Decimal("0.0001")))


def _materials(session: Session, bureau_id: int | None) -> dict[int, Material]:
    query = select(Material)
    if bureau_id is not None:
        query = query.where(Material.bureau_id == bureau_id)
    return {m.id: m for m in session.execute(query).scalars()}


def _stock_at(session: Session, end: date, materials: Iterable[int]) -> list[tuple[int, int, int | None, int, Decimal]]:
    """(material, enterprise, district, lots, on hand) at the end of ``end``, from the ledger: the sum of each lot's
    movements before the next day began. Lots with nothing on hand are left out; the district is the enterprise's,
    as coverage counts it."""
    per_lot = select(Movement.lot_id, func.sum(Movement.quantity).label("on_hand")).where(
        Movement.at < _instant(end + timedelta(days=1))).group_by(Movement.lot_id).subquery()
    query = select(Lot.material_id, Lot.enterprise_id, Organisation.district_id, func.count(Lot.id),
                   func.sum(per_lot.c.on_hand)) \
        .join(per_lot, per_lot.c.lot_id == Lot.id).join(Organisation, Organisation.id == Lot.enterprise_id) \
        .where(Lot.material_id.in_(list(materials)), per_lot.c.on_hand > 0) \
        .group_by(Lot.material_id, Lot.enterprise_id, Organisation.district_id)
    return [(m, e, d, n, Decimal(q)) for m, e, d, n, q in session.execute(query).all()]


def _movements(session: Session, start: date, end: date, materials: dict[int, Material]) -> list[dict]:
    """Movements in the period by kind, category and unit: how many and their signed sum."""
    query = select(Movement.kind, Material.category, Material.unit, func.count(Movement.id),
                   func.sum(Movement.quantity)) \
        .join(Lot, Lot.id == Movement.lot_id).join(Material, Material.id == Lot.material_id) \
        .where(Lot.material_id.in_(list(materials)), Movement.at >= _instant(start),
               Movement.at < _instant(end + timedelta(days=1))) \
        .group_by(Movement.kind, Material.category, Material.unit) \
        .order_by(Movement.kind, Material.category, Material.unit)
    return [{"kind": kind, "category": category, "unit": unit, "count": count, "quantity": _text(Decimal(total))}
            for kind, category, unit, count, total in session.execute(query).all()]


def _expiring(session: Session, end: date, materials: dict[int, Material]) -> tuple[list[dict], int]:
    """Lots with stock at the period's end whose expiry falls within 90 days after it, earliest first."""
    per_lot = select(Movement.lot_id, func.sum(Movement.quantity).label("on_hand")).where(
        Movement.at < _instant(end + timedelta(days=1))).group_by(Movement.lot_id).subquery()
    query = select(Lot.id, Lot.lot_code, Lot.material_id, Lot.enterprise_id, Organisation.district_id,
                   Lot.expiry_date, per_lot.c.on_hand) \
        .join(per_lot, per_lot.c.lot_id == Lot.id).join(Organisation, Organisation.id == Lot.enterprise_id) \
        .where(Lot.material_id.in_(list(materials)), per_lot.c.on_hand > 0, Lot.expiry_date > end,
               Lot.expiry_date <= end + timedelta(days=EXPIRING_DAYS)) \
        .order_by(Lot.expiry_date, Lot.id)
    rows = session.execute(query).all()
    return [{"lot_id": lot_id, "lot_code": code, "material_id": material_id, "enterprise_id": enterprise_id,
             "district_id": district_id, "expiry_date": expiry.isoformat(), "days": (expiry - end).days,
             "on_hand": _text(Decimal(on_hand))}
            for lot_id, code, material_id, enterprise_id, district_id, expiry, on_hand in rows[:EXPIRING_LISTED]], \
        len(rows)


@dataclass(frozen=True)
class _Planned:
    """Plan, available and allowed shortfall of one material (from ``coverage_rows``) or of one enterprise and
    material (from coverage's per-enterprise grain)."""

    plan_quantity: Decimal | None
    available: Decimal
    allowed_shortfall: Decimal


@dataclass
class _Sums:
    lots: int = 0
    on_hand: Decimal = Decimal(0)
    plan: Decimal | None = None
    available: Decimal = Decimal(0)
    allowed: Decimal = Decimal(0)
    #: the available stock of planned materials: what the ratio counts (coverage.py, roll-ups)
    counted: Decimal = Decimal(0)

    def add_plan(self, row: _Planned) -> None:
        if row.plan_quantity is not None:
            self.plan = (self.plan or Decimal(0)) + row.plan_quantity
            self.counted += row.available
        self.available += row.available
        self.allowed += row.allowed_shortfall

    def fields(self) -> dict:
        coverage = self.counted / self.plan if self.plan else None
        return {"lots": self.lots, "on_hand": _text(self.on_hand), "plan_quantity": _text(self.plan),
                "available": _text(self.available), "allowed_shortfall": _text(self.allowed),
                "coverage": _ratio(coverage)}


def _breakdown(stock, coverage: Iterable[tuple[tuple, _Planned]], key_of) -> dict[tuple, _Sums]:
    """Sums per breakdown key from the stock rows (lots, on hand) and the coverage rows (plan, available), each
    coverage row given with its breakdown key."""
    sums: dict[tuple, _Sums] = defaultdict(_Sums)
    for material, enterprise, district, lots, on_hand in stock:
        entry = sums[key_of(material, enterprise, district)]
        entry.lots += lots
        entry.on_hand += on_hand
    for key, row in coverage:
        sums[key].add_plan(row)
    return sums


def build_content(session: Session, *, bureau_id: int | None, start: date, end: date) -> dict:
    """The report of the period for a bureau's materials (or, ``None``, the city's), as stored."""
    materials = _materials(session, bureau_id)
    stock = _stock_at(session, end, materials)
    by_material = material_coverage(session, end, materials)
    by_enterprise = enterprise_coverage(session, end, materials)
    expiring, expiring_total = _expiring(session, end, materials)
    orgs = {o.id: o for o in session.execute(select(Organisation)).scalars()}
    districts = {d.id: d for d in session.execute(select(District)).scalars()}
    material_sums = _breakdown(stock, by_material.items(), lambda m, e, d: (m,))
    category_sums = _breakdown(stock, (((materials[m].category, materials[m].unit), row)
                                       for (m,), row in by_material.items()),
                               lambda m, e, d: (materials[m].category, materials[m].unit))
    enterprise_sums = _breakdown(stock, by_enterprise.items(), lambda m, e, d: (e, m))
    district_of = {o.id: o.district_id for o in orgs.values()}
    district_sums = _breakdown(stock, (((district_of[e], m), row) for (e, m), row in by_enterprise.items()),
                               lambda m, e, d: (d, m))
    expiring_per_category: dict[tuple, int] = defaultdict(int)
    for lot in expiring:
        material = materials[lot["material_id"]]
        expiring_per_category[(material.category, material.unit)] += 1

    def material_fields(material_id: int) -> dict:
        m = materials[material_id]
        return {"material_id": m.id, "material": m.code, "material_name": m.name_zh, "material_name_en": m.name_en,
                "category": m.category, "unit": m.unit}

    def district_fields(district_id: int | None) -> dict:
        d = districts.get(district_id)
        return {"district_id": district_id, "district": d.code if d else None, "district_name": d.name_zh if d else "",
                "district_name_en": d.name_en if d else ""}

    def enterprise_fields(enterprise_id: int) -> dict:
        org = orgs[enterprise_id]
        return {"enterprise_id": org.id, "enterprise": org.code, "enterprise_name": org.name}

    bureau = orgs.get(bureau_id)
    return {
        "period_start": start.isoformat(), "period_end": end.isoformat(),
        "scope": "bureau" if bureau else CITY,
        "bureau": {"id": bureau.id, "code": bureau.code, "name": bureau.name} if bureau else None,
        "materials": [{**material_fields(m), **entry.fields()}
                      for (m,), entry in sorted(material_sums.items(), key=lambda kv: materials[kv[0][0]].code)],
        "categories": [{"category": category, "unit": unit, **entry.fields(),
                        "expiring_lots": expiring_per_category.get((category, unit), 0)}
                       for (category, unit), entry in sorted(category_sums.items())],
        "enterprises": [{**enterprise_fields(e), **material_fields(m), **entry.fields()}
                        for (e, m), entry in sorted(enterprise_sums.items(),
                                                    key=lambda kv: (orgs[kv[0][0]].code, materials[kv[0][1]].code))],
        "districts": [{**district_fields(d), **material_fields(m), **entry.fields()}
                      for (d, m), entry in sorted(district_sums.items(),
                                                  key=lambda kv: (districts[kv[0][0]].code if kv[0][0] in districts
                                                                  else "", materials[kv[0][1]].code))],
        "movements": _movements(session, start, end, materials),
        "expiring": [{**lot, **material_fields(lot["material_id"]), **enterprise_fields(lot["enterprise_id"]),
                      **district_fields(lot["district_id"])} for lot in expiring],
        "expiring_total": expiring_total,
    }


def material_coverage(session: Session, day: date, materials: dict[int, Material]) -> dict[tuple, _Planned]:
    """(material,) -> its coverage on ``day`` (``coverage_rows``, services/plans/coverage.py), for these materials."""
    by_code = {m.code: m.id for m in materials.values()}
    return {(by_code[row.key],): _Planned(row.plan_quantity, row.available, row.allowed_shortfall)
            for row in coverage_rows(session, group="material", as_of=day) if row.key in by_code}


def enterprise_coverage(session: Session, day: date, materials: dict[int, Material]) -> dict[tuple, _Planned]:
    """(enterprise, material) -> its coverage on ``day``, from coverage's per-enterprise grain (each enterprise's
    targets, available stock and allowed shortfall per material), for these materials."""
    rows = coverage.grain(session, day, None, per_enterprise=True)
    query = select(rows.c.enterprise_id, rows.c.material_id, rows.c.target, rows.c.available, rows.c.allowed) \
        .where(rows.c.material_id.in_(list(materials)))
    return {(e, m): _Planned(None if target is None else Decimal(target), Decimal(available or 0),
                             Decimal(allowed or 0))
            for e, m, target, available, allowed in session.execute(query).all()}


def enterprise_rows_at(session: Session, day: date) -> list[dict]:
    """The city's per-enterprise coverage rows on ``day``, shaped as a stored report's ``enterprises``: what the
    annual evaluation reads when no report of the year is stored."""
    return [{"enterprise_id": e, "material_id": m, "plan_quantity": _text(row.plan_quantity),
             "available": _text(row.available), "allowed_shortfall": _text(row.allowed_shortfall)}
            for (e, m), row in enterprise_coverage(session, day, _materials(session, None)).items()]


# -- storing -------------------------------------------------------------------------------------------------------


def scope_key(bureau_id: int | None) -> str:
    return CITY if bureau_id is None else f"bureau:{bureau_id}"


def produce(session: Session, *, start: date, end: date, bureau_id: int | None,
            actor: User | None = None) -> tuple[StatisticsReport, bool]:
    """Stores the report of the period for the scope unless it is stored already: (the report, whether it is
    new). Two producers at once store it once (the unique period and scope; the loser reads the winner's)."""
    key = scope_key(bureau_id)
    found = _stored(session, start, end, key)
    if found is not None:
        return found, False
    report = StatisticsReport(period_start=start, period_end=end, scope_key=key, bureau_id=bureau_id,
                              content=build_content(session, bureau_id=bureau_id, start=start, end=end))
    try:
        with session.begin_nested():
            session.add(report)
    except IntegrityError:
        return _stored(session, start, end, key), False
    trail.record(session, actor=actor, action="statistics_report.produce", entity="statistics_report",
                 entity_id=report.id, org_id=bureau_id, after={"period_start": start.isoformat(),
                                                               "period_end": end.isoformat(), "scope": key})
    return report, True


def _stored(session: Session, start: date, end: date, key: str) -> StatisticsReport | None:
    return session.execute(select(StatisticsReport).where(
        StatisticsReport.period_start == start, StatisticsReport.period_end == end,
        StatisticsReport.scope_key == key)).scalars().first()


def reporting_bureaus(session: Session) -> list[Organisation]:
    """The bureaus that report: those responsible for at least one material."""
    return list(session.execute(select(Organisation).where(
        Organisation.kind == OrgKind.bureau.value, Organisation.active.is_(True),
        Organisation.id.in_(select(Material.bureau_id))).order_by(Organisation.code)).scalars())


def produce_due(session: Session, *, today: date | None = None) -> list[StatisticsReport]:
    """At the start of a period: the previous period's reports, the city's and each reporting bureau's, those not
    stored yet (a second run the same period stores nothing). Returns the new ones."""
    start, end = previous_period(today or business_today(), settings.statistics_period())
    made = []
    for bureau_id in (None, *(b.id for b in reporting_bureaus(session))):
        report, new = produce(session, start=start, end=end, bureau_id=bureau_id)
        if new:
            made.append(report)
    return made


def produce_on_demand(session: Session, *, actor: User, period_start: date, bureau: str | None) -> \
        tuple[StatisticsReport, bool]:
    """A coordinator's or an administrator's request for one period's report, the city's or a bureau's (its
    code); a period of the configured kind that has ended."""
    scope.require(actor, "produce", "statistics")
    start, end = check_period_start(period_start, settings.statistics_period(), business_today())
    bureau_id = None
    if bureau and bureau != CITY:
        found = session.execute(select(Organisation).where(Organisation.code == bureau,
                                                           Organisation.kind == OrgKind.bureau.value)).scalars().first()
        if found is None:
            raise Invalid.field("scope", _l("city or the code of a bureau"))
        bureau_id = found.id
    return produce(session, start=start, end=end, bureau_id=bureau_id, actor=actor)


def visible(session: Session, actor: User, report_id: int) -> StatisticsReport:
    scope.require(actor, "view", "statistics")
    return scope.plans.visible_statistics_report(session, actor, report_id)


def reports_query(session: Session, actor: User):
    """The stored reports the reader may see, newest period first (the caller pages)."""
    scope.require(actor, "view", "statistics")
    return scope.plans.statistics_reports_query(session, actor)


# -- the alert -----------------------------------------------------------------------------------------------------


def statistics_report_conditions(session: Session, as_of: date) -> Select:
    """The latest stored report of each scope: one info alert each, for its bureau or (the city's) the whole city;
    a newer report of the scope takes its place, and the older one's alert resolves."""
    latest = select(StatisticsReport.scope_key, func.max(StatisticsReport.period_start).label("start")) \
        .group_by(StatisticsReport.scope_key).subquery()
    return select(
        (literal("statistics_report:") + cast(StatisticsReport.id, String)).label("dedup_key"),
        literal(AlertSeverity.info.value).label("severity"), literal("statistics_report").label("subject_type"),
        StatisticsReport.id.label("subject_id"), cast(null(), Integer).label("enterprise_id"),
        StatisticsReport.bureau_id.label("bureau_id"),
        payload(code=StatisticsReport.scope_key + literal(" ") + cast(StatisticsReport.period_start, String)
                + literal("–") + cast(StatisticsReport.period_end, String),
                period_start=cast(StatisticsReport.period_start, String),
                period_end=cast(StatisticsReport.period_end, String), scope=StatisticsReport.scope_key)
        .label("payload"),
    ).join(latest, and_(latest.c.scope_key == StatisticsReport.scope_key,
                        latest.c.start == StatisticsReport.period_start))


register(Scan("statistics_report", _l("Statistics report produced"), statistics_report_conditions, group="plans"))
SUBJECT_PAGES["statistics_report"] = ("statistics.show", "report_id")
