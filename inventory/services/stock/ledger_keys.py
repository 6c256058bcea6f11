"""The secret keys that sign the ledger's hash chain, kept outside the database.

Anyone who can write to the database can rewrite a movement and recompute a plain SHA-256 chain; with an
HMAC they also need a key the database does not hold. Keys come from the environment (``LEDGER_KEYS`` as
``id:hex,id:hex`` and ``LEDGER_KEY_ID`` for the one that signs) or, by default, from ``ledger-keys.json`` in
the instance folder, made on first use. Every movement stores the id of the key that signed it, so a key can
be rotated (``flask ledger rotate-key``) while older movements still verify with theirs.
"""
from __future__ import annotations

import hashlib
import json
import os
import secrets
from functools import lru_cache
from pathlib import Path

from config import INSTANCE_DIR


class UnknownKey(LookupError):
    """A movement names a key nobody has: the chain cannot be verified."""


def _file() -> Path:
    return Path(os.environ.get("LEDGER_KEYS_FILE") or INSTANCE_DIR / "ledger-keys.json")


def _stored_id(name: str, secret: bytes) -> str:
    """The id stored with a movement: the key's name and a fingerprint of the key itself, so a machine that made
    a key of its own under the same name signs with another id, and ``ledger verify`` says "unknown key"."""
    return f"{name}-{hashlib.sha256(b'reserve ledger key|' + secret).hexdigest()[:8]}"


@lru_cache(maxsize=1)
def _keyring() -> tuple[str, dict[str, bytes]]:
    """(id of the signing key, every key by id), read once per process."""
    if os.environ.get("LEDGER_KEYS"):
        named = dict(item.split(":", 1) for item in os.environ["LEDGER_KEYS"].split(",") if item)
        current = os.environ.get("LEDGER_KEY_ID") or sorted(named)[-1]
    else:
        path = _file()
        if not path.exists():
            _write(path, {"current": "k1", "keys": {"k1": secrets.token_hex(32)}})
        stored = json.loads(path.read_text())
        named, current = stored["keys"], stored["current"]
    keys = {name: bytes.fromhex(secret) for name, secret in named.items()}
    return _stored_id(current, keys[current]), {_stored_id(name, secret): secret for name, secret in keys.items()}


def _write(path: Path, stored: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(stored, indent=2))
    temporary.chmod(0o600)
    temporary.replace(path)


def signing_key() -> tuple[str, bytes]:
    current, keys = _keyring()
    return current, keys[current]


def key(key_id: str) -> bytes:
    keys = _keyring()[1]
    if key_id not in keys:
        raise UnknownKey(key_id)
    return keys[key_id]


def rotate() -> str:
    """A new signing key in the instance file; the old ones stay for verifying older movements."""
    if os.environ.get("LEDGER_KEYS"):
        raise RuntimeError("the ledger keys come from LEDGER_KEYS: rotate them there")
    path = _file()
    _keyring()  # makes the file on first use
    stored = json.loads(path.read_text())
    new_id = f"k{len(stored['keys']) + 1}"
    stored["keys"][new_id] = secrets.token_hex(32)
    stored["current"] = new_id
    _write(path, stored)
    _keyring.cache_clear()
    return new_id
