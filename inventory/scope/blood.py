"""Tenancy of the blood reserves (docs/blood.md, "Who sees and does what").

Only a blood station's officer files and corrects its daily reports; only health-commission officers confirm a
computed level or declare Levels II and I; administrators manage the working-day calendar. The reports, the
status and the levels hold no personal data and are read by the station (its own), the health commission and
the city-wide roles (administrators, coordinators, the government, and read-only viewers of those), who take
part in publishing a warning. Storage enterprises, reserve bureaus and inspectors see nothing of it: a report or
a level they ask for is a 404, as for one that does not exist. The emergency donor register holds personal data:
only the blood station's officer and health officers reach it, and it is a 404 to everyone else.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, false, true
from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

from inventory.core.errors import Forbidden, NotFound
from inventory.core.vocab import OrgKind, Role
from inventory.models import (
    BloodDonor, BloodEmergency, BloodReport, CollectionPoint, DonationDrill, DonorFiling, Organisation, User,
)
from inventory.scope.rules import ALL_ROLES, CITY_WIDE_ROLES, declare_audited, org_kind, sees_whole_city

READERS = CITY_WIDE_ROLES | {Role.blood_officer, Role.health_officer, Role.viewer}
#: who keeps the emergency donor register, its collection points and drills, and alone reads donors
DONOR_KEEPERS = frozenset({Role.blood_officer, Role.health_officer})

PERMISSIONS: dict[tuple[str, str], frozenset[str]] = {
    ("blood", "view"): frozenset(READERS),
    ("blood_report", "file"): frozenset({Role.blood_officer}),
    ("blood_level", "confirm"): frozenset({Role.health_officer}),
    ("blood_level", "declare"): frozenset({Role.health_officer}),
    #: the response checklist (§四): the health commission, and the station for its own measures
    ("blood_response", "record"): frozenset({Role.health_officer, Role.blood_officer}),
    ("calendar", "view"): ALL_ROLES,
    ("calendar", "manage"): frozenset({Role.admin}),
    # the donor register holds personal data: only the blood station and health officers (docs/blood.md)
    ("blood_donor", "view"): DONOR_KEEPERS,
    ("blood_donor", "manage"): DONOR_KEEPERS,
    ("blood_preparedness", "manage"): DONOR_KEEPERS,
}


def blood_reach(session: Session, user: User) -> str:
    """'all' (the health commission and the city-wide readers), 'station' (a blood station: its own) or 'none'."""
    if user.role not in READERS:
        return "none"
    if org_kind(session, user) == OrgKind.blood_station:
        return "station" if user.role == Role.blood_officer else "none"
    if user.role == Role.health_officer or sees_whole_city(session, user):
        return "all"
    return "none"


def _station_filter(session: Session, user: User, column) -> ColumnElement[bool]:
    reach = blood_reach(session, user)
    if reach == "all":
        return true()
    if reach == "station":
        return column == user.org_id
    return false()


def stations_query(session: Session, user: User) -> SelectOfScalar[Organisation]:
    """The blood stations this user may read the reports and status of."""
    return select(Organisation).where(Organisation.kind == OrgKind.blood_station,
                                      _station_filter(session, user, Organisation.id))


def visible_station(session: Session, user: User, code: str | None = None) -> Organisation:
    """The station named by ``code``, else the user's own, else the city's first active one; 404 when the user
    may not read it or there is none."""
    query = stations_query(session, user)
    if code:
        query = query.where(Organisation.code == code)
    elif blood_reach(session, user) == "station":
        query = query.where(Organisation.id == user.org_id)
    else:
        query = query.where(Organisation.active.is_(True))
    station = session.exec(query.order_by(Organisation.id)).first()
    if station is None:
        raise NotFound(_l("blood station not found"))
    return station


def reports_query(session: Session, user: User) -> SelectOfScalar[BloodReport]:
    return select(BloodReport).where(_station_filter(session, user, BloodReport.station_id))


def emergencies_query(session: Session, user: User) -> SelectOfScalar[BloodEmergency]:
    return select(BloodEmergency).where(_station_filter(session, user, BloodEmergency.station_id))


def visible_emergency(session: Session, user: User, emergency_id: int) -> BloodEmergency:
    """The level if this user may see it; 404 otherwise, exactly as for one that does not exist."""
    row = session.exec(emergencies_query(session, user).where(BloodEmergency.id == emergency_id)).first()
    if row is None:
        raise NotFound(_l("blood emergency not found"))
    return row


def require_station(session: Session, user: User) -> Organisation:
    """The blood station a report is filed for: the officer's own organisation, which must be a blood station."""
    org = session.get(Organisation, user.org_id)
    if user.role != Role.blood_officer or org is None or org.kind != OrgKind.blood_station or not org.active:
        raise Forbidden(_l("only a blood station's officer files blood reports"))
    return org


def may_see_donors(session: Session, user: User) -> bool:
    """The blood station's officer and health officers; everyone else learns nothing of the donor register."""
    return user.role in DONOR_KEEPERS and blood_reach(session, user) != "none"


def require_donor_keeper(session: Session, user: User) -> None:
    """404 for anyone else, exactly as for a register that does not exist (personal data, §六(一))."""
    if not may_see_donors(session, user):
        raise NotFound(_l("donor not found"))


def _keepers_only(session: Session, user: User) -> ColumnElement[bool]:
    return true() if may_see_donors(session, user) else false()


def _blood_readers(session: Session, user: User) -> ColumnElement[bool]:
    return true() if blood_reach(session, user) != "none" else false()


def donors_query(session: Session, user: User) -> SelectOfScalar[BloodDonor]:
    """The donors this user may read: the whole register for its keepers, nothing for anyone else."""
    return select(BloodDonor).where(_keepers_only(session, user))


def filings_query(session: Session, user: User) -> SelectOfScalar[DonorFiling]:
    """The register's yearly filings (§六(一) 备案): kept with the register, so read by its keepers only."""
    return select(DonorFiling).where(_keepers_only(session, user))


def collection_points_query(session: Session, user: User) -> SelectOfScalar[CollectionPoint]:
    """The city's collection points (§六(二)): no personal data, read by every reader of the blood pages."""
    return select(CollectionPoint).where(_blood_readers(session, user))


def drills_query(session: Session, user: User) -> SelectOfScalar[DonationDrill]:
    """The city's donation drills (§六(七)2): no personal data, read by every reader of the blood pages."""
    return select(DonationDrill).where(_blood_readers(session, user))


declare_audited({
    "blood_donor": lambda session, user: donors_query(session, user).with_only_columns(BloodDonor.id),
    "blood_report": lambda session, user: reports_query(session, user).with_only_columns(BloodReport.id),
    "blood_emergency": lambda session, user: emergencies_query(session, user).with_only_columns(BloodEmergency.id),
})
