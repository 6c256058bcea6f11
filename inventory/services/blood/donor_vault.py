"""Donors' names and phone numbers, encrypted at rest and masked for lists (docs/blood.md, "Donor teams").

The plan asks for the register "在确保信息安全的前提下" (blood-supply plan §六(一)): a name or phone number is stored
only as a Fernet token (AES-128-CBC with an HMAC, from ``cryptography``). The keys are never in the database: the
``DONOR_KEYS`` setting (Fernet keys, comma-separated, the newest first) or, by default, ``donor-keys.json`` in the
instance folder (``DONOR_KEYS_FILE`` to move it), made on first use. Tokens are read with every key (MultiFernet),
so a new key can be added first (``rotate_key``) while older rows still decrypt; ``reencrypt`` then rewrites every
row under the newest key, after which an old key may be dropped (``retire_old_keys``; ``flask donors rotate-key``
does all three).

Fernet tokens are randomised, so two tokens of one number never compare equal. To refuse a second donor with the
same phone, each row also keeps ``phone_hash``: an HMAC-SHA256 of the normalised number under a key that is not in
the database either (``DONOR_HASH_KEY``, hex, or ``hash_key`` in the same instance file). Without the key the hash
cannot be tested against guessed numbers, as a plain hash of an 11-digit number could be. It is not rotated with
the Fernet keys: changing it means recomputing every row's hash.

Outside an application (an Alembic migration run by ``alembic`` itself) the settings are read from the environment
(``DONOR_KEYS`` or ``FLASK_DONOR_KEYS``, and so on).
"""
from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app, has_app_context
from sqlalchemy import update
from sqlmodel import Session, select

from config import INSTANCE_DIR
from inventory.models import BloodDonor

KEY_FILE = "donor-keys.json"
#: the shortest hash key accepted: 32 bytes, as long as the HMAC-SHA256 output
HASH_KEY_BYTES = 32


def _setting(name: str) -> Any:
    if has_app_context():
        return current_app.config.get(name)
    return os.environ.get(name) or os.environ.get(f"FLASK_{name}")


def _configured() -> list[str]:
    keys = _setting("DONOR_KEYS") or []
    if isinstance(keys, str):
        keys = keys.split(",")
    return [key.strip() for key in keys if key.strip()]


def _file() -> Path:
    return Path(_setting("DONOR_KEYS_FILE") or INSTANCE_DIR / KEY_FILE)


def _write(path: Path, stored: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(stored, indent=2))
    temporary.chmod(0o600)
    temporary.replace(path)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One writer of the instance file at a time, so two processes starting together keep one set of keys."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _complete(stored: dict[str, Any]) -> bool:
    return bool(stored.get("keys")) and bool(stored.get("hash_key"))


def _stored() -> dict[str, Any]:
    """The instance file's contents, made on first use (a Fernet key and a hash key); a file of an earlier version
    without a hash key gets one, keeping its Fernet keys."""
    path = _file()
    stored = json.loads(path.read_text()) if path.exists() else {}
    if _complete(stored):
        return stored
    with _locked(path):
        stored = json.loads(path.read_text()) if path.exists() else {}
        if not _complete(stored):
            stored = {"keys": stored.get("keys") or [Fernet.generate_key().decode()],
                      "hash_key": stored.get("hash_key") or secrets.token_hex(HASH_KEY_BYTES)}
            _write(path, stored)
    return stored


def _keys() -> tuple[str, ...]:
    configured = _configured()
    if configured:
        return tuple(configured)
    return tuple(_stored()["keys"])


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def encrypt(value: str) -> str:
    return _fernet(_keys()).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet(_keys()).decrypt(token.encode()).decode()


def _hash_key() -> bytes:
    """``DONOR_HASH_KEY``; else the instance file's, unless the Fernet keys come from ``DONOR_KEYS``: then a key
    made on one machine would hash differently from another's, and duplicates would pass unseen."""
    configured = str(_setting("DONOR_HASH_KEY") or "").strip()
    if configured:
        try:
            key = bytes.fromhex(configured)
        except ValueError:
            raise RuntimeError("DONOR_HASH_KEY must be hexadecimal") from None
        if len(key) < HASH_KEY_BYTES:
            raise RuntimeError(f"DONOR_HASH_KEY must hold at least {HASH_KEY_BYTES} bytes ({2 * HASH_KEY_BYTES} hex digits)")
        return key
    if _configured():
        raise RuntimeError("the donor keys come from DONOR_KEYS: set DONOR_HASH_KEY (64 hex digits) beside them")
    return bytes.fromhex(_stored()["hash_key"])


def phone_hash(normal_phone: str) -> str:
    """The keyed hash of an already normalised phone number (services/blood/donors.py ``normal_phone``)."""
    return hmac.new(_hash_key(), normal_phone.encode(), hashlib.sha256).hexdigest()


def rotate_key() -> int:
    """A new newest key in the instance file (the older ones stay, for reading); returns how many there are."""
    if _configured():
        raise RuntimeError("the donor keys come from DONOR_KEYS: add the new key first there")
    _stored()  # makes the file on first use
    with _locked(_file()):
        stored = json.loads(_file().read_text())
        stored["keys"] = [Fernet.generate_key().decode(), *stored["keys"]]
        _write(_file(), stored)
    return len(stored["keys"])


def reencrypt(session: Session) -> int:
    """Every donor's tokens rewritten under the newest key; returns the rows rewritten."""
    fernet, count = _fernet(_keys()), 0
    for donor_id, name, phone in session.exec(select(BloodDonor.id, BloodDonor.name_token, BloodDonor.phone_token)):
        session.execute(update(BloodDonor).where(BloodDonor.id == donor_id).values(
            name_token=fernet.rotate(name.encode()).decode(), phone_token=fernet.rotate(phone.encode()).decode()))
        count += 1
    return count


def unreadable_with_newest(session: Session) -> int:
    """Rows with a token the newest key alone cannot read (written under an older key by a request that raced the
    re-encryption): while there are any, the older keys must stay."""
    newest, left = Fernet(_keys()[0].encode()), 0
    for name, phone in session.exec(select(BloodDonor.name_token, BloodDonor.phone_token)):
        try:
            newest.decrypt(name.encode())
            newest.decrypt(phone.encode())
        except InvalidToken:
            left += 1
    return left


def retire_old_keys() -> None:
    """Only the newest key stays in the instance file: tokens under the older ones (backups too) no longer read."""
    if _configured():
        raise RuntimeError("the donor keys come from DONOR_KEYS: remove the older keys there")
    _stored()
    with _locked(_file()):
        stored = json.loads(_file().read_text())
        stored["keys"] = stored["keys"][:1]
        _write(_file(), stored)


def keys_from_file() -> bool:
    return not _configured()


def mask_name(name: str) -> str:
    """The family name and a star per further character: 张三 → 张*, 欧阳明月 → 欧***."""
    return name[:1] + "*" * max(1, len(name) - 1)


def mask_phone(phone: str) -> str:
    """The first three and the last four digits: 13812341234 → 138****1234."""
    return phone[:3] + "*" * max(1, len(phone) - 7) + phone[-4:]
