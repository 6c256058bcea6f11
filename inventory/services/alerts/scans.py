"""The stock and workflow alert kinds (docs/domain-rules.md, alerts): expiring and expired lots, count
mismatches of the open round, and requests waiting for their decider longer than the working-day limit."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, Select, String, case, cast, func, literal, null, select, union_all
from sqlmodel import Session

from inventory.core import settings
from inventory.core.clock import BUSINESS_TZ, business_today, utcnow
from inventory.core.vocab import AlertSeverity, LotStatus
from inventory.models import (
    AuditEvent, CountMismatch, Dispatch, DispatchLine, Facility, Lot, Material, StockCount, StockCountLine, WorkflowStep,
)
from inventory.services.alerts.registry import SUBJECT_PAGES, Scan, register
from inventory.services.alerts.sql import days_before, days_between, payload
from inventory.services.audit import trail
from inventory.services.blood import calendar
# the flows whose waiting rows ``approval_waiting`` watches: importing the inbox registers every flow
from inventory.services.workflows import dispatch_alerts, inbox  # noqa: F401 (dispatch_alerts: its kinds)
from inventory.services.inspections import alerts as inspection_alerts  # noqa: F401 (its kind)
from inventory.services.workflows import rotation_alerts  # noqa: F401 (rotation_overdue)
from inventory.services.plans import plan_alerts  # noqa: F401 (catalogue_review_due, addition_ending)
from inventory.services.plans import contract_alerts  # noqa: F401 (contract_expiring)
from inventory.services.workflows.registry import FLOWS, Flow

#: the category default of a material's warning period when its rotation lead time is 0
DEFAULT_LEAD_DAYS = 30
#: days before expiry from which an expiring lot is critical
CRITICAL_DAYS = 7


def _key(kind: str, subject: str, column) -> object:
    return literal(f"{kind}:{subject}:") + cast(column, String)


def _stock_columns():
    """Enterprise, material, bureau, district and category of a lot's alert (joined to Material and Facility)."""
    return (Lot.enterprise_id.label("enterprise_id"), Lot.material_id.label("material_id"),
            Material.bureau_id.label("bureau_id"), Facility.district_id.label("district_id"),
            Facility.id.label("facility_id"), Material.category.label("category"))


def _lots() -> Select:
    return select().select_from(Lot).join(Material, Material.id == Lot.material_id) \
        .join(Facility, Facility.id == Lot.facility_id)


def lot_expiring(session: Session, as_of: date) -> Select:
    """Lots with stock within their material's warning period (rotation lead days, else the category default)
    of expiry: warning, critical within 7 days. A lot past expiry still holds the condition, so its
    ``lot_expiring`` alert stays open beside ``lot_expired`` instead of resolving as if dealt with."""
    lead = case((Material.rotation_lead_days > 0, Material.rotation_lead_days), else_=DEFAULT_LEAD_DAYS)
    longest = max(session.scalar(select(func.max(Material.rotation_lead_days))) or 0, DEFAULT_LEAD_DAYS)
    return _lots().add_columns(
        _key("lot_expiring", "lot", Lot.id).label("dedup_key"),
        case((Lot.expiry_date <= as_of + timedelta(days=CRITICAL_DAYS), AlertSeverity.critical.value),
             else_=AlertSeverity.warning.value).label("severity"),
        literal("lot").label("subject_type"), Lot.id.label("subject_id"), *_stock_columns(),
        payload(lot_id=Lot.id, lot_code=Lot.lot_code, expiry_date=Lot.expiry_date,
                days_left=days_between(literal(as_of), Lot.expiry_date), lead_days=lead).label("payload"),
    ).where(Lot.on_hand > 0, Lot.expiry_date <= as_of + timedelta(days=longest),
            days_before(Lot.expiry_date, lead) <= as_of)


def mark_expired(session: Session, as_of: date) -> int:
    """Lots with stock past expiry become ``expired``, one conditional UPDATE, audited.

    Only ``available`` lots: a hold is a person's and stays (the ledger refuses issues from it anyway), and a
    depleted lot has nothing left to expire. The ledger keeps ``expired`` (it recomputes only available and
    depleted), refuses to issue from it and still lets it be scrapped or corrected. The day is never later
    than today: a scan run ``--as-of`` a future day must not lock stock that is still good.
    """
    day = min(as_of, business_today())
    lots = Lot.__table__
    changed = session.connection().execute(
        lots.update().where(lots.c.status == LotStatus.available, lots.c.on_hand > 0, lots.c.expiry_date < day)
        .values(status=LotStatus.expired.value).returning(lots.c.id, lots.c.enterprise_id)).all()
    if changed:
        info, now = trail.current_request.get(), utcnow()
        session.connection().execute(AuditEvent.__table__.insert(), [dict(
            at=now, actor_id=None, org_id=enterprise_id, action="lot.expire", entity="lot", entity_id=str(lot_id),
            before={"status": LotStatus.available.value}, after={"status": LotStatus.expired.value},
            request_id=info.request_id, ip=info.ip) for lot_id, enterprise_id in changed])
    return len(changed)


def lot_expired(session: Session, as_of: date) -> Select:
    """Lots with stock past their expiry date, whatever their status: critical until scrapped or issued."""
    return _lots().add_columns(
        _key("lot_expired", "lot", Lot.id).label("dedup_key"), literal(AlertSeverity.critical.value).label("severity"),
        literal("lot").label("subject_type"), Lot.id.label("subject_id"), *_stock_columns(),
        payload(lot_id=Lot.id, lot_code=Lot.lot_code, expiry_date=Lot.expiry_date,
                days_over=days_between(Lot.expiry_date, literal(as_of))).label("payload"),
    ).where(Lot.on_hand > 0, Lot.expiry_date < as_of)


def count_mismatch(session: Session, as_of: date) -> Select:
    """Differences beyond the tolerance in a count's open round (decision ""), until the bureau decides."""
    return select(
        _key("count_mismatch", "mismatch", CountMismatch.id).label("dedup_key"),
        literal(AlertSeverity.warning.value).label("severity"), literal("count").label("subject_type"),
        CountMismatch.count_id.label("subject_id"), CountMismatch.enterprise_id.label("enterprise_id"),
        Lot.material_id.label("material_id"), Material.bureau_id.label("bureau_id"),
        Facility.district_id.label("district_id"), Facility.id.label("facility_id"),
        Material.category.label("category"),
        payload(count_id=CountMismatch.count_id, lot_id=Lot.id, lot_code=Lot.lot_code).label("payload"),
    ).join(Lot, Lot.id == CountMismatch.lot_id).join(Material, Material.id == Lot.material_id) \
        .join(Facility, Facility.id == Lot.facility_id).where(CountMismatch.decision == "")


def waiting_cutoff(session: Session, as_of: date, working_days: int) -> datetime:
    """The instant before which a request entered its status to be waiting more than ``working_days``
    working days on ``as_of``: the start (Asia/Shanghai) of the ``working_days + 1``-th working day counted
    back from ``as_of`` inclusive. Entered on Monday, limit 2: on Wednesday it has waited 2 (Tue, Wed), on
    Thursday 3, so Thursday's cutoff is the start of Tuesday. Working days are the city's one calendar (China's,
    with the administrators' rulings and loaded years, docs/blood.md "Working days")."""
    # a week of five working days, plus the longest holiday (the Spring Festival), covers the way back
    working = calendar.working_days(session, as_of - timedelta(days=7 * working_days + 30), as_of)
    day, found = as_of, 0
    while True:
        if working(day):
            found += 1
            if found == working_days + 1:
                return datetime.combine(day, time(), BUSINESS_TZ).astimezone(timezone.utc)
        day -= timedelta(days=1)


#: flow model -> the material a waiting row is about, when the row names no lot (a count of a facility is
#: per bureau, so any counted material names the bureau); later flows without ``lot_id`` declare theirs here
WAITING_MATERIAL = {
    StockCount: lambda: select(func.min(Lot.material_id)).join(StockCountLine, StockCountLine.lot_id == Lot.id)
    .where(StockCountLine.count_id == StockCount.id).scalar_subquery(),
    Dispatch: lambda: select(func.min(DispatchLine.material_id)).where(DispatchLine.dispatch_id == Dispatch.id)
    .scalar_subquery(),
}
# a rotation and a scrap name their material (issue 10)
from inventory.models import Rotation, Scrap  # noqa: E402
WAITING_MATERIAL.update({Rotation: lambda: Rotation.material_id, Scrap: lambda: Scrap.material_id})


def _no_id():
    """NULL typed as an id: PostgreSQL will not match one flow's untyped NULL column with another flow's ids."""
    return cast(null(), Integer)


def _material_of(model: type):
    if hasattr(model, "lot_id"):
        return select(Lot.material_id).where(Lot.id == model.lot_id).scalar_subquery()
    if model in WAITING_MATERIAL:
        return WAITING_MATERIAL[model]()
    return _no_id()


def _facility_of(model: type, column):
    """``column`` of the facility a waiting row is about: its own facility, else its lot's."""
    if hasattr(model, "facility_id"):
        return select(column).where(Facility.id == model.facility_id).scalar_subquery()
    if hasattr(model, "lot_id"):
        return select(column).join(Lot, Lot.facility_id == Facility.id).where(Lot.id == model.lot_id).scalar_subquery()
    return _no_id()


def _waiting(flow: Flow, status: str, warn: datetime, critical: datetime) -> Select:
    """Rows of ``flow`` in ``status`` since before ``warn``: since their last step into it, else their creation."""
    model = flow.model
    created = getattr(model, "created_at", None) or getattr(model, "opened_at")
    entered = func.coalesce(
        select(func.max(WorkflowStep.at)).where(WorkflowStep.flow == flow.name, WorkflowStep.entity_id == model.id,
                                                WorkflowStep.to_status == status).scalar_subquery(), created)
    material = _material_of(model).label("material_id")
    rows = select(model.id.label("id"), entered.label("entered"), material,
                  _facility_of(model, Facility.district_id).label("district_id"),
                  _facility_of(model, Facility.id).label("facility_id"),
                  getattr(model, "enterprise_id", _no_id()).label("enterprise_id"),
                  getattr(model, "lot_id", _no_id()).label("lot_id")) \
        .where(model.status == status).subquery()
    return select(
        _key("approval_waiting", flow.name, rows.c.id).label("dedup_key"),
        case((rows.c.entered < critical, AlertSeverity.critical.value), else_=AlertSeverity.warning.value)
        .label("severity"),
        literal(flow.name).label("subject_type"), rows.c.id.label("subject_id"),
        rows.c.enterprise_id.label("enterprise_id"), rows.c.material_id.label("material_id"),
        Material.bureau_id.label("bureau_id"), rows.c.district_id.label("district_id"),
        rows.c.facility_id.label("facility_id"), func.coalesce(Material.category, "").label("category"),
        payload(flow=literal(flow.name, String), status=literal(str(status), String),
                lot_id=rows.c.lot_id).label("payload"),
    ).select_from(rows).outerjoin(Material, Material.id == rows.c.material_id).where(rows.c.entered < warn)


def approval_waiting(session: Session, as_of: date) -> Select | None:
    """Rows of every registered flow waiting for a decision (a four-eyes transition: someone other than the
    requester decides) longer than the configured working days: warning, critical beyond twice as long."""
    limit = settings.approval_waiting_days()
    warn, critical = waiting_cutoff(session, as_of, limit), waiting_cutoff(session, as_of, 2 * limit)
    parts = [_waiting(flow, status, warn, critical) for flow in FLOWS.values()
             for status in sorted({t.source for t in flow.transitions if t.four_eyes and t.roles})]
    return union_all(*parts) if parts else None


register(Scan("lot_expiring", _l("Lot expiring"), lot_expiring, group="expiry", inhibited_by=("lot_expired",)))
register(Scan("lot_expired", _l("Lot expired"), lot_expired, group="expiry", prepare=mark_expired))
register(Scan("count_mismatch", _l("Count mismatch"), count_mismatch, group="counts"))
register(Scan("approval_waiting", _l("Approval waiting"), approval_waiting, group="workflows"))
SUBJECT_PAGES.update({"lot": ("stock.lot_page", "lot_id"), "count": ("counts.show", "count_id")})

# the blood kinds (blood_low_stock, blood_emergency, report_missing) register themselves on import
from inventory.services.blood import scans as _blood_scans  # noqa: E402, F401
# the donor-team kinds (donor_compliance, collection_points) register themselves on import
from inventory.services.blood import donor_scans as _donor_scans  # noqa: E402, F401
# the cold-chain kinds (temperature_excursion, sensor_silent) register themselves on import
from inventory.services.coldchain import scans as _coldchain_scans  # noqa: E402, F401
# the plans kind statistics_report (one per stored statistics report) registers itself on import
from inventory.services.plans import statistics as _statistics_reports  # noqa: E402, F401
# below_plan (coverage against the plan) registers itself on import
from inventory.services.plans import coverage_alerts as _coverage_alerts  # noqa: E402, F401
