"""Quality holds from excursions (docs/coldchain.md, holds): an excursion, once found, puts the available lots
with stock in its facility whose material is of the violated storage class on ``quality_hold`` — once per
excursion, in one conditional UPDATE, each lot with a ``lot.hold`` audit event (no actor: the system) and an
``excursion_hold`` row, so the lot page names the excursion and, once released, the result (``lot_hold``).

The hold is placed in the name of the bureau responsible for the material (``held_by_org_id``), so under the
hold rules of services/stock/lots.py ``set_hold`` the enterprise cannot lift it; the bureau's inspector
releases it there with the result. Held lots cannot be issued, transferred or dispatched (the ledger refuses).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from inventory import scope
from inventory.core.clock import utcnow
from inventory.core.vocab import LotStatus
from inventory.models import AuditEvent, Excursion, ExcursionHold, Facility, Lot, Material, User
from inventory.services.audit import trail


def hold_for_excursions(session: Session) -> int:
    """Hold the lots of every excursion not yet acted on; returns how many lots were held."""
    now, lots, total = utcnow(), Lot.__table__, 0
    pending = session.execute(select(Excursion.id, Excursion.facility_id, Excursion.storage_class,
                                     Excursion.rule_code).where(Excursion.held_at.is_(None))).all()
    for excursion_id, facility_id, storage_class, rule_code in pending:
        bureau = select(Material.bureau_id).where(Material.id == lots.c.material_id).scalar_subquery()
        of_class = select(Material.id).where(Material.storage_class == storage_class)
        changed = session.connection().execute(
            lots.update().where(lots.c.facility_id == facility_id, lots.c.status == LotStatus.available,
                                lots.c.on_hand > 0, lots.c.material_id.in_(of_class))
            .values(status=LotStatus.quality_hold.value, held_by_org_id=bureau)
            .returning(lots.c.id, lots.c.enterprise_id, lots.c.held_by_org_id)).all()
        if changed:
            session.connection().execute(ExcursionHold.__table__.insert(), [
                dict(excursion_id=excursion_id, lot_id=lot_id, held_at=now) for lot_id, _, _ in changed])
            info = trail.current_request.get()
            session.connection().execute(AuditEvent.__table__.insert(), [dict(
                at=now, actor_id=None, org_id=enterprise_id, action="lot.hold", entity="lot", entity_id=str(lot_id),
                before={"status": LotStatus.available.value},
                after={"status": LotStatus.quality_hold.value, "held_by": held_by, "excursion": excursion_id,
                       "reason": f"temperature excursion {rule_code}"},
                request_id=info.request_id, ip=info.ip) for lot_id, enterprise_id, held_by in changed])
        session.execute(Excursion.__table__.update().where(Excursion.id == excursion_id,
                                                           Excursion.held_at.is_(None))
                        .values(held_at=now, held_lots=len(changed)))
        total += len(changed)
    return total



@dataclass(frozen=True)
class LotHold:
    """The excursion that last held a lot and, when the hold was lifted since, the release as audited."""

    excursion: Excursion
    facility_code: str
    released_at: datetime | None = None
    released_by: int | None = None
    result: str = ""


def lot_hold(session: Session, lot_id: int) -> LotHold | None:
    """For the lot page (whoever sees the lot sees this; the excursion page checks its own visibility)."""
    found = session.execute(select(Excursion, Facility.code)
                            .join(ExcursionHold, ExcursionHold.excursion_id == Excursion.id)
                            .join(Facility, Facility.id == Excursion.facility_id)
                            .where(ExcursionHold.lot_id == lot_id)
                            .order_by(ExcursionHold.held_at.desc(), Excursion.id.desc()).limit(1)).first()
    if found is None:
        return None
    excursion, code = found
    held_at = session.scalar(select(ExcursionHold.held_at).where(ExcursionHold.lot_id == lot_id,
                                                                 ExcursionHold.excursion_id == excursion.id))
    release = session.execute(select(AuditEvent.at, AuditEvent.actor_id, AuditEvent.after)
                              .where(AuditEvent.action == "lot.release", AuditEvent.entity == "lot",
                                     AuditEvent.entity_id == str(lot_id), AuditEvent.at >= held_at)
                              .order_by(AuditEvent.id).limit(1)).first()
    if release is None:
        return LotHold(excursion, code)
    return LotHold(excursion, code, release.at, release.actor_id, (release.after or {}).get("reason", ""))


def held_lots(session: Session, actor: User, excursion_id: int) -> list[tuple[Lot, Material]]:
    """The lots the excursion put on hold that the actor may see, with their materials."""
    held = select(ExcursionHold.lot_id).where(ExcursionHold.excursion_id == excursion_id)
    return [(lot, material) for lot, material in session.execute(
        scope.lots_query(session, actor).add_columns(Material).join(Material, Material.id == Lot.material_id)
        .where(Lot.id.in_(held)).order_by(Lot.id)).all()]
