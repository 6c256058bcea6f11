"""Termination and review of an emergency (blood-supply plan §五, docs/blood.md "Termination and review").

When stock has been normal — no ABO group and not the total low, and red-cell collections at least the issues — on
``BLOOD_NORMAL_DAYS`` consecutive reported days, the system proposes ending the response. The health commission
records the expert group's assessment (§五(一): 咨询专家组评估), then the termination decided by the authority of the
level (I: the province; II: the city government or its command; III and IV: the health commission), which ends the
level (``ended_at``: no longer in force, its clocks stop). The emergency is closed only once the post-event review
(§五(二): 善后评估) is recorded. Each step is decided once, by a conditional update.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from inventory import scope
from inventory.core import settings
from inventory.core.clock import utcnow
from inventory.core.errors import Conflict, Invalid
from inventory.core.vocab import BloodGroup, EmergencyStatus, TerminationAuthority
from inventory.models import BloodClosure, BloodEmergency, User
from inventory.services.audit import trail
from inventory.services.blood import supply


def normal_days(session: Session, station_id: int, as_of: date) -> int:
    """Consecutive reported days, ending on the latest reported day on or before ``as_of``, on which no group nor
    the total was low and collections covered issues; a day without a report ends the count."""
    window = settings.blood_supply_window_days()
    start = as_of - timedelta(days=supply.LOOKBACK_DAYS + window)
    history = supply.History(session, station_id, start, as_of, window)
    if not history.reported:
        return 0
    count, day = 0, history.reported[-1]
    targets = (*BloodGroup.values(), supply.TOTAL)
    while day > as_of - timedelta(days=supply.LOOKBACK_DAYS) and day in history.reported and not history.deficit(
            day) and not any(history.low(day, target) for target in targets):
        count += 1
        day -= timedelta(days=1)
    return count


@dataclass(frozen=True)
class Outlook:
    closure: BloodClosure | None
    normal_days: int
    needed: int
    authority: TerminationAuthority

    @property
    def proposed(self) -> bool:
        """The system proposes ending the response: stock normal long enough, not yet terminated."""
        return self.normal_days >= self.needed and (self.closure is None or self.closure.terminated_at is None)

    @property
    def closed(self) -> bool:
        return self.closure is not None and self.closure.reviewed_at is not None


def closure_of(session: Session, emergency_id: int) -> BloodClosure | None:
    return session.exec(select(BloodClosure).where(BloodClosure.emergency_id == emergency_id)).first()


def outlook(session: Session, emergency: BloodEmergency, as_of: date) -> Outlook:
    return Outlook(closure_of(session, emergency.id), normal_days(session, emergency.station_id, as_of),
                   settings.blood_normal_days(), TerminationAuthority.of_level(emergency.level))


def _in_force(session: Session, actor: User, emergency_id: int) -> BloodEmergency:
    scope.require(actor, "confirm", "blood_level")
    row = scope.blood.visible_emergency(session, actor, emergency_id)
    if row.status != EmergencyStatus.confirmed or row.ended_at is not None:
        raise Conflict(_l("only a confirmed level in force is terminated"), code="illegal_transition")
    return row


def _text(value: str, field: str, limit: int) -> str:
    value = value.strip()
    if not value:
        raise Invalid.field(field, _l("required"))
    if len(value) > limit:
        raise Invalid.field(field, _l("at most %(count)s characters", count=limit))
    return value


def assess(*, session: Session, actor: User, emergency_id: int, assessment: str) -> BloodClosure:
    """Record the expert group's assessment of ending the response (a health officer), once."""
    row = _in_force(session, actor, emergency_id)
    text = _text(assessment, "assessment", 2000)
    closure = BloodClosure(emergency_id=row.id, assessment=text, assessed_by=actor.id)
    try:
        with session.begin_nested():
            session.add(closure)
            session.flush()
    except IntegrityError:
        raise Conflict(_l("the assessment is already recorded"), code="already_done") from None
    trail.record(session, actor=actor, action="blood_emergency.assess", entity="blood_emergency", entity_id=row.id,
                 org_id=actor.org_id, after={"assessment": text})
    return closure


def terminate(*, session: Session, actor: User, emergency_id: int, authority: str,
              document: str = "") -> BloodClosure:
    """Record the termination decided by the level's authority (§五(一)); the level stops being in force now."""
    row = _in_force(session, actor, emergency_id)
    closure = closure_of(session, row.id)
    expected = TerminationAuthority.of_level(row.level)
    if closure is None:
        raise Invalid.field("assessment", _l("record the expert group's assessment first"))
    if authority != expected:
        raise Invalid.field("authority", _l("the termination of this level is decided by: %(who)s",
                                            who=expected.label))
    document = document.strip()
    if len(document) > 255:
        raise Invalid.field("document", _l("at most 255 characters"))
    now = utcnow()
    ended = session.execute(update(BloodEmergency).where(
        BloodEmergency.id == row.id, BloodEmergency.ended_at.is_(None)).values(ended_at=now))
    if ended.rowcount != 1:
        raise Conflict(_l("only a confirmed level in force is terminated"), code="illegal_transition")
    session.execute(update(BloodClosure).where(BloodClosure.id == closure.id).values(
        authority=expected.value, decision_document=document, terminated_by=actor.id, terminated_at=now))
    session.refresh(closure)
    trail.record(session, actor=actor, action="blood_emergency.terminate", entity="blood_emergency",
                 entity_id=row.id, org_id=actor.org_id, after={"authority": expected.value, "document": document})
    return closure


def review(*, session: Session, actor: User, emergency_id: int, text: str) -> BloodClosure:
    """Record the post-event review (§五(二)) of a terminated emergency, once: the emergency is then closed."""
    scope.require(actor, "confirm", "blood_level")
    row = scope.blood.visible_emergency(session, actor, emergency_id)
    closure = closure_of(session, row.id)
    body = _text(text, "review", 4000)
    if closure is None or closure.terminated_at is None:
        raise Conflict(_l("the review follows the termination"), code="illegal_transition")
    done = session.execute(update(BloodClosure).where(
        BloodClosure.id == closure.id, BloodClosure.reviewed_at.is_(None)).values(
        review=body, reviewed_by=actor.id, reviewed_at=utcnow()))
    if done.rowcount != 1:
        raise Conflict(_l("the review is already recorded"), code="already_done")
    session.refresh(closure)
    trail.record(session, actor=actor, action="blood_emergency.review", entity="blood_emergency", entity_id=row.id,
                 org_id=actor.org_id, after={"review": body})
    return closure
