"""Photos and documents of an inspection: kept on disk under their SHA-256, outside the database.

The type is read from the content (JPEG, PNG, WebP, PDF by their magic bytes), never from the file's name or the
browser's claim, so a ``.jpg`` that is really a script is refused; the size is bounded (**policy**:
``INSPECTION_FILE_MAX_BYTES``, default 5 MB). A file is written once, under a temporary name renamed into place,
so a reader never sees half a file and the same photo sent twice is stored once. A file written by a request that
is then rolled back stays on disk unreferenced; it holds only what its uploader could see anyway.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from inventory.core.errors import Conflict, Forbidden, Invalid, NotFound
from inventory.core.vocab import InspectionStatus
from inventory.models import InspectionPhoto, User
from inventory import scope
from inventory.services.audit import trail

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
#: a photo a page shows is at most this many per inspection
MAX_FILES = 50
#: (magic bytes at offset 0, media type); WebP is RIFF....WEBP, checked below
SIGNATURES = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"%PDF-", "application/pdf"))


def max_bytes() -> int:
    return int(current_app.config.get("INSPECTION_FILE_MAX_BYTES", DEFAULT_MAX_BYTES))


def folder() -> Path:
    configured = current_app.config.get("INSPECTION_FILES_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "files" / "inspections"


def media_type_of(content: bytes) -> str | None:
    """What the bytes are, by their signature; None for anything else."""
    for magic, media_type in SIGNATURES:
        if content.startswith(magic):
            return media_type
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None


def path_of(sha256: str) -> Path:
    return folder() / sha256[:2] / sha256


def _store(content: bytes, sha256: str) -> None:
    target = path_of(sha256)
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


def add_photo(*, session: Session, actor: User, inspection_id: int, filename: str, content: bytes,
              caption: str = "") -> InspectionPhoto:
    """The inspecting bureau adds a photo or document while the inspection is open; 422 for a wrong type or size,
    nothing stored."""
    inspection = scope.visible_inspection(session, actor, inspection_id)
    if not scope.can(actor, "record", "inspection") or actor.org_id != inspection.bureau_id:
        raise Forbidden(_l("only the bureau that inspected adds photos"))
    if inspection.status != InspectionStatus.open:
        raise Conflict(_l("the inspection is closed"), code="illegal_transition")
    name = os.path.basename((filename or "").replace("\\", "/")).strip()[:255] or "file"
    if len(caption.strip()) > 255:
        raise Invalid.field("caption", _l("at most %(count)s characters", count=255))
    if not content:
        raise Invalid.field("file", _l("the file is empty"))
    if len(content) > max_bytes():
        raise Invalid.field("file", _l("the file is larger than %(size)s MB", size=round(max_bytes() / 1048576, 1)))
    media_type = media_type_of(content)
    if media_type is None:
        raise Invalid.field("file", _l("only JPEG, PNG or WebP photos and PDF documents are accepted (checked by "
                                       "their content)"))
    existing = session.exec(select(InspectionPhoto).where(InspectionPhoto.inspection_id == inspection.id)).all()
    sha256 = hashlib.sha256(content).hexdigest()
    for photo in existing:
        if photo.sha256 == sha256:
            return photo
    if len(existing) >= MAX_FILES:
        raise Conflict(_l("an inspection holds at most %(count)s files", count=MAX_FILES), code="too_many_files")
    _store(content, sha256)
    row = InspectionPhoto(inspection_id=inspection.id, sha256=sha256, media_type=media_type, size=len(content),
                          filename=name, caption=caption.strip(), uploaded_by=actor.id)
    session.add(row)
    session.flush()
    trail.record(session, actor=actor, action="inspection.photo", entity="inspection", entity_id=inspection.id,
                 org_id=inspection.enterprise_id, after={"photo_id": row.id, "sha256": sha256, "size": len(content),
                                                         "media_type": media_type, "filename": name})
    return row


def photos_of(session: Session, inspection_id: int) -> list[InspectionPhoto]:
    return list(session.exec(select(InspectionPhoto).where(InspectionPhoto.inspection_id == inspection_id)
                             .order_by(InspectionPhoto.id)))


def open_photo(*, session: Session, actor: User, inspection_id: int, photo_id: int) -> tuple[InspectionPhoto, bytes]:
    """A photo of an inspection the reader may see (404 otherwise) and its bytes, which must still match their
    hash (409 ``file_altered``: the evidence was changed on disk)."""
    scope.visible_inspection(session, actor, inspection_id)
    photo = session.exec(select(InspectionPhoto).where(InspectionPhoto.id == photo_id,
                                                       InspectionPhoto.inspection_id == inspection_id)).first()
    if photo is None or not path_of(photo.sha256).is_file():
        raise NotFound(_l("photo not found"))
    content = path_of(photo.sha256).read_bytes()
    if hashlib.sha256(content).hexdigest() != photo.sha256:
        raise Conflict(_l("the stored file no longer matches its hash"), code="file_altered")
    return photo, content
