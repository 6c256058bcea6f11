"""Emergency levels (docs/blood.md, "Levels"): the computed level is a proposal the health commission confirms,
after which the warning is published (blood-supply plan §三(二)); Levels II and I are declared by a health-commission
officer with the reason and the designating document. Both moments — proposed and confirmed — are stored."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlmodel import Session, select

from inventory import scope
from inventory.core.clock import business_today, utcnow
from inventory.core.errors import Conflict, Invalid, Text
from inventory.core.vocab import EmergencyLevel, EmergencyOrigin, EmergencyStatus
from inventory.models import BloodEmergency, User
from inventory.services.audit import trail
from inventory.services.blood import supply


def _open(session: Session, station_id: int) -> list[BloodEmergency]:
    """Levels proposed or confirmed and not terminated."""
    return list(session.exec(select(BloodEmergency).where(BloodEmergency.station_id == station_id,
                                                          BloodEmergency.ended_at.is_(None))))


def _snapshot(row: BloodEmergency) -> dict:
    return {"level": row.level, "origin": row.origin, "status": row.status, "basis_date": row.basis_date.isoformat(),
            "rule": row.rule, "reason": row.reason, "document": row.document, "confirm_note": row.confirm_note}


def propose(*, session: Session, station_id: int, as_of: date) -> BloodEmergency | None:
    """Record the computed level of ``as_of`` as a proposal when no level as high is in force (confirmed, not
    terminated) or proposed during the current streak: the moment the rule is first seen met. An unconfirmed
    proposal of an earlier streak does not stop a new one. Called after each report and by the scan; an escalation
    (IV to III) is a new proposal beside the first, so the history stays."""
    found = supply.status(session=session, station_id=station_id, as_of=as_of)
    level = found.computed_level
    if level is None or any(EmergencyLevel(row.level).rank >= level.rank and (
            row.status == EmergencyStatus.confirmed or row.basis_date >= found.computed_since)
            for row in _open(session, station_id)):
        return None
    row = BloodEmergency(station_id=station_id, level=level, origin=EmergencyOrigin.computed,
                         status=EmergencyStatus.proposed, basis_date=found.based_on or as_of, rule=found.computed_rule)
    session.add(row)
    session.flush()
    trail.record(session, actor=None, action="blood_emergency.propose", entity="blood_emergency", entity_id=row.id,
                 org_id=station_id, after=_snapshot(row))
    return row


def confirm(*, session: Session, actor: User, emergency_id: int, note: str = "") -> BloodEmergency:
    """The health commission confirms a proposed level: the warning is published from this moment. Decided once
    (a conditional update; a second confirmation is a 409)."""
    scope.require(actor, "confirm", "blood_level")
    row = scope.blood.visible_emergency(session, actor, emergency_id)
    if len(note) > 500:
        raise Invalid.field("note", _l("at most 500 characters"))
    done = session.execute(update(BloodEmergency).where(
        BloodEmergency.id == row.id, BloodEmergency.status == EmergencyStatus.proposed,
        BloodEmergency.ended_at.is_(None)).values(
        status=EmergencyStatus.confirmed.value, confirmed_by=actor.id, confirmed_at=utcnow(),
        confirm_note=note.strip()))
    if done.rowcount != 1:
        raise Conflict(_l("this level is not awaiting confirmation"), code="illegal_transition")
    before = _snapshot(row)
    session.refresh(row)
    trail.record(session, actor=actor, action="blood_emergency.confirm", entity="blood_emergency", entity_id=row.id,
                 org_id=actor.org_id, before=before, after=_snapshot(row))
    return row


def declare(*, session: Session, actor: User, level: str, reason: str, document: str = "",
            station_code: str | None = None) -> BloodEmergency:
    """A health-commission officer declares Level II (facilities destroyed and not restorable within a week, or
    designated by the province) or Level I (designated by the State Council's health department), with the reason
    and the designating document; it is confirmed, and published, at once."""
    scope.require(actor, "declare", "blood_level")
    problems: dict[str, list[Text]] = {}
    if level not in {str(lv) for lv in EmergencyLevel.declared()}:
        problems["level"] = [_l("Levels II and I are declared; Levels IV and III are computed from the reports")]
    reason, document = reason.strip(), document.strip()
    if not reason:
        problems["reason"] = [_l("give the reason")]
    elif len(reason) > 2000:
        problems["reason"] = [_l("at most 2000 characters")]
    if len(document) > 255:
        problems["document"] = [_l("at most 255 characters")]
    if problems:
        raise Invalid(_l("the level was not declared"), fields=problems)
    station = scope.blood.visible_station(session, actor, station_code)
    if any(row.level == level and row.status == EmergencyStatus.confirmed for row in _open(session, station.id)):
        raise Conflict(_l("this level is already in force"), code="already_declared")
    now = utcnow()
    row = BloodEmergency(station_id=station.id, level=level, origin=EmergencyOrigin.declared,
                         status=EmergencyStatus.confirmed, basis_date=business_today(), reason=reason,
                         document=document, proposed_at=now, declared_by=actor.id, confirmed_by=actor.id,
                         confirmed_at=now)
    session.add(row)
    session.flush()
    trail.record(session, actor=actor, action="blood_emergency.declare", entity="blood_emergency", entity_id=row.id,
                 org_id=actor.org_id, after=_snapshot(row))
    return row
