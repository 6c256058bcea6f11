"""The emergency donor register, its compliance, collection points and drills over ``/api/v1/blood`` (docs/api.md,
blood; the rules are in services/blood/donors.py, donor_compliance.py and docs/blood.md, "Donor teams").

Donors are personal data: every ``/blood/donors`` operation answers 404 to anyone but the blood station's officer
and health officers, lists mask names and phones, and only ``GET /blood/donors/{id}`` shows them in full.
"""
from __future__ import annotations

import datetime as dt
from typing import Annotated

from flask import request
from pydantic import BaseModel, Field, StrictBool, StrictInt

from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.idempotency import idempotent
from inventory.api.schemas import BODY, Blank, Out, PageQuery, Query, StrictBody, Timestamp, errors, page_of
from inventory.api.spec import spec
from inventory.core.vocab import BloodGroup, Rh
from inventory.db import get_session
from inventory.models import CollectionPoint, DonationDrill, DonorFiling
from inventory.services.blood import collection_points, donor_compliance, donors, drills

TAGS = ["blood"]


class DonorIn(StrictBody):
    name: str = Field(min_length=1, max_length=donors.NAME_MAX)
    unit: str = Field(min_length=1, max_length=donors.UNIT_MAX, description="employer or organisation")
    phone: str = Field(min_length=1, max_length=32, description="mobile (11 digits) or landline with area code")
    district: str = Field(min_length=1, max_length=32, description="district code (echelon 1 or 2)")
    group: BloodGroup
    rh: Rh
    group_donor: StrictBool = Field(description="recruited through a unit (团体)")
    confirmed_on: dt.date | None = Field(default=None, description="last confirmed; default today")


class DonorOut(Out):
    id: int
    name: str = Field(description="masked (张*) unless `masked` is false")
    phone: str = Field(description="masked (138****1234) unless `masked` is false")
    masked: bool
    unit: str
    district: str
    echelon: int = Field(description="1: main city, 2: the counties (from the district)")
    group: BloodGroup
    rh: Rh
    group_donor: bool
    last_confirmed_on: dt.date
    created_at: Timestamp
    confirmed_at: Timestamp | None


class DonorQuery(PageQuery):
    district: Annotated[str, Blank] = Field(default=None, max_length=32, description="district code")
    group: Annotated[BloodGroup, Blank] = None


class DonorImportIn(StrictBody):
    csv: str = Field(min_length=1, max_length=2_000_000,
                     description="header `name,unit,phone,district,group,rh,group_donor,confirmed_on`")


class DonorImportOut(BaseModel):
    imported: int
    ids: list[int]


class ComplianceQuery(Query):
    as_of: Annotated[dt.date, Blank] = Field(default=None, description="the day; default today (Asia/Shanghai)")


class HeadcountOut(BaseModel):
    echelon: int
    donors: int
    minimum: int = Field(description="§六(一): 500 or 1,500")
    district_floors: int = Field(description="sum of the districts' 0.4 ‰ floors")
    demand: int | None = Field(description="donors for 5 days of clinical demand; null without issue figures")
    required: int = Field(description="the largest of the three")
    binding: str = Field(description="echelon_minimum, district_floor or demand_days")


class ComplianceRuleOut(BaseModel):
    rule: str
    area: str = Field(description="echelon-1, echelon-2, a district code, main_city or city")
    section: str
    required: str
    actual: str
    passed: bool | None = Field(description="null when it cannot be judged yet")
    binds: bool = Field(description="this floor gives its echelon's head count")
    kind: str = Field(description="the alert kind raised when it fails")


class ComplianceOut(BaseModel):
    as_of: dt.date
    echelons: list[HeadcountOut]
    rules: list[ComplianceRuleOut]


class FilingIn(StrictBody):
    year: StrictInt = Field(ge=2000, le=9999)
    filed_on: dt.date
    reference: str = Field(min_length=1, max_length=donors.REFERENCE_MAX)
    note: str = Field(default="", max_length=donors.NOTE_MAX)


class FilingOut(Out):
    id: int
    year: int
    filed_on: dt.date
    reference: str
    note: str
    recorded_by: int
    recorded_at: Timestamp


class PointIn(StrictBody):
    name: str = Field(min_length=1, max_length=collection_points.NAME_MAX)
    address: str = Field(min_length=1, max_length=collection_points.ADDRESS_MAX)
    district: str = Field(min_length=1, max_length=32)
    capacity: StrictInt = Field(ge=1, le=collection_points.CAPACITY_MAX, description="donors a day")
    active: StrictBool = True


class PointQuery(PageQuery):
    active: Annotated[bool, Blank] = Field(default=None, description="only active (true) or inactive (false) points")


class PointOut(Out):
    id: int
    name: str
    address: str
    district: str
    capacity: int
    active: bool
    created_at: Timestamp


class DrillIn(StrictBody):
    held_on: dt.date
    participants: StrictInt = Field(ge=0, le=drills.PARTICIPANTS_MAX)
    notes: str = Field(default="", max_length=drills.NOTES_MAX)


class DrillOut(Out):
    id: int
    held_on: dt.date
    participants: int
    notes: str
    recorded_by: int
    recorded_at: Timestamp


DonorPage = page_of(DonorOut)
FilingPage, PointPage, DrillPage = page_of(FilingOut), page_of(PointOut), page_of(DrillOut)


def _donor_out(view: donors.DonorView) -> DonorOut:
    return DonorOut(id=view.id, name=view.name, phone=view.phone, masked=not view.full, unit=view.unit,
                    district=view.district.code, echelon=view.echelon, group=view.group, rh=view.rh,
                    group_donor=view.group_donor, last_confirmed_on=view.last_confirmed_on,
                    created_at=view.created_at, confirmed_at=view.confirmed_at)


def _point_out(point: CollectionPoint, district_code: str) -> PointOut:
    return PointOut(id=point.id, name=point.name, address=point.address, district=district_code,
                    capacity=point.capacity, active=point.active, created_at=point.created_at)


def _row_out(model: type[BaseModel], row: DonorFiling | DonationDrill) -> BaseModel:
    return model.model_validate({name: getattr(row, name) for name in model.model_fields})


@bp.get("/blood/donors")
@spec.validate(query=DonorQuery, resp=errors(404, 422, HTTP_200=DonorPage), tags=TAGS)
def list_blood_donors():
    """The register, oldest first, names and phones masked (`?district=&group=`): the blood station's officer and
    health officers only; 404 to anyone else."""
    params, session = request.context.query, get_session()
    rows, cursor = donors.donors_page(session=session, actor=current_user(), district=params.district,
                                      group=params.group, limit=params.limit, cursor=params.cursor)
    return DonorPage(items=[_donor_out(row) for row in rows], next_cursor=cursor)


@bp.post("/blood/donors")
@spec.validate(json=DonorIn, resp=errors(*BODY, 404, 409, HTTP_201=DonorOut), tags=TAGS)
@idempotent
def register_blood_donor():
    """Register a volunteer (name and phone stored encrypted): 201 with the full record; a bad phone, an unknown
    district or a day after today is a 422, a phone already registered a 409 `duplicate_donor`; nothing is
    written then."""
    body, session, user = request.context.json, get_session(), current_user()
    donor = donors.register(session=session, actor=user, given=donors.DonorInput(
        name=body.name, unit=body.unit, phone=body.phone, district=body.district, group=body.group, rh=body.rh,
        group_donor=body.group_donor, confirmed_on=body.confirmed_on))
    view = donors.donor(session=session, actor=user, donor_id=donor.id)
    session.commit()
    return _donor_out(view), 201


@bp.post("/blood/donors/import")
@spec.validate(json=DonorImportIn, resp=errors(*BODY, 404, 409, HTTP_201=DonorImportOut), tags=TAGS)
@idempotent
def import_blood_donors():
    """Register volunteers from CSV: every row is checked first and a problem on any row refuses the whole file
    (422, each problem under `row N`, the header being row 1; a phone registered already or given twice is a row
    problem too). A phone registered by someone else meanwhile is a 409 `duplicate_donor`."""
    session = get_session()
    made = donors.import_csv(session=session, actor=current_user(), text=request.context.json.csv)
    ids = [donor.id for donor in made]
    session.commit()
    return DonorImportOut(imported=len(ids), ids=ids), 201


@bp.get("/blood/donors/<int:donor_id>")
@spec.validate(resp=errors(404, HTTP_200=DonorOut), tags=TAGS)
def get_blood_donor(donor_id: int):
    """The full record, name and phone in clear: the blood station's officer and health officers only."""
    return _donor_out(donors.donor(session=get_session(), actor=current_user(), donor_id=donor_id))


@bp.post("/blood/donors/<int:donor_id>/confirm")
@spec.validate(resp=errors(*BODY, 404, HTTP_200=DonorOut), tags=TAGS)
def confirm_blood_donor(donor_id: int):
    """The donor confirmed the record today (the yearly confirmation): the record with its new date."""
    session, user = get_session(), current_user()
    donors.confirm(session=session, actor=user, donor_id=donor_id)
    view = donors.donor(session=session, actor=user, donor_id=donor_id)
    session.commit()
    return _donor_out(view)


@bp.get("/blood/donor-filings")
@spec.validate(query=PageQuery, resp=errors(404, 422, HTTP_200=FilingPage), tags=TAGS)
def list_donor_filings():
    """The yearly filings of the register with the command's office, oldest first."""
    params = request.context.query
    rows, cursor = donors.filings_page(session=get_session(), actor=current_user(), limit=params.limit,
                                       cursor=params.cursor)
    return FilingPage(items=[_row_out(FilingOut, row) for row in rows], next_cursor=cursor)


@bp.post("/blood/donor-filings")
@spec.validate(json=FilingIn, resp=errors(*BODY, 404, 409, HTTP_201=FilingOut), tags=TAGS)
@idempotent
def record_donor_filing():
    """Record the year's filing (date, the office's reference); a second one for the year is a 409
    `duplicate_filing`."""
    body, session = request.context.json, get_session()
    filing = donors.record_filing(session=session, actor=current_user(), year=body.year, filed_on=body.filed_on,
                                  reference=body.reference, note=body.note)
    session.commit()
    return _row_out(FilingOut, filing), 201


@bp.get("/blood/donor-compliance")
@spec.validate(query=ComplianceQuery, resp=errors(403, 422, HTTP_200=ComplianceOut), tags=TAGS)
def blood_donor_compliance():
    """Every rule of §六(一), §六(二) and §六(七)2 on a day: required, actual, passed, and which floor binds each
    echelon's head count. Counts only: readable by every reader of the blood pages."""
    found = donor_compliance.for_reader(session=get_session(), actor=current_user(),
                                        as_of=request.context.query.as_of)
    return ComplianceOut(as_of=found.as_of, echelons=[
        HeadcountOut(echelon=h.echelon, donors=h.donors, minimum=h.minimum, district_floors=h.floors,
                     demand=h.demand, required=h.required, binding=h.binding) for h in found.echelons],
        rules=[ComplianceRuleOut(rule=r.key, area=r.area, section=r.section, required=r.required, actual=r.actual,
                       passed=r.passed, binds=r.binds, kind=r.kind) for r in found.rules])


@bp.get("/blood/collection-points")
@spec.validate(query=PointQuery, resp=errors(403, 422, HTTP_200=PointPage), tags=TAGS)
def list_collection_points():
    """The emergency collection points, oldest first (§六(二)), inactive ones included unless `?active=true`."""
    params, session = request.context.query, get_session()
    rows, cursor = collection_points.points_page(session=session, actor=current_user(), active=params.active,
                                                 limit=params.limit, cursor=params.cursor)
    codes = collection_points.district_codes(session)
    return PointPage(items=[_point_out(row, codes[row.district_id]) for row in rows], next_cursor=cursor)


@bp.post("/blood/collection-points")
@spec.validate(json=PointIn, resp=errors(*BODY, 403, HTTP_201=PointOut), tags=TAGS)
@idempotent
def add_collection_point():
    """Add a preset collection point (the blood station's officer, health officers)."""
    body, session = request.context.json, get_session()
    point = collection_points.add_point(session=session, actor=current_user(), given=collection_points.PointInput(
        name=body.name, address=body.address, district=body.district, capacity=body.capacity, active=body.active))
    session.commit()
    return _point_out(point, collection_points.district_codes(session)[point.district_id]), 201


def _set_point_active(point_id: int, active: bool) -> PointOut:
    session = get_session()
    point = collection_points.set_active(session=session, actor=current_user(), point_id=point_id, active=active)
    session.commit()
    return _point_out(point, collection_points.district_codes(session)[point.district_id])


@bp.post("/blood/collection-points/<int:point_id>/deactivate")
@spec.validate(resp=errors(*BODY, 403, 404, 409, HTTP_200=PointOut), tags=TAGS)
def deactivate_collection_point(point_id: int):
    """Stop offering a point (closed, moved): it stays listed but no longer counts for §六(二) (the blood station's
    officer, health officers); 409 `illegal_transition` when it is inactive already."""
    return _set_point_active(point_id, False)


@bp.post("/blood/collection-points/<int:point_id>/reactivate")
@spec.validate(resp=errors(*BODY, 403, 404, 409, HTTP_200=PointOut), tags=TAGS)
def reactivate_collection_point(point_id: int):
    """Offer a deactivated point again; 409 `illegal_transition` when it is active already."""
    return _set_point_active(point_id, True)


@bp.get("/blood/drills")
@spec.validate(query=PageQuery, resp=errors(403, 422, HTTP_200=DrillPage), tags=TAGS)
def list_donation_drills():
    """Emergency-donation drills, oldest first (§六(七)2: at least one a year)."""
    params = request.context.query
    rows, cursor = drills.drills_page(session=get_session(), actor=current_user(), limit=params.limit,
                                      cursor=params.cursor)
    return DrillPage(items=[_row_out(DrillOut, row) for row in rows], next_cursor=cursor)


@bp.post("/blood/drills")
@spec.validate(json=DrillIn, resp=errors(*BODY, 403, HTTP_201=DrillOut), tags=TAGS)
@idempotent
def record_donation_drill():
    """Record a drill held (the blood station's officer, health officers); a day after today is a 422."""
    body, session = request.context.json, get_session()
    drill = drills.record_drill(session=session, actor=current_user(), held_on=body.held_on,
                                participants=body.participants, notes=body.notes)
    session.commit()
    return _row_out(DrillOut, drill), 201
