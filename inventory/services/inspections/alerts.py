"""The ``enterprise_sanctioned`` alert: open instructions and rotations of an enterprise whose storage qualification
is suspended or revoked (reserve-materials-measures §六(二)), flagged for the bureau of their material so it can call
them off or reassign the stock (a rotation's stock out may never come back). Critical when revoked, warning when
suspended; resolves when the instruction or rotation closes or the enterprise is reinstated."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, String, case, cast, literal, select, union_all
from sqlmodel import Session

from inventory.core.vocab import AlertSeverity, InstructionStatus, QualificationState, RotationStatus
from inventory.models import Instruction, Material, Qualification, Rotation
from inventory.services.alerts.registry import Scan, register
from inventory.services.alerts.sql import payload


def _severity():
    return case((Qualification.state == QualificationState.revoked.value, AlertSeverity.critical.value),
                else_=AlertSeverity.warning.value)


def _barred():
    return Qualification.state.in_([str(s) for s in QualificationState.barred()])


def _rotations() -> Select:
    return select(
        (literal("enterprise_sanctioned:rotation:") + cast(Rotation.id, String)).label("dedup_key"),
        _severity().label("severity"), literal("rotation").label("subject_type"), Rotation.id.label("subject_id"),
        Rotation.enterprise_id.label("enterprise_id"), Rotation.material_id.label("material_id"),
        Material.bureau_id.label("bureau_id"), Material.category.label("category"),
        payload(code=Rotation.code, kind=literal("rotation", String), qualification=Qualification.state)
        .label("payload"),
    ).join(Material, Material.id == Rotation.material_id).join(
        Qualification, Qualification.enterprise_id == Rotation.enterprise_id).where(
        Rotation.status.in_([RotationStatus.submitted.value, RotationStatus.approved.value]), _barred())


def _instructions() -> Select:
    return select(
        (literal("enterprise_sanctioned:") + cast(Instruction.id, String)).label("dedup_key"),
        _severity().label("severity"), literal("instruction").label("subject_type"), Instruction.id.label("subject_id"),
        Instruction.enterprise_id.label("enterprise_id"), Instruction.material_id.label("material_id"),
        Material.bureau_id.label("bureau_id"), Material.category.label("category"),
        payload(code=Instruction.code, kind=Instruction.kind, qualification=Qualification.state).label("payload"),
    ).join(Material, Material.id == Instruction.material_id).join(
        Qualification, Qualification.enterprise_id == Instruction.enterprise_id).where(
        Instruction.status.in_([str(s) for s in InstructionStatus.open()]), _barred())


def enterprise_sanctioned(session: Session, as_of: date) -> Select:
    return union_all(_instructions(), _rotations())


register(Scan("enterprise_sanctioned", _l("Open work of a sanctioned enterprise"), enterprise_sanctioned,
              group="inspections"))
