"""The emergency donor register (blood-supply plan §六(一); docs/blood.md, "Donor teams").

Each volunteer: name, unit, phone, district, ABO group, Rh, whether recruited through a unit (团体), and the day the
record was last confirmed (once a year). The echelon follows from the district: the main city (广阳, 安次, the
development area) is echelon 1, the eight counties and county-level cities echelon 2; a donor of a district in
neither is refused. Names and phones are stored encrypted (services/blood/donor_vault.py), listed masked, and shown
in full only on the record page; audit events carry the record id and masked values only. Only the blood station's
officer and health officers read or write the register; anyone else gets a 404 (scope/blood.py).

One phone number, one donor: the encrypted phone cannot be compared, so each row keeps a keyed hash of the
normalised number under a unique constraint. The constraint decides — two registrations of one number at once
cannot both pass a look-up made first — and a second registration is a 409 ``duplicate_donor``; a CSV file is
checked against the register and against itself first, so every such row is listed.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import exc, update
from sqlmodel import Session, select

from inventory import scope
from inventory.core.clock import business_today, utcnow
from inventory.core.errors import Conflict, Invalid, NotFound, Text
from inventory.core.vocab import BloodGroup, Rh
from inventory.models import BloodDonor, District, DonorFiling, User
from inventory.services import paging
from inventory.services.audit import trail
from inventory.services.blood import donor_vault

#: echelon of each district area (§六(一): 第一梯队由主城区…组成, 第二梯队由主城区以外的8个县(市、区)组成)
ECHELON_OF_AREA = {"main_city": 1, "county": 2}
NAME_MAX, UNIT_MAX, REFERENCE_MAX, NOTE_MAX = 32, 128, 128, 500
#: a mobile number (11 digits, 13… to 19…) or a landline with its area code (0 and 9 to 11 more digits)
PHONE = re.compile(r"^(1[3-9][0-9]{9}|0[0-9]{9,11})$")
FIRST_DAY = date(2000, 1, 1)
CSV_COLUMNS = ("name", "unit", "phone", "district", "group", "rh", "group_donor", "confirmed_on")
YES, NO = {"1", "true", "yes", "y", "是"}, {"0", "false", "no", "n", "否"}
MAX_ERROR_ROWS = 200
#: phone hashes looked up per statement when a CSV file is checked against the register
LOOKUP_CHUNK = 500


@dataclass(frozen=True)
class DonorInput:
    name: str
    unit: str
    phone: str
    district: str
    group: str
    rh: str
    group_donor: bool | str
    #: the day the donor last confirmed the record; default today
    confirmed_on: date | str | None = None


@dataclass(frozen=True)
class DonorView:
    """A record as one reader may see it: ``name`` and ``phone`` masked unless ``full``."""

    id: int
    name: str
    phone: str
    full: bool
    unit: str
    district: District
    echelon: int
    group: str
    rh: str
    group_donor: bool
    last_confirmed_on: date
    created_at: datetime
    confirmed_at: datetime | None


def echelon_of(district: District) -> int | None:
    return ECHELON_OF_AREA.get(district.area)


def team_districts(session: Session) -> dict[str, District]:
    """The districts of the two echelons by code, in code order."""
    return {d.code: d for d in session.exec(select(District).where(District.area.in_(list(ECHELON_OF_AREA)))
                                            .order_by(District.id))}


def normal_phone(phone: Any) -> str:
    return re.sub(r"[\s\-()]", "", str(phone or ""))


def _flag(value: bool | str) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value or "").strip().lower()
    return True if text in YES else False if text in NO else None


def _day(value: date | str | None, today: date) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return today
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def check(given: DonorInput, *, districts: dict[str, District], today: date) -> tuple[dict[str, Any],
                                                                                       dict[str, list[Text]]]:
    """The record's clean values (name and phone in clear) and every problem by field."""
    problems: dict[str, list[Text]] = {}
    name, unit, phone = str(given.name or "").strip(), str(given.unit or "").strip(), normal_phone(given.phone)
    if not name or len(name) > NAME_MAX:
        problems["name"] = [_l("a name of 1 to %(max)s characters", max=NAME_MAX)]
    if not unit or len(unit) > UNIT_MAX:
        problems["unit"] = [_l("the donor's unit, 1 to %(max)s characters", max=UNIT_MAX)]
    if not PHONE.match(phone):
        problems["phone"] = [_l("a mobile number (11 digits) or a landline with its area code")]
    district = districts.get(str(given.district or "").strip())
    if district is None:
        problems["district"] = [_l("one of %(codes)s", codes=", ".join(districts))]
    group, rh = str(given.group or "").strip().upper(), str(given.rh or "").strip().lower()
    if group not in BloodGroup.values():
        problems["group"] = [_l("one of %(values)s", values=", ".join(BloodGroup.values()))]
    if rh not in Rh.values():
        problems["rh"] = [_l("one of %(values)s", values=", ".join(Rh.values()))]
    group_donor = _flag(given.group_donor)
    if group_donor is None:
        problems["group_donor"] = [_l("yes or no")]
    confirmed_on = _day(given.confirmed_on, today)
    if confirmed_on is None or not FIRST_DAY <= confirmed_on <= today:
        problems["confirmed_on"] = [_l("a day as YYYY-MM-DD from %(first)s to today", first=FIRST_DAY.isoformat())]
    return {"name": name, "phone": phone, "unit": unit, "district_id": district.id if district else None,
            "abo_group": group, "rh": rh, "group_donor": group_donor, "last_confirmed_on": confirmed_on}, problems


def _masked(values: dict[str, Any]) -> dict[str, Any]:
    """What an audit event may carry of a record: no name or phone in clear."""
    return {"name": donor_vault.mask_name(values["name"]), "phone": donor_vault.mask_phone(values["phone"]),
            "district_id": values["district_id"], "group": values["abo_group"], "rh": values["rh"],
            "group_donor": values["group_donor"], "last_confirmed_on": values["last_confirmed_on"].isoformat()}


def _registered(session: Session, hashes: list[str]) -> dict[str, int]:
    """The donors already registered with these phone hashes: hash -> donor id."""
    found: dict[str, int] = {}
    for start in range(0, len(hashes), LOOKUP_CHUNK):
        found.update((digest, donor_id) for donor_id, digest in session.exec(
            select(BloodDonor.id, BloodDonor.phone_hash).where(BloodDonor.phone_hash.in_(hashes[start:start + LOOKUP_CHUNK]))))
    return found


def _duplicate(session: Session, digest: str, field: str, column: str = "") -> Conflict:
    """The refusal of a second donor with a phone already registered (the look-up only names the first one)."""
    first = _registered(session, [digest]).get(digest)
    detail = (_l("already registered (donor %(id)s)", id=first) if first is not None
              else _l("already registered"))
    return Conflict(_l("a donor with this phone number is already registered"), code="duplicate_donor",
                    fields={field: [_l("%(column)s: %(message)s", column=column, message=detail) if column else detail]})


def _store(session: Session, actor: User, values: dict[str, Any], source: str, *, field: str = "phone",
           column: str = "") -> BloodDonor:
    digest = donor_vault.phone_hash(values["phone"])
    donor = BloodDonor(name_token=donor_vault.encrypt(values["name"]), phone_token=donor_vault.encrypt(values["phone"]),
                       phone_hash=digest, unit=values["unit"], district_id=values["district_id"],
                       abo_group=values["abo_group"], rh=values["rh"], group_donor=values["group_donor"],
                       last_confirmed_on=values["last_confirmed_on"], created_by=actor.id)
    try:
        with session.begin_nested():  # the unique phone hash decides between two registrations at once
            session.add(donor)
    except exc.IntegrityError as error:
        if "phone_hash" not in str(error.orig):
            raise
        raise _duplicate(session, digest, field, column) from None
    trail.record(session, actor=actor, action="blood_donor.register", entity="blood_donor", entity_id=donor.id,
                 org_id=actor.org_id, after={**_masked(values), "source": source})
    return donor


def register(*, session: Session, actor: User, given: DonorInput, today: date | None = None) -> BloodDonor:
    scope.blood.require_donor_keeper(session, actor)
    values, problems = check(given, districts=team_districts(session), today=today or business_today())
    if problems:
        raise Invalid(_l("the donor was not registered"), fields=problems)
    return _store(session, actor, values, "form")


def _same_phone_rows(session: Session, rows: dict[int, dict[str, Any]]) -> dict[str, list[Text]]:
    """Rows of a file whose phone is registered already or given on an earlier row, by row number."""
    digests = {number: donor_vault.phone_hash(values["phone"]) for number, values in rows.items()}
    registered, first_row, problems = _registered(session, list(set(digests.values()))), {}, {}
    for number, digest in digests.items():
        if digest in registered:
            problems[f"row {number}"] = [_l("phone: already registered (donor %(id)s)", id=registered[digest])]
        elif digest in first_row:
            problems[f"row {number}"] = [_l("phone: the same number as row %(row)s", row=first_row[digest])]
        else:
            first_row[digest] = number
    return problems


def import_csv(*, session: Session, actor: User, text: str, today: date | None = None) -> list[BloodDonor]:
    """Donors from CSV (header ``name,unit,phone,district,group,rh,group_donor,confirmed_on``; ``confirmed_on``
    may be empty for today): every row is checked first and a problem on any row refuses the whole file, each
    reported as ``row N`` (the header is row 1) with the column."""
    scope.blood.require_donor_keeper(session, actor)
    today = today or business_today()
    try:
        table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    except csv.Error as error:
        raise Invalid(_l("the file was not imported"),
                      fields={"csv": [_l("not a CSV file: %(error)s", error=str(error))]}) from None
    header = [cell.strip().lower() for cell in (table[0] if table else [])]
    missing = [column for column in CSV_COLUMNS[:-1] if column not in header]
    if missing:
        raise Invalid(_l("the file was not imported"),
                      fields={"row 1": [_l("missing columns: %(columns)s", columns=", ".join(missing))]})
    at = {column: header.index(column) for column in CSV_COLUMNS if column in header}
    districts, rows, problems = team_districts(session), {}, {}
    for number, cells in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        cell = {column: cells[index] if index < len(cells) else "" for column, index in at.items()}
        values, found = check(DonorInput(**{column: cell.get(column, "") for column in CSV_COLUMNS}),
                              districts=districts, today=today)
        if found:
            problems[f"row {number}"] = [_l("%(column)s: %(message)s", column=column, message=message)
                                         for column, messages in found.items() for message in messages]
        rows[number] = values
    if not rows and not problems:
        problems["row 2"] = [_l("the file has no rows")]
    if not problems:
        problems = _same_phone_rows(session, rows)
    if problems:
        listed = dict(list(problems.items())[:MAX_ERROR_ROWS])
        if len(problems) > MAX_ERROR_ROWS:
            listed["more"] = [_l("%(count)s more rows with errors not listed", count=len(problems) - MAX_ERROR_ROWS)]
        raise Invalid(_l("the file was not imported"), fields=listed)
    return [_store(session, actor, values, "csv", field=f"row {number}", column="phone")
            for number, values in rows.items()]


def _visible(session: Session, actor: User, donor_id: int) -> BloodDonor:
    scope.blood.require_donor_keeper(session, actor)
    donor = session.exec(scope.blood.donors_query(session, actor).where(BloodDonor.id == donor_id)).first()
    if donor is None:
        raise NotFound(_l("donor not found"))
    return donor


def confirm(*, session: Session, actor: User, donor_id: int, today: date | None = None) -> BloodDonor:
    """The donor confirmed the record today (the yearly confirmation, §六(一) 每年确认1次)."""
    donor = _visible(session, actor, donor_id)
    day, before = today or business_today(), donor.last_confirmed_on
    # one statement: two confirmations at once both set the same day
    session.execute(update(BloodDonor).where(BloodDonor.id == donor.id).values(
        last_confirmed_on=day, confirmed_by=actor.id, confirmed_at=utcnow()))
    session.refresh(donor)
    trail.record(session, actor=actor, action="blood_donor.confirm", entity="blood_donor", entity_id=donor.id,
                 org_id=actor.org_id, before={"last_confirmed_on": before.isoformat()},
                 after={"last_confirmed_on": day.isoformat()})
    return donor


def _view(donor: BloodDonor, district: District, full: bool) -> DonorView:
    name, phone = donor_vault.decrypt(donor.name_token), donor_vault.decrypt(donor.phone_token)
    if not full:
        name, phone = donor_vault.mask_name(name), donor_vault.mask_phone(phone)
    return DonorView(id=donor.id, name=name, phone=phone, full=full, unit=donor.unit, district=district,
                     echelon=echelon_of(district) or 0, group=donor.abo_group, rh=donor.rh,
                     group_donor=donor.group_donor, last_confirmed_on=donor.last_confirmed_on,
                     created_at=donor.created_at, confirmed_at=donor.confirmed_at)


def donor(*, session: Session, actor: User, donor_id: int) -> DonorView:
    """The full record (name and phone in clear): the record page of the blood station and health officers."""
    found = _visible(session, actor, donor_id)
    return _view(found, session.get(District, found.district_id), full=True)


def donors_page(*, session: Session, actor: User, district: str | None = None, group: str | None = None,
                limit: int = 50, cursor: str | None = None) -> tuple[list[DonorView], str | None]:
    """A page of the register, masked, oldest first; a district or group outside the vocabularies is a 422."""
    scope.blood.require_donor_keeper(session, actor)
    districts = team_districts(session)
    query = scope.blood.donors_query(session, actor)
    if district:
        if district not in districts:
            raise Invalid.field("district", _l("one of %(codes)s", codes=", ".join(districts)))
        query = query.where(BloodDonor.district_id == districts[district].id)
    if group:
        if group not in BloodGroup.values():
            raise Invalid.field("group", _l("one of %(values)s", values=", ".join(BloodGroup.values())))
        query = query.where(BloodDonor.abo_group == group)
    rows, next_cursor = paging.page(session, query, [BloodDonor.id], limit=limit, cursor=cursor)
    by_id = {d.id: d for d in districts.values()}
    return [_view(row, by_id[row.district_id], full=False) for row in rows], next_cursor


def record_filing(*, session: Session, actor: User, year: int, filed_on: date, reference: str,
                  note: str = "", today: date | None = None) -> DonorFiling:
    """The year's filing of the register with the command's office (§六(一) 报…指挥部办公室备案): once a year."""
    scope.blood.require_donor_keeper(session, actor)
    today = today or business_today()
    problems: dict[str, list[Text]] = {}
    if not FIRST_DAY.year <= year <= today.year:
        problems["year"] = [_l("a year from %(first)s to this year", first=FIRST_DAY.year)]
    if not date(max(year, FIRST_DAY.year), 1, 1) <= filed_on <= today:
        problems["filed_on"] = [_l("a day in the year filed for or later, not after today")]
    reference, note = reference.strip(), note.strip()
    if not reference or len(reference) > REFERENCE_MAX:
        problems["reference"] = [_l("the office's reference, 1 to %(max)s characters", max=REFERENCE_MAX)]
    if len(note) > NOTE_MAX:
        problems["note"] = [_l("at most %(max)s characters", max=NOTE_MAX)]
    if problems:
        raise Invalid(_l("the filing was not recorded"), fields=problems)
    filing = DonorFiling(year=year, filed_on=filed_on, reference=reference, note=note, recorded_by=actor.id)
    try:
        with session.begin_nested():  # the unique year decides between two filings at once
            session.add(filing)
    except exc.IntegrityError:
        raise Conflict(_l("the filing of %(year)s is already recorded", year=year), code="duplicate_filing",
                       fields={"year": [_l("already recorded")]}) from None
    trail.record(session, actor=actor, action="blood_donor_filing.record", entity="blood_donor_filing",
                 entity_id=filing.id, org_id=actor.org_id,
                 after={"year": year, "filed_on": filed_on.isoformat(), "reference": reference})
    return filing


def filings(*, session: Session, actor: User) -> list[DonorFiling]:
    """The register's filings, the latest year first; none for a reader who is not a keeper of the register."""
    return list(session.exec(scope.blood.filings_query(session, actor).order_by(DonorFiling.year.desc())))


def filings_page(*, session: Session, actor: User, limit: int = 50,
                 cursor: str | None = None) -> tuple[list[DonorFiling], str | None]:
    """A page of the filings, oldest first: the register's keepers only (404 for anyone else)."""
    scope.blood.require_donor_keeper(session, actor)
    return paging.page(session, scope.blood.filings_query(session, actor), [DonorFiling.id], limit=limit,
                       cursor=cursor)


def reencrypt_register(*, session: Session) -> int:
    """Every donor's name and phone rewritten under the newest key (``flask donors rotate-key``), audited with the
    count only; the phone hashes do not change. Returns the rows rewritten."""
    rewritten = donor_vault.reencrypt(session)
    trail.record(session, actor=None, action="blood_donor.reencrypt", entity="blood_donor", entity_id="*",
                 after={"rows": rewritten})
    return rewritten
