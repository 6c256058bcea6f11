"""Quality holds from excursions (docs/coldchain.md, holds): an excursion, once found, puts the available lots
with stock in its facility whose material is of the violated storage class on ``quality_hold`` — once per
excursion, in one conditional UPDATE, and, while the excursion is ongoing, every lot that arrives there or becomes
available (never one this excursion held before), each lot with a ``lot.hold`` audit event (no actor: the system) and an
``excursion_hold`` row, so the lot page names the excursion and, once released, the result (``lot_hold``).

The hold is placed in the name of the bureau responsible for the material (``held_by_org_id``), so under the
hold rules of services/stock/lots.py ``set_hold`` the enterprise cannot lift it; the bureau's inspector
releases it there with the result. Held lots cannot be issued, transferred or dispatched (the ledger refuses).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlmodel import Session

from inventory import scope
from inventory.core.clock import utcnow
from inventory.core.vocab import LotStatus
from inventory.models import AuditEvent, Excursion, ExcursionHold, Facility, Lot, Material, User
from inventory.services.audit import trail


def hold_for_excursions(session: Session) -> int:
    """The scan's part: hold the lots of every excursion not yet acted on, and of every one still ongoing (a lot
    that became available there since, e.g. an inspection hold lifted); returns how many lots were held."""
    pending = session.execute(select(Excursion.id, Excursion.facility_id, Excursion.storage_class,
                                     Excursion.rule_code)
                              .where(or_(Excursion.held_at.is_(None), Excursion.ongoing.is_(True)))
                              .order_by(Excursion.id)).all()
    return sum(_hold(session, *row) for row in pending)


def hold_arrivals(session: Session, lot_ids: list[int]) -> int:
    """Every way a lot enters a facility (receipt, import, transfer in, rotation in, recovery) calls this in its
    own transaction: a lot arriving while an excursion of its material's class is ongoing there is held at once,
    by the same rule as the scan's (``_hold``)."""
    if not lot_ids:
        return 0
    lots = Lot.__table__
    ongoing = session.execute(
        select(Excursion.id, Excursion.facility_id, Excursion.storage_class, Excursion.rule_code).distinct()
        .join(lots, lots.c.facility_id == Excursion.facility_id)
        .join(Material, and_(Material.id == lots.c.material_id, Material.storage_class == Excursion.storage_class))
        .where(lots.c.id.in_(lot_ids), Excursion.ongoing.is_(True), Excursion.held_at.is_not(None))
        .order_by(Excursion.id)).all()
    return sum(_hold(session, *row, lot_ids=lot_ids) for row in ongoing)


def _hold(session: Session, excursion_id: int, facility_id: int, storage_class: str, rule_code: str, *,
          lot_ids: list[int] | None = None) -> int:
    """The one rule: the available lots with stock in the excursion's facility whose material is of the violated
    class go on ``quality_hold`` in the name of the material's bureau, by one conditional UPDATE — but never a lot
    this excursion held before (one an inspector released from it stays released); returns how many."""
    now, lots = utcnow(), Lot.__table__
    bureau = select(Material.bureau_id).where(Material.id == lots.c.material_id).scalar_subquery()
    of_class = select(Material.id).where(Material.storage_class == storage_class)
    held_before = select(ExcursionHold.lot_id).where(ExcursionHold.excursion_id == excursion_id)
    where = [lots.c.facility_id == facility_id, lots.c.status == LotStatus.available, lots.c.on_hand > 0,
             lots.c.material_id.in_(of_class), lots.c.id.not_in(held_before)]
    if lot_ids is not None:
        where.append(lots.c.id.in_(lot_ids))
    changed = session.connection().execute(
        lots.update().where(*where).values(status=LotStatus.quality_hold.value, held_by_org_id=bureau)
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
        for lot_id, _, _ in changed:       # a lot loaded in the session reads its new status
            loaded = session.identity_map.get(session.identity_key(Lot, lot_id))
            if loaded is not None:
                session.expire(loaded, ["status", "held_by_org_id"])
    excursions = Excursion.__table__
    acted = excursions.update().where(excursions.c.id == excursion_id)
    if not changed:
        acted = acted.where(excursions.c.held_at.is_(None))
    session.execute(acted.values(held_at=func.coalesce(excursions.c.held_at, now),
                                 held_lots=excursions.c.held_lots + len(changed)))
    return len(changed)


def current_excursion_hold(session: Session, lot_id: int) -> LotHold | None:
    """The excursion hold the lot is under now (placed and not lifted since), else None: lifting it is an
    inspector's act (``set_hold``)."""
    found = lot_hold(session, lot_id)
    return found if found is not None and found.released_at is None else None


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
