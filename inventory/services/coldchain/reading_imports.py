"""A facility's readings uploaded as a CSV file (docs/coldchain.md, ingest): an import job of kind ``readings``,
run by the import machinery (services/stock/imports.py: the job row, its claim, its progress on a connection of
its own, the sweep) and taken in by chunks through the API's path, ``ingest.ingest`` — each row checked on its
own, the valid ones bulk-inserted and committed chunk by chunk (partial acceptance), a repeat of (sensor, time)
ignored, so the same file uploaded twice stores nothing new. The rows refused are listed afterwards by their
spreadsheet row number.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from inventory import scope
from inventory.core.errors import DomainError, Invalid
from inventory.core.vocab import ImportKind
from inventory.models import Facility, ImportJob, User
from inventory.services.coldchain import ingest
from inventory.services.stock import imports
from inventory.services.stock.receipt_files import RowError, column_key, spreadsheet_rows

COLUMNS = ("at", "celsius", "humidity", "sensor", "lat", "lon")
#: how the columns (and the file itself) read where a row's error names them
COLUMN_LABELS = {"at": _l("Time"), "celsius": _l("Temperature (°C)"), "humidity": _l("Humidity (%)"),
                 "sensor": _l("Sensor"), "lat": _l("Latitude"), "lon": _l("Longitude"), "file": _l("File")}
REQUIRED = ("at", "celsius")
#: the Chinese headers an operator may write instead of the keys
ALIASES = {"时间": "at", "温度": "celsius", "湿度": "humidity", "传感器": "sensor", "纬度": "lat", "经度": "lon"}
#: readings per ``ingest`` call and commit; the progress moves on after each
CHUNK = 2_000


def create_job(*, session: Session, actor: User, facility_code: str, filename: str, content: bytes) -> ImportJob:
    """A queued job for the facility; 404 for one the actor cannot see, 403 for one it may not feed. The caller
    commits, then enqueues it (``workers.tasks.run_import``)."""
    facility = scope.coldchain.require_facility_writer(session, actor, "ingest", "reading", facility_code)
    if not filename.lower().endswith(".csv"):
        raise Invalid.field("file", _l("upload a .csv file"))
    if not content:
        raise Invalid.field("file", _l("the file is empty"))
    job = ImportJob(kind=ImportKind.readings, facility_id=facility.id, user_id=actor.id,
                    enterprise_id=facility.enterprise_id, filename=filename[-255:], content=content, dry_run=False)
    session.add(job)
    session.flush()
    return job


def _header(cells: list[Any], row: int) -> tuple[dict[str, int], list[RowError]]:
    columns: dict[str, int] = {}
    errors: list[RowError] = []
    for index, cell in enumerate(cells):
        key = column_key(cell)
        key = ALIASES.get(key, key)
        if not key:
            continue
        if key not in COLUMNS:
            errors.append(RowError(row, str(cell), _l("unknown column")))
        elif key in columns:
            errors.append(RowError(row, key, _l("the column appears more than once")))
        else:
            columns[key] = index
    return columns, errors + [RowError(row, key, _l("missing column")) for key in REQUIRED if key not in columns]


def _reading(cells: list[Any], columns: dict[str, int]) -> dict[str, str]:
    """The row as the API's reading: the filled cells, as text (ingest reads numbers from decimal text)."""
    found = {key: cells[index] for key, index in columns.items() if index < len(cells)}
    return {key: str(value).strip() for key, value in found.items() if value is not None and str(value).strip()}


def _chunks(rows: Iterator[tuple[int, list[Any]]], size: int) -> Iterator[list[tuple[int, list[Any]]]]:
    chunk: list[tuple[int, list[Any]]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run(*, session: Session, job_id: int, progress: imports.Progress, progress_every: int,
        today: date | None = None) -> None:
    """Take the file in chunk by chunk, each committed; the job ends ``done`` with the rows refused listed, or
    ``failed`` when the file cannot be read or its uploader may no longer feed the facility."""
    job = session.get(ImportJob, job_id)
    actor, facility = session.get(User, job.user_id), session.get(Facility, job.facility_id)
    if actor is None or not actor.active:
        progress.finish("failed", [RowError(None, "", _l("the uploader may no longer send readings"))])
        return
    try:
        total = sum(1 for _ in spreadsheet_rows(job.content, job.filename)) - 1
        rows = spreadsheet_rows(job.content, job.filename)
        number, header = next(rows)
    except (Invalid, StopIteration) as error:
        message = error.message if isinstance(error, Invalid) else _l("the file is empty")
        progress.finish("failed", [RowError(None, "file", message)])
        return
    columns, errors = _header(header, number)
    if errors:
        progress.finish("failed", errors)
        return
    progress.report(total_rows=max(total, 0))
    processed = stored = duplicates = 0
    for chunk in _chunks(rows, min(progress_every, CHUNK) if progress_every else CHUNK):
        try:
            result = ingest.ingest(session=session, actor=actor, facility_code=facility.code,
                                   readings=[_reading(cells, columns) for _, cells in chunk])
        except DomainError as error:  # the uploader lost the right to feed the facility meanwhile
            session.rollback()
            progress.finish("failed", [*errors, RowError(chunk[0][0], "", error.message)])
            return
        session.commit()
        errors += [RowError(chunk[r.index][0], r.field, r.error) for r in result.rejected]
        processed, stored, duplicates = (processed + len(chunk), stored + result.stored,
                                         duplicates + result.duplicates)
        progress.report(processed_rows=processed, stored_rows=stored, duplicate_rows=duplicates)
    progress.finish("done", errors)


imports.RUNNERS[ImportKind.readings] = run
