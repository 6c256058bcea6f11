"""Revision 0019 gives the donors already registered their phone hash (docs/blood.md, "Donor teams"): each token is
decrypted with the donor keys and hashed as a registration would; two donors sharing a phone, or a token the keys do
not read, stop the upgrade with their ids and change nothing."""
from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text

from inventory.cli import alembic_config
from inventory.services.blood import donor_vault
from tests.core.test_migrations import scratch_url  # noqa: F401  (the fixture: an empty database of the suite's kind)

BEFORE = "0017_coldchain_certificates"


def _with_donors(url: str, tokens: list[str]) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        district = conn.execute(text("SELECT min(id) FROM district")).scalar_one()
        conn.execute(text("INSERT INTO organisation (id, code, name, kind, active, created_at) "
                          "VALUES (1, 'BS', 'b', 'blood_station', true, CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO \"user\" (id, username, display_name, org_id, role, password_hash, active, "
                          "created_at, session_epoch) VALUES (1, 'blood', '', 1, 'blood_officer', 'x', true, "
                          "CURRENT_TIMESTAMP, 0)"))
        for number, token in enumerate(tokens, start=1):
            conn.execute(text("INSERT INTO blood_donor (id, name_token, phone_token, unit, district_id, abo_group, rh, "
                              "group_donor, last_confirmed_on, created_by, created_at) VALUES (:id, :name, :phone, "
                              "'u', :district, 'O', 'pos', true, '2026-01-05', 1, CURRENT_TIMESTAMP)"),
                         {"id": number, "name": donor_vault.encrypt("张三"), "phone": token, "district": district})
    engine.dispose()


@pytest.fixture
def keys(app, tmp_path):
    app.config["DONOR_KEYS_FILE"] = str(tmp_path / "donor-keys.json")
    with app.app_context():
        yield


@pytest.mark.usefixtures("keys")
def test_existing_donors_get_their_phone_hash(scratch_url):  # noqa: F811
    cfg = alembic_config(scratch_url)
    command.upgrade(cfg, BEFORE)
    _with_donors(scratch_url, [donor_vault.encrypt("13812345678"), donor_vault.encrypt("03162345678")])
    command.upgrade(cfg, "head")
    engine = create_engine(scratch_url)
    with engine.connect() as conn:
        stored = dict(conn.execute(text("SELECT id, phone_hash FROM blood_donor")).all())
    engine.dispose()
    assert stored == {1: donor_vault.phone_hash("13812345678"), 2: donor_vault.phone_hash("03162345678")}


@pytest.mark.parametrize("second, message", [("13812345678", r"sharing a phone number: \[\[1, 2\]\]"),
                                             (None, r"rows \[2\] do not decrypt")])
@pytest.mark.usefixtures("keys")
def test_shared_or_unreadable_phones_stop_the_upgrade_and_change_nothing(scratch_url, second, message):  # noqa: F811
    cfg = alembic_config(scratch_url)
    command.upgrade(cfg, BEFORE)
    foreign = "gAAAAABfake-token-of-another-key"
    _with_donors(scratch_url, [donor_vault.encrypt("13812345678"), donor_vault.encrypt(second) if second else foreign])
    with pytest.raises(RuntimeError, match=message):
        command.upgrade(cfg, "head")
    engine = create_engine(scratch_url)
    assert "phone_hash" not in {c["name"] for c in inspect(engine).get_columns("blood_donor")}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == BEFORE
    engine.dispose()
