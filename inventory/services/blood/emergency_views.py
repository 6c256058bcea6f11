"""What the emergency pages read: the levels the user may see, and one level with its reporting clocks, the reports
recorded against them, its response checklist, its temporary blood-handling units and the station's other levels
(an escalation from IV to III is a level of its own, so both stay in the history)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from inventory import scope
from inventory.models import BloodEmergency, BloodHandlingUnit, BloodNotice, Organisation, User
from inventory.services.blood import clocks, responses, termination
from inventory.services.stock.names import user_names

LIST_LIMIT = 200


def emergencies(*, session: Session, user: User) -> list[BloodEmergency]:
    """The levels the user may see, newest first."""
    scope.require(user, "view", "blood")
    return list(session.exec(scope.blood.emergencies_query(session, user)
                             .order_by(BloodEmergency.id.desc()).limit(LIST_LIMIT)))


@dataclass(frozen=True)
class ClockState:
    clock: clocks.Clock
    overdue: bool


@dataclass(frozen=True)
class EmergencyView:
    emergency: BloodEmergency
    station: Organisation
    clocks: list[ClockState]
    notices: list[BloodNotice]
    checklist: list[responses.ChecklistItem]
    units: list[BloodHandlingUnit]
    #: the station's other levels, oldest first
    history: list[BloodEmergency]
    ending: termination.Outlook
    people: dict[int, str]


def emergency_view(*, session: Session, user: User, emergency_id: int, now: datetime,
                   today: date) -> EmergencyView:
    scope.require(user, "view", "blood")
    row = scope.blood.visible_emergency(session, user, emergency_id)
    notices = clocks.notices_of(session, row.id)
    checklist = responses.checklist(session, row)
    units = responses.units_of(session, row.id)
    history = list(session.exec(scope.blood.emergencies_query(session, user).where(
        BloodEmergency.station_id == row.station_id, BloodEmergency.id != row.id).order_by(BloodEmergency.id)))
    ending = termination.outlook(session, row, today)
    closure = ending.closure
    people = user_names(session, [row.declared_by, row.confirmed_by, *(n.recorded_by for n in notices),
                                  *(i.done.done_by for i in checklist if i.done), *(u.recorded_by for u in units),
                                  *((closure.assessed_by, closure.terminated_by, closure.reviewed_by)
                                    if closure else ())])
    return EmergencyView(row, session.get(Organisation, row.station_id),
                         [ClockState(c, c.overdue(now)) for c in clocks.clocks(session, row)], notices, checklist,
                         units, history, ending, people)
