"""The dispatch alert kinds (docs/domain-rules.md, dispatch): instructions past their deadline, emergency
dispatches not filed within 20 days of the work's end, replenishments past their due date.

Each opens the day after its due day (a deadline is the last day on time) and resolves when the row leaves the
condition: the instruction is closed, the dispatch filed, the replenishment fulfilled.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, String, case, cast, func, literal, select
from sqlmodel import Session

from inventory.core.vocab import AlertSeverity, DispatchStatus, InstructionStatus, ReplenishmentStatus
from inventory.models import Dispatch, DispatchLine, Instruction, Material, Replenishment
from inventory.services.alerts.registry import SUBJECT_PAGES, Scan, register
from inventory.services.alerts.sql import days_between, payload

#: days past the due day from which an overdue instruction or replenishment is critical
CRITICAL_AFTER_DAYS = 3


def _key(kind: str, column) -> object:
    return literal(f"{kind}:") + cast(column, String)


def _severity(due, as_of: date):
    return case((due < as_of - timedelta(days=CRITICAL_AFTER_DAYS), AlertSeverity.critical.value),
                else_=AlertSeverity.warning.value)


def instruction_overdue(session: Session, as_of: date) -> Select:
    """Open instructions whose deadline has passed."""
    return select(
        _key("instruction_overdue", Instruction.id).label("dedup_key"),
        _severity(Instruction.deadline, as_of).label("severity"),
        literal("instruction").label("subject_type"), Instruction.id.label("subject_id"),
        Instruction.enterprise_id.label("enterprise_id"), Instruction.material_id.label("material_id"),
        Material.bureau_id.label("bureau_id"), Material.category.label("category"),
        payload(code=Instruction.code, kind=Instruction.kind, deadline=Instruction.deadline,
                days_overdue=days_between(Instruction.deadline, literal(as_of))).label("payload"),
    ).join(Material, Material.id == Instruction.material_id).where(
        Instruction.status.in_([str(s) for s in InstructionStatus.open()]), Instruction.deadline < as_of)


def filing_overdue(session: Session, as_of: date) -> Select:
    """Emergency dispatches whose work ended more than 20 days ago and that are not filed yet."""
    material = select(func.min(DispatchLine.material_id)).where(DispatchLine.dispatch_id == Dispatch.id) \
        .scalar_subquery()
    category = func.coalesce(select(Material.category).where(Material.id == material).scalar_subquery(), "")
    return select(
        _key("filing_overdue", Dispatch.id).label("dedup_key"),
        literal(AlertSeverity.critical.value).label("severity"),
        literal("dispatch").label("subject_type"), Dispatch.id.label("subject_id"),
        material.label("material_id"), Dispatch.bureau_id.label("bureau_id"),
        Dispatch.district_id.label("district_id"), category.label("category"),
        payload(code=Dispatch.code, work_ended_on=Dispatch.work_ended_on, filing_due_on=Dispatch.filing_due_on,
                days_overdue=days_between(Dispatch.filing_due_on, literal(as_of))).label("payload"),
    ).where(Dispatch.emergency.is_(True), Dispatch.status == DispatchStatus.completed,
            Dispatch.filing_due_on < as_of)


def replenishment_overdue(session: Session, as_of: date) -> Select:
    """Replenishments not fulfilled by their due date."""
    return select(
        _key("replenishment_overdue", Replenishment.id).label("dedup_key"),
        _severity(Replenishment.due_on, as_of).label("severity"),
        literal("replenishment").label("subject_type"), Replenishment.id.label("subject_id"),
        # the enterprise can act once the bureau has confirmed: until then the alert is the bureau's alone
        case((Replenishment.status == ReplenishmentStatus.confirmed, Replenishment.enterprise_id))
        .label("enterprise_id"), Replenishment.material_id.label("material_id"),
        Material.bureau_id.label("bureau_id"), Material.category.label("category"),
        payload(code=Replenishment.code, due_on=Replenishment.due_on,
                days_overdue=days_between(Replenishment.due_on, literal(as_of))).label("payload"),
    ).join(Material, Material.id == Replenishment.material_id).where(
        Replenishment.status.in_([ReplenishmentStatus.proposed, ReplenishmentStatus.confirmed]),
        Replenishment.due_on < as_of)


register(Scan("instruction_overdue", _l("Instruction overdue"), instruction_overdue, group="dispatch"))
register(Scan("filing_overdue", _l("Emergency dispatch not filed"), filing_overdue, group="dispatch"))
register(Scan("replenishment_overdue", _l("Replenishment overdue"), replenishment_overdue, group="dispatch"))
SUBJECT_PAGES.update({"instruction": ("instructions.show", "instruction_id"),
                      "dispatch": ("dispatches.show", "dispatch_id"),
                      "replenishment": ("replenishments.show", "replenishment_id")})
