"""Reporting clocks (blood-supply emergency plan §三(三)2, docs/blood.md "Reporting clocks").

From the moment the health commission receives the station's report of an event — the level's proposal for a
computed level (the station's report that met the rule), its declaration for a declared one — it reports to the
city party committee and government and, at the same time, to the provincial health department:

- Level III (较大): to each, within **1.5 hours** (一个半小时内);
- Levels II and I (重大、特别重大): to each, **by phone within 20 minutes and in writing within 35 minutes**.

Level IV sets no clock. Each report is recorded (who, to whom, when, how); a clock is met by the first report to
its recipient by its channel (any channel for Level III), on time or late. An unmet clock past its deadline is
``report_overdue`` (critical, so it escalates).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from inventory import scope
from inventory.core.clock import utcnow
from inventory.core.errors import Invalid, Text
from inventory.core.vocab import EmergencyLevel, NoticeChannel, NoticeRecipient
from inventory.models import BloodEmergency, BloodNotice, User
from inventory.services.audit import trail

#: level -> (channel or None for any, time allowed) per recipient
LIMITS: dict[EmergencyLevel, tuple[tuple[NoticeChannel | None, timedelta], ...]] = {
    EmergencyLevel.III: ((None, timedelta(hours=1, minutes=30)),),
    EmergencyLevel.II: ((NoticeChannel.phone, timedelta(minutes=20)), (NoticeChannel.written, timedelta(minutes=35))),
    EmergencyLevel.I: ((NoticeChannel.phone, timedelta(minutes=20)), (NoticeChannel.written, timedelta(minutes=35))),
}


@dataclass(frozen=True)
class Clock:
    recipient: NoticeRecipient
    #: the channel the report must take; None: any
    channel: NoticeChannel | None
    started_at: datetime
    due_at: datetime
    #: the report that met it, if any
    notice: BloodNotice | None

    @property
    def met_at(self) -> datetime | None:
        return self.notice.reported_at if self.notice else None

    def overdue(self, now: datetime) -> bool:
        """Not met and past due, or met after the deadline."""
        return (self.met_at or now) > self.due_at

    @property
    def key(self) -> str:
        return f"{self.recipient}:{self.channel or 'any'}"


def notices_of(session: Session, emergency_id: int) -> list[BloodNotice]:
    return list(session.exec(select(BloodNotice).where(BloodNotice.emergency_id == emergency_id)
                             .order_by(BloodNotice.reported_at, BloodNotice.id)))


def clocks(session: Session, emergency: BloodEmergency) -> list[Clock]:
    """The clocks of one level, each with the report that met it (the earliest that qualifies)."""
    limits = LIMITS.get(EmergencyLevel(emergency.level), ())
    notices = notices_of(session, emergency.id) if limits else []
    found = []
    for recipient in NoticeRecipient:
        for channel, allowed in limits:
            meeting = next((n for n in notices if n.recipient == recipient
                            and (channel is None or n.channel == channel)), None)
            found.append(Clock(recipient, channel, emergency.proposed_at, emergency.proposed_at + allowed, meeting))
    return found


def record_notice(*, session: Session, actor: User, emergency_id: int, recipient: str, channel: str,
                  reported_at: datetime | None = None, note: str = "", now: datetime | None = None) -> BloodNotice:
    """Record a report of the level to the city or the province (a health-commission officer): when it was made
    (default now; not in the future, not before the commission received the event) and how."""
    scope.require(actor, "confirm", "blood_level")
    emergency = scope.blood.visible_emergency(session, actor, emergency_id)
    now = now or utcnow()
    reported_at = reported_at or now
    problems: dict[str, list[Text]] = {}
    if recipient not in NoticeRecipient.values():
        problems["recipient"] = [_l("one of %(values)s", values=", ".join(NoticeRecipient.values()))]
    if channel not in NoticeChannel.values():
        problems["channel"] = [_l("one of %(values)s", values=", ".join(NoticeChannel.values()))]
    if reported_at.tzinfo is None:
        problems["reported_at"] = [_l("give the time with its offset")]
    elif reported_at > now + timedelta(minutes=1):
        problems["reported_at"] = [_l("a report cannot be made in the future")]
    elif reported_at < emergency.proposed_at:
        problems["reported_at"] = [_l("before the commission received the event")]
    if len(note) > 500:
        problems["note"] = [_l("at most 500 characters")]
    if problems:
        raise Invalid(_l("the report was not recorded"), fields=problems)
    # stored in UTC: SQLite keeps no offset, so a Beijing time would read back as UTC eight hours late
    reported_at = reported_at.astimezone(timezone.utc)
    notice = BloodNotice(emergency_id=emergency.id, recipient=recipient, channel=channel, reported_at=reported_at,
                         note=note.strip(), recorded_by=actor.id)
    session.add(notice)
    session.flush()
    trail.record(session, actor=actor, action="blood_emergency.notice", entity="blood_emergency",
                 entity_id=emergency.id, org_id=actor.org_id,
                 after={"recipient": recipient, "channel": channel, "reported_at": reported_at.isoformat(),
                        "note": notice.note})
    return notice
