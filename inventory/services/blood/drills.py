"""Emergency-donation drills (blood-supply plan §六(七)2: 每年至少开展1次应急献血演练; docs/blood.md, "Drills").

A drill is recorded with its day, the number of participants and notes; the compliance rule (one drill in each
calendar year, services/blood/donor_compliance.py) counts them. Drills hold no personal data.
"""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlmodel import Session, select

from inventory import scope
from inventory.core.clock import business_today
from inventory.core.errors import Invalid, Text
from inventory.models import DonationDrill, User
from inventory.services import paging
from inventory.services.audit import trail
from inventory.services.blood.donors import FIRST_DAY

PARTICIPANTS_MAX, NOTES_MAX = 1_000_000, 2000


def record_drill(*, session: Session, actor: User, held_on: date, participants: int, notes: str = "",
                 today: date | None = None) -> DonationDrill:
    scope.require(actor, "manage", "blood_preparedness")
    today = today or business_today()
    problems: dict[str, list[Text]] = {}
    if not FIRST_DAY <= held_on <= today:
        problems["held_on"] = [_l("a day from %(first)s to today", first=FIRST_DAY.isoformat())]
    if isinstance(participants, bool) or not 0 <= participants <= PARTICIPANTS_MAX:
        problems["participants"] = [_l("a whole number from 0 to %(max)s", max=PARTICIPANTS_MAX)]
    notes = notes.strip()
    if len(notes) > NOTES_MAX:
        problems["notes"] = [_l("at most %(max)s characters", max=NOTES_MAX)]
    if problems:
        raise Invalid(_l("the drill was not recorded"), fields=problems)
    drill = DonationDrill(held_on=held_on, participants=participants, notes=notes, recorded_by=actor.id)
    session.add(drill)
    session.flush()
    trail.record(session, actor=actor, action="blood_donation_drill.record", entity="blood_donation_drill",
                 entity_id=drill.id, org_id=actor.org_id,
                 after={"held_on": held_on.isoformat(), "participants": participants})
    return drill


def drills(*, session: Session, actor: User) -> list[DonationDrill]:
    """Every drill this reader may see, the latest first."""
    scope.require(actor, "view", "blood")
    return list(session.exec(scope.blood.drills_query(session, actor)
                             .order_by(DonationDrill.held_on.desc(), DonationDrill.id.desc())))


def drills_page(*, session: Session, actor: User, limit: int = 50,
                cursor: str | None = None) -> tuple[list[DonationDrill], str | None]:
    """A page of the drills, oldest first."""
    scope.require(actor, "view", "blood")
    return paging.page(session, scope.blood.drills_query(session, actor), [DonationDrill.id], limit=limit,
                       cursor=cursor)


def held_in(session: Session, year: int) -> int:
    return session.exec(select(func.count()).select_from(DonationDrill).where(
        DonationDrill.held_on >= date(year, 1, 1), DonationDrill.held_on <= date(year, 12, 31))).one()
