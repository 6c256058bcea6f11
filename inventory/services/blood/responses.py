"""Responses to a level (blood-supply plan §四, docs/blood.md "Responses"): each level's measures as a checklist
ticked with who, when and notes; an escalation from IV to III is a level of its own, so the Level IV checklist stays
as it was ticked. A Level II or I emergency records the temporary blood-handling units designated while the station
cannot prepare, test or store blood (§六(三)); the declared state of emergency of Level II is the first item of its
checklist (``II.state``)."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from inventory import scope
from inventory.core.errors import Conflict, Invalid, Text
from inventory.core.vocab import EmergencyLevel, HandlingUnitDesignator, HandlingUnitKind, ResponseMeasure
from inventory.models import BloodEmergency, BloodHandlingUnit, BloodResponse, User
from inventory.services.audit import trail

#: the levels that record temporary blood-handling units (§六(三), in §四(二)4)
UNIT_LEVELS = frozenset({EmergencyLevel.II, EmergencyLevel.I})


@dataclass(frozen=True)
class ChecklistItem:
    measure: ResponseMeasure
    #: the tick, None while the measure is not done
    done: BloodResponse | None


def ticks_of(session: Session, emergency_id: int) -> dict[str, BloodResponse]:
    return {row.measure: row for row in session.exec(select(BloodResponse).where(
        BloodResponse.emergency_id == emergency_id).order_by(BloodResponse.id))}


def checklist(session: Session, emergency: BloodEmergency) -> list[ChecklistItem]:
    """The measures of the emergency's level in the plan's order, each with its tick if done."""
    ticks = ticks_of(session, emergency.id)
    return [ChecklistItem(measure, ticks.get(measure.value)) for measure in ResponseMeasure.of_level(emergency.level)]


def tick(*, session: Session, actor: User, emergency_id: int, measure: str, note: str = "") -> BloodResponse:
    """Record a measure of the level's response as done (a health officer, or the station's officer for its own
    station's level). Once per measure: a second tick is a 409, decided by the unique row, not by a read."""
    scope.require(actor, "record", "blood_response")
    emergency = scope.blood.visible_emergency(session, actor, emergency_id)
    problems: dict[str, list[Text]] = {}
    allowed = ResponseMeasure.of_level(emergency.level)
    if measure not in {m.value for m in allowed}:
        problems["measure"] = [_l("one of %(values)s", values=", ".join(m.value for m in allowed))]
    if len(note) > 1000:
        problems["note"] = [_l("at most 1000 characters")]
    if problems:
        raise Invalid(_l("the measure was not recorded"), fields=problems)
    row = BloodResponse(emergency_id=emergency.id, measure=measure, note=note.strip(), done_by=actor.id)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise Conflict(_l("this measure is already recorded as done"), code="already_done") from None
    trail.record(session, actor=actor, action="blood_response.tick", entity="blood_emergency",
                 entity_id=emergency.id, org_id=actor.org_id, after={"measure": measure, "note": row.note})
    return row


def units_of(session: Session, emergency_id: int) -> list[BloodHandlingUnit]:
    return list(session.exec(select(BloodHandlingUnit).where(BloodHandlingUnit.emergency_id == emergency_id)
                             .order_by(BloodHandlingUnit.id)))


def add_unit(*, session: Session, actor: User, emergency_id: int, name: str, kind: str, designated_by: str,
             document: str = "", note: str = "") -> BloodHandlingUnit:
    """Record a temporary blood-handling unit of a Level II or I emergency (a health officer)."""
    scope.require(actor, "declare", "blood_level")
    emergency = scope.blood.visible_emergency(session, actor, emergency_id)
    name, document, note = name.strip(), document.strip(), note.strip()
    problems: dict[str, list[Text]] = {}
    if EmergencyLevel(emergency.level) not in UNIT_LEVELS:
        problems["level"] = [_l("temporary blood-handling units are designated in a Level II or I emergency")]
    if not name:
        problems["name"] = [_l("give the unit's name")]
    elif len(name) > 200:
        problems["name"] = [_l("at most 200 characters")]
    if kind not in HandlingUnitKind.values():
        problems["kind"] = [_l("one of %(values)s", values=", ".join(HandlingUnitKind.values()))]
    if designated_by not in HandlingUnitDesignator.values():
        problems["designated_by"] = [_l("one of %(values)s", values=", ".join(HandlingUnitDesignator.values()))]
    if len(document) > 255:
        problems["document"] = [_l("at most 255 characters")]
    if len(note) > 500:
        problems["note"] = [_l("at most 500 characters")]
    if problems:
        raise Invalid(_l("the unit was not recorded"), fields=problems)
    row = BloodHandlingUnit(emergency_id=emergency.id, name=name, kind=kind, designated_by=designated_by,
                            document=document, note=note, recorded_by=actor.id)
    session.add(row)
    session.flush()
    trail.record(session, actor=actor, action="blood_emergency.unit", entity="blood_emergency",
                 entity_id=emergency.id, org_id=actor.org_id,
                 after={"unit": row.id, "name": name, "kind": kind, "designated_by": designated_by,
                        "document": document})
    return row
