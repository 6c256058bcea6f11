"""Donors' names and phone numbers, encrypted at rest and masked for lists (docs/blood.md, "Donor teams").

The plan asks for the register "在确保信息安全的前提下" (blood-supply plan §六(一)): a name or phone number is stored
only as a Fernet token (AES-128-CBC with an HMAC, from ``cryptography``). The keys are never in the database: the
``DONOR_KEYS`` setting (Fernet keys, comma-separated, the newest first) or, by default, ``donor-keys.json`` in the
instance folder (``DONOR_KEYS_FILE`` to move it), made on first use. Tokens are read with every key (MultiFernet),
so a new key can be added first (``rotate_key``) while older rows still decrypt; ``reencrypt`` then rewrites every
row under the newest key, after which an old key may be dropped.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, MultiFernet
from flask import current_app
from sqlalchemy import update
from sqlmodel import Session, select

from config import INSTANCE_DIR
from inventory.models import BloodDonor

KEY_FILE = "donor-keys.json"


def _configured() -> list[str]:
    keys = current_app.config.get("DONOR_KEYS") or []
    if isinstance(keys, str):
        keys = keys.split(",")
    return [key.strip() for key in keys if key.strip()]


def _file() -> Path:
    return Path(current_app.config.get("DONOR_KEYS_FILE") or INSTANCE_DIR / KEY_FILE)


def _write(path: Path, keys: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"keys": keys}, indent=2))
    temporary.chmod(0o600)
    temporary.replace(path)


def _keys() -> tuple[str, ...]:
    configured = _configured()
    if configured:
        return tuple(configured)
    path = _file()
    if not path.exists():
        _write(path, [Fernet.generate_key().decode()])
    return tuple(json.loads(path.read_text())["keys"])


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def encrypt(value: str) -> str:
    return _fernet(_keys()).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet(_keys()).decrypt(token.encode()).decode()


def rotate_key() -> int:
    """A new newest key in the instance file (the older ones stay, for reading); returns how many there are."""
    if _configured():
        raise RuntimeError("the donor keys come from DONOR_KEYS: add the new key first there")
    keys = [Fernet.generate_key().decode(), *_keys()]
    _write(_file(), keys)
    return len(keys)


def reencrypt(session: Session) -> int:
    """Every donor's tokens rewritten under the newest key; returns the rows rewritten."""
    fernet, count = _fernet(_keys()), 0
    for donor_id, name, phone in session.exec(select(BloodDonor.id, BloodDonor.name_token, BloodDonor.phone_token)):
        session.execute(update(BloodDonor).where(BloodDonor.id == donor_id).values(
            name_token=fernet.rotate(name.encode()).decode(), phone_token=fernet.rotate(phone.encode()).decode()))
        count += 1
    return count


def mask_name(name: str) -> str:
    """The family name and a star per further character: 张三 → 张*, 欧阳明月 → 欧***."""
    return name[:1] + "*" * max(1, len(name) - 1)


def mask_phone(phone: str) -> str:
    """The first three and the last four digits: 13812341234 → 138****1234."""
    return phone[:3] + "*" * max(1, len(phone) - 7) + phone[-4:]
