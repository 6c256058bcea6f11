"""What a reader sees of a scrap or a rotation on its page: the row, its lots, evidence or executions, the
timeline with names, and only the actions the reader may take now (services/workflows/scraps.py, rotations.py)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from inventory.core.vocab import LotStatus, StockPolicy
from inventory.models import (
    Facility, Lot, Material, Organisation, Replenishment, Rotation, RotationMovement, Scrap, ScrapAttachment,
    ScrapLine, User,
)
from inventory.services.stock.names import user_names
from inventory.services.workflows import engine, rotations, scraps
from inventory.services.workflows.dispatch_views import StepView, rows_by_id


@dataclass(frozen=True)
class ScrapView:
    scrap: Scrap
    material: Material
    enterprise: Organisation
    lines: list[tuple[ScrapLine, Lot]]
    attachments: list[ScrapAttachment]
    replenishment: Replenishment | None
    steps: list[StepView]
    people: dict[int, str]
    actions: list[str]
    may_attach: bool


@dataclass(frozen=True)
class RotationView:
    rotation: Rotation
    material: Material
    enterprise: Organisation
    lots: list[Lot]
    executions: list[tuple[RotationMovement, Lot]]
    steps: list[StepView]
    people: dict[int, str]
    actions: list[str]
    may_execute: bool
    facilities: list[Facility]


def _steps(session: Session, flow, row_id: int, extra: list[int | None]) -> tuple[list[StepView], dict[int, str]]:
    steps = engine.timeline(session, flow=flow, row_id=row_id)
    people = user_names(session, [*extra, *(step.actor_id for step in steps)])
    orgs = rows_by_id(session, Organisation, (step.org_id for step in steps))
    return [StepView(step, people.get(step.actor_id, "—"), orgs.get(step.org_id)) for step in steps], people


def scrap_view(*, session: Session, actor: User, scrap_id: int) -> ScrapView:
    row = scraps.visible(session, actor, scrap_id)
    lines = list(session.exec(select(ScrapLine, Lot).join(Lot, Lot.id == ScrapLine.lot_id)
                              .where(ScrapLine.scrap_id == row.id).order_by(ScrapLine.id)))
    steps, people = _steps(session, scraps.SCRAP, row.id, [row.requested_by, row.approved_by, row.witnessed_by])
    return ScrapView(
        scrap=row, material=session.get(Material, row.material_id), enterprise=session.get(Organisation,
                                                                                          row.enterprise_id),
        lines=lines, attachments=scraps.attachments(session, row.id),
        replenishment=session.get(Replenishment, row.replenishment_id) if row.replenishment_id else None,
        steps=steps, people=people, actions=scraps.actions_for(session, actor, row),
        may_attach=scraps.may_attach(session, actor, row))


def rotation_view(*, session: Session, actor: User, rotation_id: int) -> RotationView:
    row = rotations.visible(session, actor, rotation_id)
    executions = list(session.exec(select(RotationMovement, Lot).join(Lot, Lot.id == RotationMovement.lot_id)
                                   .where(RotationMovement.rotation_id == row.id).order_by(RotationMovement.id)))
    steps, people = _steps(session, rotations.ROTATION, row.id, [row.requested_by, row.approved_by])
    executing = rotations.may_execute(session, actor, row)
    return RotationView(
        rotation=row, material=session.get(Material, row.material_id),
        enterprise=session.get(Organisation, row.enterprise_id), lots=rotations.rotation_lots(session, row.id),
        executions=executions, steps=steps, people=people, actions=rotations.actions_for(session, actor, row),
        may_execute=executing,
        facilities=list(session.exec(select(Facility).where(Facility.enterprise_id == row.enterprise_id)
                                     .order_by(Facility.code))) if executing else [])


def rotatable_lots(session: Session, actor: User) -> list[tuple[Lot, Material]]:
    """The caller's enterprise's available lots of rotation-policy materials, for the proposal form."""
    return list(session.exec(select(Lot, Material).join(Material, Material.id == Lot.material_id).where(
        Lot.enterprise_id == actor.org_id, Lot.on_hand > 0, Lot.status == LotStatus.available,
        Material.policy == StockPolicy.rotate).order_by(Material.code, Lot.expiry_date, Lot.id)))


def names(session: Session, rows: list) -> tuple[dict[int, Material], dict[int, Organisation]]:
    """Materials and enterprises of list rows, read in two queries."""
    return (rows_by_id(session, Material, (r.material_id for r in rows)),
            rows_by_id(session, Organisation, (r.enterprise_id for r in rows)))
