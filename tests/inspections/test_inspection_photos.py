"""Inspection photos: typed by content, size-limited, stored once under their SHA-256 outside the database, shown
only to those who see the inspection; a refused file leaves no row and no file."""
from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from inventory.models import AuditEvent, InspectionPhoto
from tests.helpers import assert_error, count_rows
from tests.inspections.making import record

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
PDF = b"%PDF-1.4\n" + b"0" * 200
JPEG = b"\xff\xd8\xff\xe0" + bytes(60)


@pytest.fixture
def folder(app, tmp_path) -> Path:
    app.config["INSPECTION_FILES_DIR"] = str(tmp_path)
    return tmp_path


def _upload(api, username: str, inspection_id: int, content: bytes, name: str, caption: str = ""):
    return api(username).post(f"/inspections/{inspection_id}/photos", content_type="multipart/form-data",
                              data={"file": (io.BytesIO(content), name), "caption": caption})


def _stored(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


def test_a_photo_is_stored_once_under_its_hash_and_shown_to_who_sees_the_inspection(api, db, folder):
    made = record(api, db)
    response = _upload(api, "inspector", made["id"], PNG, "仓库.png", "2号仓消防栓")
    assert response.status_code == 201, response.get_json()
    photo = response.get_json()
    digest = hashlib.sha256(PNG).hexdigest()
    assert (photo["sha256"], photo["media_type"], photo["size"], photo["filename"]) == (
        digest, "image/png", len(PNG), "仓库.png")
    assert _stored(folder) == [folder / digest[:2] / digest]
    again = _upload(api, "officer", made["id"], PNG, "copy.png")
    assert again.get_json()["id"] == photo["id"] and count_rows(db, InspectionPhoto) == 1
    assert _upload(api, "inspector", made["id"], JPEG, "a.jpg").get_json()["media_type"] == "image/jpeg"
    assert _upload(api, "inspector", made["id"], PDF, "report.pdf").get_json()["media_type"] == "application/pdf"
    path = f"/inspections/{made['id']}/photos/{photo['id']}"
    for username in ("clerk", "inspector", "coordinator"):
        shown = api(username).get(path)
        assert shown.status_code == 200 and shown.data == PNG and shown.mimetype == "image/png"
        assert shown.headers["X-Content-Type-Options"] == "nosniff"
    for username in ("coldclerk", "emofficer"):
        assert_error(api(username).get(path), 404, "not_found")
    assert_error(api("inspector").get(f"/inspections/{made['id']}/photos/99999"), 404, "not_found")
    assert len(api("clerk").get(f"/inspections/{made['id']}").get_json()["photos"]) == 3


def test_a_script_named_jpg_an_empty_or_oversized_file_is_refused_and_nothing_stored(app, api, db, folder):
    made = record(api, db)
    before = (count_rows(db, InspectionPhoto), count_rows(db, AuditEvent))
    script = b"#!/bin/sh\nrm -rf /\n"
    assert "file" in assert_error(_upload(api, "inspector", made["id"], script, "photo.jpg"), 422,
                                  "validation_error")["fields"]
    html = b"<html><script>alert(1)</script></html>"
    assert_error(_upload(api, "inspector", made["id"], html, "photo.png"), 422, "validation_error")
    assert_error(_upload(api, "inspector", made["id"], b"", "photo.png"), 422, "validation_error")
    app.config["INSPECTION_FILE_MAX_BYTES"] = 100
    assert "file" in assert_error(_upload(api, "inspector", made["id"], PDF, "big.pdf"), 422,
                                  "validation_error")["fields"]
    assert (count_rows(db, InspectionPhoto), count_rows(db, AuditEvent)) == before
    assert _stored(folder) == []


def test_only_the_inspecting_bureau_adds_photos_while_the_inspection_is_open(api, db, folder):
    made = record(api, db)
    assert_error(_upload(api, "clerk", made["id"], PNG, "a.png"), 403, "forbidden")
    assert_error(_upload(api, "coordinator", made["id"], PNG, "a.png"), 403, "forbidden")
    assert_error(_upload(api, "emofficer", made["id"], PNG, "a.png"), 404, "not_found")
    assert_error(api("inspector").post(f"/inspections/{made['id']}/photos", json={}), 415, "unsupported_media_type")
    assert api("inspector").post(f"/inspections/{made['id']}/actions/close", json={}).status_code == 200
    assert_error(_upload(api, "inspector", made["id"], PNG, "a.png"), 409, "illegal_transition")
    assert _stored(folder) == []


def test_a_file_changed_on_disk_is_not_served(api, db, folder):
    made = record(api, db)
    photo = _upload(api, "inspector", made["id"], PNG, "a.png").get_json()
    (folder / photo["sha256"][:2] / photo["sha256"]).write_bytes(PNG + b"tampered")
    assert_error(api("clerk").get(f"/inspections/{made['id']}/photos/{photo['id']}"), 409, "file_altered")
