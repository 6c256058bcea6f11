"""The emergency donor register (blood-supply plan §六(一): 在确保信息安全的前提下…姓名、单位、联系电话、血型…每年确认1次,
报…指挥部办公室备案): names and phones encrypted at rest and masked in lists, row-numbered CSV errors with nothing
written, the yearly confirmation and filing, key rotation, and bad input refused."""
from __future__ import annotations

from datetime import date

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlmodel import select

from inventory.core.errors import Conflict, Invalid, NotFound
from inventory.models import AuditEvent, BloodDonor, DonorFiling
from inventory.services.blood import donor_vault, donors
from tests.blood.donor_helpers import clear_register
from tests.helpers import count_rows, user_named

D = date.fromisoformat
TODAY = D("2026-06-30")
PHONE, NAME = "13812345678", "张三丰"


def given(**changes) -> donors.DonorInput:
    values = {"name": NAME, "unit": "市第一中学", "phone": PHONE, "district": "anci", "group": "O", "rh": "pos",
              "group_donor": True, "confirmed_on": None, **changes}
    return donors.DonorInput(**values)


def test_masks_keep_the_family_name_and_the_ends_of_the_number():
    assert donor_vault.mask_name("张三") == "张*"
    assert donor_vault.mask_name("欧阳明月") == "欧***"
    assert donor_vault.mask_name("李") == "李*"
    assert donor_vault.mask_phone("13812341234") == "138****1234"
    assert donor_vault.mask_phone("03161234567") == "031****4567"


@pytest.mark.usefixtures("ctx")
def test_name_and_phone_are_encrypted_at_rest_and_shown_only_on_the_record(db):
    blood = user_named(db, "blood")
    donor = donors.register(session=db, actor=blood, given=given(phone="138 1234-5678"), today=TODAY)
    db.commit()
    raw = db.execute(text("SELECT * FROM blood_donor WHERE id = :id"), {"id": donor.id}).mappings().one()
    stored = " ".join(str(value) for value in raw.values())
    assert PHONE not in stored and "5678" not in stored and NAME not in stored
    assert raw["phone_token"].startswith("gAAAAA")  # a Fernet token
    full = donors.donor(session=db, actor=blood, donor_id=donor.id)
    assert (full.name, full.phone, full.full, full.echelon, full.last_confirmed_on) == (NAME, PHONE, True, 1, TODAY)
    listed, _ = donors.donors_page(session=db, actor=user_named(db, "health"), district="anci", limit=500)
    mine = next(row for row in listed if row.id == donor.id)
    assert (mine.name, mine.phone, mine.full) == ("张**", "138****5678", False)


@pytest.mark.usefixtures("ctx")
def test_the_audit_event_carries_masked_values_only(db):
    donor = donors.register(session=db, actor=user_named(db, "blood"), given=given(), today=TODAY)
    db.commit()
    event = db.exec(select(AuditEvent).where(AuditEvent.entity == "blood_donor",
                                             AuditEvent.entity_id == str(donor.id))).one()
    assert event.after["name"] == "张**" and event.after["phone"] == "138****5678"
    assert PHONE not in str(event.after) and NAME not in str(event.after)


@pytest.mark.parametrize("changes, field", [
    ({"group": "C"}, "group"), ({"rh": "+"}, "rh"), ({"district": "beijing"}, "district"),
    ({"phone": "12345"}, "phone"), ({"phone": "23812345678"}, "phone"), ({"name": ""}, "name"),
    ({"name": "x" * 33}, "name"), ({"unit": ""}, "unit"), ({"group_donor": "maybe"}, "group_donor"),
    ({"confirmed_on": "2026-07-01"}, "confirmed_on"), ({"confirmed_on": "30/06/2026"}, "confirmed_on"),
])
@pytest.mark.usefixtures("ctx")
def test_bad_input_is_refused_with_its_field_and_nothing_is_written(db, changes, field):
    before = count_rows(db, BloodDonor)
    with pytest.raises(Invalid) as refused:
        donors.register(session=db, actor=user_named(db, "blood"), given=given(**changes), today=TODAY)
    db.rollback()
    assert field in refused.value.fields
    assert count_rows(db, BloodDonor) == before


@pytest.mark.usefixtures("ctx")
def test_csv_import_writes_every_row_or_none_with_row_numbers(db):
    blood, before = user_named(db, "blood"), count_rows(db, BloodDonor)
    bad = ("name,unit,phone,district,group,rh,group_donor,confirmed_on\n"
           "王伟,供电公司,13900000001,sanhe,A,pos,yes,2026-01-05\n"
           "李娜,供电公司,139000,sanhe,A,pos,yes,\n"
           "\n"
           "赵强,医院,13900000003,nowhere,Q,pos,是,\n")
    with pytest.raises(Invalid) as refused:
        donors.import_csv(session=db, actor=blood, text=bad, today=TODAY)
    db.rollback()
    fields = refused.value.fields
    assert set(fields) == {"row 3", "row 5"}
    assert any(message.startswith("phone:") for message in fields["row 3"])
    assert {m.split(":")[0] for m in fields["row 5"]} == {"district", "group"}
    assert count_rows(db, BloodDonor) == before
    with pytest.raises(Invalid) as header:
        donors.import_csv(session=db, actor=blood, text="name,phone\n王伟,13900000001\n", today=TODAY)
    assert "row 1" in header.value.fields
    good = ("\ufeffname,unit,phone,district,group,rh,group_donor,confirmed_on\n"
            "王伟,供电公司,13900000001,sanhe,A,pos,yes,2026-01-05\n"
            "李娜,供电公司,13900000002,bazhou,B,neg,no,\n")
    made = donors.import_csv(session=db, actor=blood, text=good, today=TODAY)
    db.commit()
    assert [(d.abo_group, d.rh, d.group_donor, d.last_confirmed_on) for d in made] == [
        ("A", "pos", True, D("2026-01-05")), ("B", "neg", False, TODAY)]
    assert count_rows(db, BloodDonor) == before + 2


@pytest.mark.usefixtures("ctx")
def test_confirming_sets_today_and_is_audited(db):
    blood = user_named(db, "blood")
    donor = donors.register(session=db, actor=blood, given=given(confirmed_on="2025-01-01"), today=TODAY)
    confirmed = donors.confirm(session=db, actor=user_named(db, "health"), donor_id=donor.id, today=TODAY)
    db.commit()
    assert confirmed.last_confirmed_on == TODAY and confirmed.confirmed_by == user_named(db, "health").id
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "blood_donor.confirm")).one()
    assert (event.before, event.after) == ({"last_confirmed_on": "2025-01-01"}, {"last_confirmed_on": "2026-06-30"})


@pytest.mark.usefixtures("ctx")
def test_the_yearly_filing_is_recorded_once_a_year(db):
    health = user_named(db, "health")
    clear_register(db)
    donors.record_filing(session=db, actor=health, year=2026, filed_on=D("2026-03-01"), reference="廊血办备3号",
                         today=TODAY)
    db.commit()
    with pytest.raises(Conflict) as twice:
        donors.record_filing(session=db, actor=health, year=2026, filed_on=D("2026-03-02"), reference="again",
                             today=TODAY)
    assert twice.value.code == "duplicate_filing"
    db.rollback()
    with pytest.raises(Invalid) as bad:
        donors.record_filing(session=db, actor=health, year=2027, filed_on=D("2026-07-01"), reference="",
                             today=TODAY)
    assert set(bad.value.fields) == {"year", "filed_on", "reference"}
    db.rollback()
    assert count_rows(db, DonorFiling) == 1


@pytest.mark.parametrize("username", ["clerk", "approver", "coordinator", "admin", "gov", "viewer", "inspector"])
@pytest.mark.usefixtures("ctx")
def test_nobody_else_reaches_the_register(db, username):
    user, some = user_named(db, username), db.exec(select(BloodDonor.id)).first()
    with pytest.raises(NotFound):
        donors.donor(session=db, actor=user, donor_id=some)
    with pytest.raises(NotFound):
        donors.donors_page(session=db, actor=user)
    with pytest.raises(NotFound):
        donors.register(session=db, actor=user, given=given(), today=TODAY)
    with pytest.raises(NotFound):
        donors.confirm(session=db, actor=user, donor_id=some, today=TODAY)


def test_keys_rotate_older_tokens_still_read_then_are_rewritten(app, db):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with app.app_context():
        clear_register(db)
        app.config["DONOR_KEYS"], app.config["DONOR_HASH_KEY"] = old, "ab" * 32
        donor = donors.register(session=db, actor=user_named(db, "blood"), given=given(), today=TODAY)
        db.commit()
        app.config["DONOR_KEYS"] = f"{new},{old}"
        assert donors.donor(session=db, actor=user_named(db, "blood"), donor_id=donor.id).phone == PHONE
        assert donor_vault.reencrypt(db) == 1
        db.commit()
        app.config["DONOR_KEYS"] = new
        assert donors.donor(session=db, actor=user_named(db, "blood"), donor_id=donor.id).phone == PHONE
