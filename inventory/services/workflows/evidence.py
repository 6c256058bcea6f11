"""Evidence files (photos and PDFs) of a scrap, kept on disk outside the database, named by their SHA-256.

The type is read from the content (magic bytes), never from the name or the browser's claim: a ``.jpg`` that is
really a script is refused. No maintained detection library (``filetype``, ``python-magic``) is installed, and
the three accepted types are told apart by their first bytes, so they are checked here. A file is written once
under ``<attachments folder>/<first two hex digits>/<sha256>`` (written to a temporary name, then renamed), so
the same file uploaded twice is stored once, and reading it back checks the hash again.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l

from inventory.core import settings
from inventory.core.errors import Conflict, Invalid

#: media type -> the bytes its content starts with
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "application/pdf": (b"%PDF-",),
}
SUFFIXES = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}


@dataclass(frozen=True)
class Checked:
    content_type: str
    sha256: str
    size: int
    stored_as: str


def evidence_policy(content_type: str) -> str:
    """The Content-Security-Policy a file is served with: nothing of ours runs beside it. A photo is sandboxed; a
    PDF is not (browsers refuse to open a sandboxed PDF in their viewer) but may load nothing."""
    if content_type == "application/pdf":
        return "default-src 'none'; object-src 'self'"
    return "default-src 'none'; img-src 'self'; sandbox"


def sniff(content: bytes) -> str | None:
    """The accepted media type the content is, by its first bytes; None for anything else."""
    for media_type, starts in SIGNATURES.items():
        if content.startswith(starts):
            return media_type
    return None


def check(filename: str, content: bytes) -> Checked:
    """A JPEG, PNG or PDF within the size limit; 422 naming ``file`` otherwise (nothing is written)."""
    limit = settings.scrap_attachment_max_bytes()
    if not filename.strip():
        raise Invalid.field("file", _l("choose a file"))
    if len(filename) > 255:
        raise Invalid.field("file", _l("the file name is longer than %(count)s characters", count=255))
    if not content:
        raise Invalid.field("file", _l("the file is empty"))
    if len(content) > limit:
        raise Invalid.field("file", _l("the file is larger than %(size)s MB", size=f"{limit / 1024 / 1024:g}"))
    media_type = sniff(content)
    if media_type is None:
        raise Invalid.field("file", _l("only JPEG or PNG photos and PDF documents are accepted; the content of "
                                       "this file is none of them"))
    digest = hashlib.sha256(content).hexdigest()
    return Checked(media_type, digest, len(content), f"{digest[:2]}/{digest}")


def folder() -> Path:
    return Path(settings.attachments_folder())


def store(checked: Checked, content: bytes) -> None:
    """Write the file once (a same-named file has the same content); the caller has checked it."""
    target = folder() / checked.stored_as
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read(stored_as: str, sha256: str) -> bytes:
    """The file's bytes, refused (409) if they no longer match the hash recorded at upload."""
    path = folder() / stored_as
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise Conflict(_l("the evidence file is missing from the store"), code="evidence_missing") from None
    if hashlib.sha256(content).hexdigest() != sha256:
        raise Conflict(_l("the evidence file no longer matches its recorded hash"), code="evidence_altered")
    return content
