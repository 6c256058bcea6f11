"""Emergency dispatch (紧急调用, reserve-materials-measures §四(一)): who may dispatch at once, and the filing due after.

"在抢险救灾等紧急情况下，市抗灾救灾指挥部门、市人民政府授权部门可以紧急调用市级重要储备物资，并在相关工作结束后二十日内
向市人民政府备案": a department holding a recorded authorisation executes without the co-signatures and the
government's approval, records when the work ended, and files the plan with the government within 20 days.

The 20 days are calendar days counted from the day after the work ended (docs/domain-rules.md, dispatch):
ended 2027-02-15 → due 2027-03-07; 2028-02-15 → 2028-03-06 (leap year); 2026-12-20 → 2027-01-09.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlmodel import Session, select

from inventory import scope
from inventory.core.clock import business_today, utcnow
from inventory.core.errors import Conflict, Invalid, NotFound
from inventory.core.vocab import OrgKind
from inventory.models import EmergencyAuthorisation, Organisation, User
from inventory.services.audit import trail

#: calendar days after the work ended within which the emergency dispatch is filed (§四(一))
FILING_DAYS = 20
#: the longest an authorisation runs: a standing authorisation is renewed yearly
LONGEST_DAYS = 366 * 5


def filing_due(work_ended_on: date) -> date:
    """The last day the filing is on time: day 1 is the day after the work ended, day 20 the due day."""
    return work_ended_on + timedelta(days=FILING_DAYS)


def authorisation_of(session: Session, org_id: int, day: date | None = None) -> EmergencyAuthorisation | None:
    """The organisation's authorisation in force on ``day`` (today), if any; the latest-ending one wins."""
    day = day or business_today()
    return session.exec(select(EmergencyAuthorisation).where(
        EmergencyAuthorisation.org_id == org_id, EmergencyAuthorisation.revoked_at.is_(None),
        EmergencyAuthorisation.valid_from <= day, EmergencyAuthorisation.valid_until >= day,
    ).order_by(EmergencyAuthorisation.valid_until.desc(), EmergencyAuthorisation.id.desc())).first()


def record_authorisation(*, session: Session, actor: User, org: str, reference: str, valid_from: date | None,
                         valid_until: date | None, note: str = "") -> EmergencyAuthorisation:
    """An administrator records the government's authorisation of a department (its document and period)."""
    scope.require(actor, "record", "emergency_authorisation")
    problems: dict[str, list] = {}
    organisation = session.exec(select(Organisation).where(Organisation.code == org.strip())).first()
    if organisation is None:
        problems["org"] = [_l("unknown organisation %(code)s", code=org)]
    elif organisation.kind not in (OrgKind.bureau, OrgKind.coordinator, OrgKind.government):
        problems["org"] = [_l("only a government department can be authorised to dispatch in an emergency")]
    if not reference.strip():
        problems["reference"] = [_l("the authorising document's reference is required")]
    elif len(reference.strip()) > 100:
        problems["reference"] = [_l("at most %(count)s characters", count=100)]
    if len(note.strip()) > 500:
        problems["note"] = [_l("at most %(count)s characters", count=500)]
    if valid_from is None:
        problems["valid_from"] = [_l("required")]
    if valid_until is None:
        problems["valid_until"] = [_l("required")]
    elif valid_from is not None and not valid_from <= valid_until <= valid_from + timedelta(days=LONGEST_DAYS):
        problems["valid_until"] = [_l("must be on or after the start and within five years of it")]
    if problems:
        raise Invalid(_l("the authorisation has errors; nothing was saved"), fields=problems)
    authorisation = EmergencyAuthorisation(org_id=organisation.id, reference=reference.strip(), valid_from=valid_from,
                                           valid_until=valid_until, note=note.strip(), recorded_by=actor.id)
    session.add(authorisation)
    session.flush()
    trail.record(session, actor=actor, action="emergency_authorisation.record", entity="emergency_authorisation",
                 entity_id=authorisation.id, org_id=organisation.id,
                 after={"org": organisation.code, "reference": authorisation.reference,
                        "valid_from": valid_from.isoformat(), "valid_until": valid_until.isoformat()})
    return authorisation


def revoke_authorisation(*, session: Session, actor: User, authorisation_id: int) -> EmergencyAuthorisation:
    """Ends an authorisation early; dispatches already executed under it keep it."""
    scope.require(actor, "record", "emergency_authorisation")
    authorisation = session.get(EmergencyAuthorisation, authorisation_id)
    if authorisation is None:
        raise NotFound(_l("authorisation not found"))
    now = utcnow()
    result = session.execute(update(EmergencyAuthorisation).where(
        EmergencyAuthorisation.id == authorisation_id, EmergencyAuthorisation.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by=actor.id).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict(_l("the authorisation was revoked already"), code="illegal_transition")
    session.refresh(authorisation)
    trail.record(session, actor=actor, action="emergency_authorisation.revoke", entity="emergency_authorisation",
                 entity_id=authorisation.id, org_id=authorisation.org_id, after={"revoked_at": now.isoformat()})
    return authorisation


def authorisations(*, session: Session, actor: User) -> list[EmergencyAuthorisation]:
    scope.require(actor, "view", "emergency_authorisation")
    return list(session.exec(select(EmergencyAuthorisation).order_by(EmergencyAuthorisation.id.desc())))
