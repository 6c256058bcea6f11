"""The ``enterprise_sanctioned`` alert: open instructions of an enterprise whose storage qualification is suspended
or revoked (reserve-materials-measures §六(二)), flagged for the bureau of the instruction's material so it can call
them off or reassign the stock. Critical when revoked, warning when suspended; resolves when the instruction closes
or the enterprise is reinstated."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, String, case, cast, literal, select
from sqlmodel import Session

from inventory.core.vocab import AlertSeverity, InstructionStatus, QualificationState
from inventory.models import Instruction, Material, Qualification
from inventory.services.alerts.registry import Scan, register
from inventory.services.alerts.sql import payload


def enterprise_sanctioned(session: Session, as_of: date) -> Select:
    return select(
        (literal("enterprise_sanctioned:") + cast(Instruction.id, String)).label("dedup_key"),
        case((Qualification.state == QualificationState.revoked.value, AlertSeverity.critical.value),
             else_=AlertSeverity.warning.value).label("severity"),
        literal("instruction").label("subject_type"), Instruction.id.label("subject_id"),
        Instruction.enterprise_id.label("enterprise_id"), Instruction.material_id.label("material_id"),
        Material.bureau_id.label("bureau_id"), Material.category.label("category"),
        payload(code=Instruction.code, kind=Instruction.kind, qualification=Qualification.state).label("payload"),
    ).join(Material, Material.id == Instruction.material_id).join(
        Qualification, Qualification.enterprise_id == Instruction.enterprise_id).where(
        Instruction.status.in_([str(s) for s in InstructionStatus.open()]),
        Qualification.state.in_([str(s) for s in QualificationState.barred()]))


register(Scan("enterprise_sanctioned", _l("Instruction to a sanctioned enterprise"), enterprise_sanctioned,
              group="inspections"))
