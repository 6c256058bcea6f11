"""A blood emergency's response over ``/api/v1/blood/emergencies/{id}/responses``, ``/units``, ``/assessment``,
``/termination`` and ``/review`` (docs/api.md, blood; docs/blood.md "Responses", "Termination and review"): the
level's checklist of measures (§四) with who ticked each and when, ticking a measure, the temporary blood-handling
units of a Level II or I emergency (§六(三)), and the end of the response (§五)."""
from __future__ import annotations

from flask import request
from pydantic import BaseModel, Field

from inventory import scope
from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.idempotency import idempotent
from inventory.api.schemas import BODY, Out, StrictBody, Timestamp, errors
from inventory.api.spec import spec
from inventory.core.clock import business_today
from inventory.core.vocab import HandlingUnitDesignator, HandlingUnitKind, ResponseMeasure, TerminationAuthority
from inventory.db import get_session
from inventory.services.blood import responses, termination

TAGS = ["blood"]


class BloodMeasureOut(BaseModel):
    measure: ResponseMeasure
    label: str = Field(description="the measure's text, in the caller's language")
    done: bool
    done_by: int | None
    done_at: Timestamp | None
    note: str


class BloodUnitOut(Out):
    id: int
    name: str
    kind: HandlingUnitKind
    designated_by: HandlingUnitDesignator
    document: str
    note: str
    recorded_by: int
    recorded_at: Timestamp


class BloodEndOut(BaseModel):
    normal_days: int = Field(description="consecutive reported days with no group low and collections ≥ issues")
    needed: int = Field(description="BLOOD_NORMAL_DAYS: normal days after which the end is proposed")
    proposed: bool
    authority: TerminationAuthority = Field(description="who decides the termination of this level (§五(一))")
    assessment: str
    assessed_by: int | None
    assessed_at: Timestamp | None
    decision_document: str
    terminated_by: int | None
    terminated_at: Timestamp | None
    review: str
    reviewed_by: int | None
    reviewed_at: Timestamp | None
    closed: bool = Field(description="terminated and reviewed")


class BloodResponseOut(BaseModel):
    emergency: int
    measures: list[BloodMeasureOut] = Field(description="the level's checklist in the plan's order")
    units: list[BloodUnitOut] = Field(description="temporary blood-handling units (Levels II and I)")
    end: BloodEndOut = Field(description="termination and review (§五)")


class BloodAssessmentIn(StrictBody):
    assessment: str = Field(min_length=1, max_length=2000, description="the expert group's assessment")


class BloodTerminationIn(StrictBody):
    authority: TerminationAuthority = Field(description="must be the level's: I province, II city, III and IV "
                                                        "health_commission")
    document: str = Field(default="", max_length=255)


class BloodReviewIn(StrictBody):
    review: str = Field(min_length=1, max_length=4000)


class BloodTickIn(StrictBody):
    measure: ResponseMeasure = Field(description="a measure of the level's checklist (IV.1–5, III.1–3, "
                                                 "II.state and II.1–6, I.1)")
    note: str = Field(default="", max_length=1000)


class BloodUnitIn(StrictBody):
    name: str = Field(min_length=1, max_length=200)
    kind: HandlingUnitKind
    designated_by: HandlingUnitDesignator
    document: str = Field(default="", max_length=255)
    note: str = Field(default="", max_length=500)


def _response(emergency_id: int) -> BloodResponseOut:
    session, user = get_session(), current_user()
    scope.require(user, "view", "blood")
    row = scope.blood.visible_emergency(session, user, emergency_id)
    return BloodResponseOut(
        emergency=row.id,
        measures=[BloodMeasureOut(measure=item.measure, label=str(item.measure.label), done=item.done is not None,
                                  done_by=item.done.done_by if item.done else None,
                                  done_at=item.done.done_at if item.done else None,
                                  note=item.done.note if item.done else "")
                  for item in responses.checklist(session, row)],
        units=[BloodUnitOut.model_validate(unit) for unit in responses.units_of(session, row.id)],
        end=_end(termination.outlook(session, row, business_today())))


def _end(found: termination.Outlook) -> BloodEndOut:
    closure = found.closure
    return BloodEndOut(
        normal_days=found.normal_days, needed=found.needed, proposed=found.proposed, authority=found.authority,
        assessment=closure.assessment if closure else "", assessed_by=closure.assessed_by if closure else None,
        assessed_at=closure.assessed_at if closure else None,
        decision_document=closure.decision_document if closure else "",
        terminated_by=closure.terminated_by if closure else None,
        terminated_at=closure.terminated_at if closure else None, review=closure.review if closure else "",
        reviewed_by=closure.reviewed_by if closure else None, reviewed_at=closure.reviewed_at if closure else None,
        closed=found.closed)


@bp.get("/blood/emergencies/<int:emergency_id>/responses")
@spec.validate(resp=errors(403, 404, HTTP_200=BloodResponseOut), tags=TAGS)
def get_blood_response(emergency_id: int):
    """The level's response checklist, each measure with who ticked it and when, and its temporary units."""
    return _response(emergency_id)


@bp.post("/blood/emergencies/<int:emergency_id>/responses")
@spec.validate(json=BloodTickIn, resp=errors(*BODY, 403, 404, 409, HTTP_201=BloodResponseOut), tags=TAGS)
@idempotent
def tick_blood_measure(emergency_id: int):
    """Record a measure as done (a health officer, or the blood station for its own level); 409 `already_done`
    when it is; 422 for a measure of another level."""
    body, session = request.context.json, get_session()
    responses.tick(session=session, actor=current_user(), emergency_id=emergency_id, measure=body.measure,
                   note=body.note)
    session.commit()
    return _response(emergency_id), 201


@bp.post("/blood/emergencies/<int:emergency_id>/units")
@spec.validate(json=BloodUnitIn, resp=errors(*BODY, 403, 404, HTTP_201=BloodResponseOut), tags=TAGS)
@idempotent
def add_blood_unit(emergency_id: int):
    """Record a temporary blood-handling unit of a Level II or I emergency (a health officer); 422 for a level
    below II."""
    body, session = request.context.json, get_session()
    responses.add_unit(session=session, actor=current_user(), emergency_id=emergency_id, name=body.name,
                       kind=body.kind, designated_by=body.designated_by, document=body.document, note=body.note)
    session.commit()
    return _response(emergency_id), 201


@bp.post("/blood/emergencies/<int:emergency_id>/assessment")
@spec.validate(json=BloodAssessmentIn, resp=errors(*BODY, 403, 404, 409, HTTP_201=BloodResponseOut), tags=TAGS)
@idempotent
def assess_blood_emergency(emergency_id: int):
    """Record the expert group's assessment of ending a confirmed level (a health officer), once (§五(一))."""
    session = get_session()
    termination.assess(session=session, actor=current_user(), emergency_id=emergency_id,
                       assessment=request.context.json.assessment)
    session.commit()
    return _response(emergency_id), 201


@bp.post("/blood/emergencies/<int:emergency_id>/termination")
@spec.validate(json=BloodTerminationIn, resp=errors(*BODY, 403, 404, 409, HTTP_201=BloodResponseOut), tags=TAGS)
@idempotent
def terminate_blood_emergency(emergency_id: int):
    """Record the termination decided by the level's authority, after the assessment; the level is no longer in
    force (a health officer). 422 for another authority or without the assessment."""
    body, session = request.context.json, get_session()
    termination.terminate(session=session, actor=current_user(), emergency_id=emergency_id,
                          authority=body.authority, document=body.document)
    session.commit()
    return _response(emergency_id), 201


@bp.post("/blood/emergencies/<int:emergency_id>/review")
@spec.validate(json=BloodReviewIn, resp=errors(*BODY, 403, 404, 409, HTTP_201=BloodResponseOut), tags=TAGS)
@idempotent
def review_blood_emergency(emergency_id: int):
    """Record the post-event review of a terminated emergency (§五(二)), which closes it (a health officer)."""
    session = get_session()
    termination.review(session=session, actor=current_user(), emergency_id=emergency_id,
                       text=request.context.json.review)
    session.commit()
    return _response(emergency_id), 201
