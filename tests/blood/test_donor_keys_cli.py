"""``flask donors rotate-key`` (docs/blood.md, "Personal data"): every name and phone re-encrypted under a new Fernet
key, the older keys dropped from the instance file, so the register reads back with the new key alone; the phone
hashes (another key) stay, so duplicates are still refused; audited with the count only."""
from __future__ import annotations

import json
from datetime import date

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlmodel import select

from inventory.core.errors import Conflict
from inventory.models import AuditEvent, BloodDonor
from inventory.services.blood import donor_vault, donors
from tests.blood.donor_helpers import clear_register
from tests.helpers import user_named

TODAY = date(2026, 6, 30)
PEOPLE = [("张三丰", "13812345678"), ("欧阳明月", "0316-2345678")]


def register(db, name: str, phone: str) -> BloodDonor:
    return donors.register(session=db, actor=user_named(db, "blood"), given=donors.DonorInput(
        name=name, unit="市第一中学", phone=phone, district="anci", group="O", rh="pos", group_donor=True),
        today=TODAY)


@pytest.fixture
def key_file(app, db, tmp_path):
    """An instance key file of the test's own, and a register of two donors written under its first key."""
    app.config["DONOR_KEYS_FILE"] = str(tmp_path / "donor-keys.json")
    with app.app_context():
        clear_register(db)
        for name, phone in PEOPLE:
            register(db, name, phone)
        db.commit()
    return tmp_path / "donor-keys.json"


def stored(path) -> dict:
    return json.loads(path.read_text())


def test_rotate_key_reencrypts_and_the_new_key_alone_reads_the_register(app, db, key_file):
    old = stored(key_file)
    hashes = {d.id: d.phone_hash for d in db.exec(select(BloodDonor))}
    result = app.test_cli_runner().invoke(args=["donors", "rotate-key"])
    assert result.exit_code == 0, result.output
    assert "re-encrypted 2 donors" in result.output
    new = stored(key_file)
    assert len(new["keys"]) == 1 and new["keys"][0] not in old["keys"]
    assert new["hash_key"] == old["hash_key"]
    only_new, only_old = Fernet(new["keys"][0].encode()), Fernet(old["keys"][0].encode())
    db.expire_all()
    rows = db.exec(select(BloodDonor).order_by(BloodDonor.id)).all()
    assert [(only_new.decrypt(r.name_token.encode()).decode(), only_new.decrypt(r.phone_token.encode()).decode())
            for r in rows] == [("张三丰", "13812345678"), ("欧阳明月", "03162345678")]
    with pytest.raises(InvalidToken):
        only_old.decrypt(rows[0].phone_token.encode())
    assert {r.id: r.phone_hash for r in rows} == hashes
    with app.app_context():
        app.config["DONOR_KEYS"], app.config["DONOR_HASH_KEY"] = new["keys"][0], new["hash_key"]
        assert donors.donor(session=db, actor=user_named(db, "health"), donor_id=rows[1].id).name == "欧阳明月"
        with pytest.raises(Conflict):
            register(db, "李四", "138 1234 5678")
        db.rollback()
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "blood_donor.reencrypt")).one()
    assert event.after == {"rows": 2} and event.actor_id is None


def test_keep_old_keeps_the_older_keys_readable(app, db, key_file):
    old = stored(key_file)["keys"]
    result = app.test_cli_runner().invoke(args=["donors", "rotate-key", "--keep-old"])
    assert result.exit_code == 0, result.output
    assert stored(key_file)["keys"][1:] == old


def test_keys_from_donor_keys_are_rotated_there(app, db, key_file):
    """With DONOR_KEYS the operator puts the new key first; the command re-encrypts under it and writes no file."""
    old, new = stored(key_file), Fernet.generate_key().decode()
    app.config["DONOR_KEYS"], app.config["DONOR_HASH_KEY"] = f"{new},{old['keys'][0]}", old["hash_key"]
    result = app.test_cli_runner().invoke(args=["donors", "rotate-key"])
    assert result.exit_code == 0, result.output
    assert "remove the older ones there" in result.output
    assert stored(key_file) == old
    db.expire_all()
    assert all(Fernet(new.encode()).decrypt(r.name_token.encode()) for r in db.exec(select(BloodDonor)))


def test_a_row_written_under_an_older_key_keeps_the_older_keys(app, db, key_file):
    """A registration racing the rotation may write under the key it read before: the older keys must then stay."""
    with app.app_context():
        donor_vault.rotate_key()
        assert donor_vault.unreadable_with_newest(db) == 2
        donor_vault.reencrypt(db)
        db.commit()
        assert donor_vault.unreadable_with_newest(db) == 0
        older = Fernet(stored(key_file)["keys"][1].encode())
        row = db.exec(select(BloodDonor)).first()
        row.name_token = older.encrypt("张三丰".encode()).decode()
        db.add(row)
        db.commit()
        assert donor_vault.unreadable_with_newest(db) == 1
