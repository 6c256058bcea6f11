"""One donor per phone number in the register (docs/blood.md, "Donor teams"): the phone is kept as a Fernet token,
which cannot be compared, and as an HMAC-SHA256 of the normalised number under a key outside the database, which
a unique constraint compares. A second donor with the same number is refused (409 ``duplicate_donor``, a form
error, CSV row errors) with nothing written, and the constraint — not a look-up made first — decides."""
from __future__ import annotations

import hashlib
import hmac
from datetime import date

import pytest
from sqlalchemy import text
from sqlmodel import select

from inventory.core.errors import Conflict, Invalid
from inventory.models import BloodDonor
from inventory.services.blood import donor_vault, donors
from tests.blood.donor_helpers import clear_register
from tests.helpers import assert_error, count_rows, user_named

TODAY = date(2026, 6, 30)
PHONE = "13812345678"
CSV_HEADER = "name,unit,phone,district,group,rh,group_donor,confirmed_on\n"


def messages(error) -> dict[str, list[str]]:
    return {field: [str(message) for message in found] for field, found in error.fields.items()}


def given(**changes) -> donors.DonorInput:
    values = {"name": "张三丰", "unit": "市第一中学", "phone": PHONE, "district": "anci", "group": "O", "rh": "pos",
              "group_donor": True, "confirmed_on": None, **changes}
    return donors.DonorInput(**values)


@pytest.mark.usefixtures("ctx")
def test_the_phone_hash_is_keyed_and_reveals_nothing_of_the_number(app, db):
    first = donors.register(session=db, actor=user_named(db, "blood"), given=given(phone="138 1234-5678"), today=TODAY)
    db.commit()
    stored = db.execute(text("SELECT phone_hash FROM blood_donor WHERE id = :id"), {"id": first.id}).scalar_one()
    assert len(stored) == 64 and PHONE not in stored and "5678" not in stored
    assert stored == donor_vault.phone_hash(PHONE)  # the normalised number, spaces and hyphens dropped
    assert stored != hashlib.sha256(PHONE.encode()).hexdigest()  # a plain hash could be tested against guesses
    app.config["DONOR_HASH_KEY"] = "cd" * 32
    assert donor_vault.phone_hash(PHONE) == hmac.new(bytes.fromhex("cd" * 32), PHONE.encode(),
                                                     hashlib.sha256).hexdigest() != stored


@pytest.mark.usefixtures("ctx")
def test_a_second_donor_with_the_same_phone_is_refused_and_nothing_is_written(db):
    blood, health = user_named(db, "blood"), user_named(db, "health")
    first = donors.register(session=db, actor=blood, given=given(), today=TODAY)
    db.commit()
    before = count_rows(db, BloodDonor)
    with pytest.raises(Conflict) as refused:
        donors.register(session=db, actor=health, given=given(name="李四", phone="138-1234 5678", district="sanhe"),
                        today=TODAY)
    db.rollback()
    assert refused.value.code == "duplicate_donor" and refused.value.status == 409
    assert messages(refused.value)["phone"] == [f"already registered (donor {first.id})"]
    assert count_rows(db, BloodDonor) == before
    other = donors.register(session=db, actor=blood, given=given(phone="13812345679"), today=TODAY)
    assert other.id != first.id


@pytest.mark.usefixtures("ctx")
def test_the_unique_constraint_decides_not_a_look_up(db, monkeypatch):
    """Even if the look-up saw nothing (another registration not yet visible to it), the insert is refused."""
    blood = user_named(db, "blood")
    donors.register(session=db, actor=blood, given=given(), today=TODAY)
    db.commit()
    before = count_rows(db, BloodDonor)
    monkeypatch.setattr(donors, "_registered", lambda session, hashes: {})
    with pytest.raises(Conflict) as refused:
        donors.register(session=db, actor=blood, given=given(name="王五"), today=TODAY)
    db.rollback()
    assert refused.value.code == "duplicate_donor" and messages(refused.value)["phone"] == ["already registered"]
    assert count_rows(db, BloodDonor) == before


def test_two_registrations_of_one_phone_at_once_keep_one(app, db):
    """The first holds its registration uncommitted while the second tries to write the same number; once the first
    commits, the second is a 409 (the unique constraint, on SQLite and PostgreSQL)."""
    import time
    from concurrent.futures import ThreadPoolExecutor

    from sqlmodel import Session

    from inventory.db import engine_for
    from tests.helpers import DATABASE_URL

    def second() -> str:
        with app.app_context(), Session(engine_for(DATABASE_URL), expire_on_commit=False) as session:
            try:
                donors.register(session=session, actor=user_named(session, "health"), given=given(name="李四"),
                                today=TODAY)
                session.commit()
                return "registered"
            except Conflict as refused:
                session.rollback()
                return refused.code

    with app.app_context(), Session(engine_for(DATABASE_URL), expire_on_commit=False) as first, \
            ThreadPoolExecutor(1) as pool:
        donors.register(session=first, actor=user_named(first, "blood"), given=given(), today=TODAY)
        waiting = pool.submit(second)
        time.sleep(0.5)  # the second waits for the write lock or for the first's row
        first.commit()
        assert waiting.result(timeout=30) == "duplicate_donor"
    with app.app_context():
        digest = donor_vault.phone_hash(PHONE)
    db.expire_all()
    assert len(db.exec(select(BloodDonor).where(BloodDonor.phone_hash == digest)).all()) == 1


@pytest.mark.usefixtures("ctx")
def test_a_csv_lists_every_phone_registered_or_repeated_and_writes_nothing(db):
    blood = user_named(db, "blood")
    first = donors.register(session=db, actor=blood, given=given(), today=TODAY)
    db.commit()
    before = count_rows(db, BloodDonor)
    text_ = (CSV_HEADER + "王伟,供电公司,13900000001,sanhe,A,pos,yes,\n"
             "李娜,供电公司,138 1234 5678,sanhe,A,pos,yes,\n"
             "赵强,医院,139-0000-0001,bazhou,B,pos,no,\n")
    with pytest.raises(Invalid) as refused:
        donors.import_csv(session=db, actor=blood, text=text_, today=TODAY)
    db.rollback()
    assert messages(refused.value) == {"row 3": [f"phone: already registered (donor {first.id})"],
                                    "row 4": ["phone: the same number as row 2"]}
    assert count_rows(db, BloodDonor) == before


def test_the_api_answers_409_duplicate_donor(api, db):
    donor = {"name": "欧阳明月", "unit": "廊坊供电公司", "phone": "13912345678", "district": "sanhe", "group": "AB",
             "rh": "neg", "group_donor": True}
    made = api("blood").post("/blood/donors", json=donor)
    assert made.status_code == 201
    before = count_rows(db, BloodDonor)
    error = assert_error(api("health").post("/blood/donors", json={**donor, "phone": "139 1234 5678"}), 409,
                         "duplicate_donor")
    assert error["fields"]["phone"] == [f"already registered (donor {made.get_json()['id']})"]
    assert "13912345678" not in str(error)
    assert count_rows(db, BloodDonor) == before
    csv_error = assert_error(api("blood").post("/blood/donors/import", json={
        "csv": CSV_HEADER + "王伟,供电公司,13912345678,sanhe,A,pos,yes,\n"}), 422, "validation_error")
    assert list(csv_error["fields"]) == ["row 2"]


def test_the_form_shows_the_refusal_on_the_phone_and_writes_nothing(login_as, db):
    client = login_as("blood")
    client.get("/lang/en")
    data = {"name": "司马光", "unit": "市人民医院", "phone": "13712345678", "district": "guangyang", "group": "A",
            "rh": "pos", "group_donor": "y", "confirmed_on": ""}
    assert client.post("/blood/donors/new", data=data).status_code == 302
    before = count_rows(db, BloodDonor)
    response = client.post("/blood/donors/new", data={**data, "name": "司马迁"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "already registered (donor" in page and "a donor with this phone number is already registered" in page
    assert count_rows(db, BloodDonor) == before


@pytest.mark.usefixtures("ctx")
def test_keys_from_donor_keys_need_the_hash_key_beside_them(app, db):
    """Fernet keys given in DONOR_KEYS are shared by every machine; a hash key made in one machine's instance folder
    would not be, and duplicates registered on two machines would pass: the hash key must be given too."""
    from cryptography.fernet import Fernet

    clear_register(db)
    app.config["DONOR_KEYS"] = Fernet.generate_key().decode()
    with pytest.raises(RuntimeError, match="DONOR_HASH_KEY"):
        donors.register(session=db, actor=user_named(db, "blood"), given=given(), today=TODAY)
    db.rollback()
    for bad in ("not-hex", "ab" * 8):
        app.config["DONOR_HASH_KEY"] = bad
        with pytest.raises(RuntimeError, match="DONOR_HASH_KEY"):
            donor_vault.phone_hash(PHONE)
    assert count_rows(db, BloodDonor) == 0
