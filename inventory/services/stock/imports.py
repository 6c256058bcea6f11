"""Receipt imports from CSV or XLSX files, run as jobs: check every row, then write all or nothing.

A job reads its file twice. The check pass validates every row (``lots.validate_receipt``, duplicate lot
codes inside the file, cell formats) and writes nothing; a dry run stops there. An import whose check
pass found no error writes every row through ``lots.receive_lot`` in one transaction, so stock changes
only through the ledger and a failure at any row (or at the commit) rolls everything back.

Progress goes to the ``ImportJob`` row through a second session with its own connection, committed
every ``progress_every`` rows, so a poller sees it while the receipts are still uncommitted in the work
session. The work session touches the job row only once, at the end, in the same transaction as the
receipts: a job says ``done`` exactly when its lots exist.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from inventory.db import session_scope
from sqlmodel import Session, select

from inventory import scope
from inventory.models import ImportJob, User
from inventory.services.audit import trail
from inventory.services.stock import lots
from inventory.core.vocab import ImportKind, ImportStatus
from inventory.core.errors import Conflict, DomainError, Invalid, NotFound
from inventory.services.stock.receipt_files import RowError, file_format, read_header, spreadsheet_rows, to_receipt
from inventory.core.clock import utcnow

PROGRESS_EVERY = 200
#: how a job of another kind than receipts runs (``run(session=, job_id=, progress=, progress_every=, today=)``),
#: registered by its domain: the cold chain's readings (services/coldchain/reading_imports.py)
RUNNERS: dict[str, Callable[..., None]] = {}
QUEUED_GRACE = timedelta(minutes=5)
RUNNING_LIMIT = timedelta(hours=1)
MAX_ERRORS = 500


def _domain_errors(row: int | None, error: DomainError) -> list[RowError]:
    if not error.fields:
        field = "lot_code" if error.code == "duplicate_code" else ""
        return [RowError(row, field, error.message)]
    return [RowError(row, field, message) for field, messages in error.fields.items() for message in messages]


class Progress:
    """The job row's progress, written in short transactions of a session on its own connection."""

    def __init__(self, engine: Engine, job_id: int):
        self.session = Session(engine)
        self.job_id = job_id
        #: SQLite has one writer at a time and the import holds it until its commit
        self.concurrent_writes = engine.dialect.name != "sqlite"

    def claim(self) -> bool:
        """queued -> running, once: a redelivered task message finds the job taken and does nothing."""
        result = self.session.execute(update(ImportJob)
                                      .where(ImportJob.id == self.job_id, ImportJob.status == "queued")
                                      .values(status="running"))
        self.session.commit()
        return result.rowcount == 1

    def report(self, **values: Any) -> None:
        self.session.execute(update(ImportJob).where(ImportJob.id == self.job_id).values(**values))
        self.session.commit()

    def finish(self, status: str, errors: list[RowError], **values: Any) -> None:
        self.report(status=status, errors=_stored(errors), finished_at=utcnow(), **values)

    def close(self) -> None:
        self.session.close()


def _stored(errors: list[RowError]) -> list[dict[str, Any]]:
    """At most MAX_ERRORS entries, so a wholly wrong file does not bloat the job row."""
    kept = [e.as_dict() for e in errors[:MAX_ERRORS]]
    if len(errors) > MAX_ERRORS:
        more = _l("%(count)s more errors not listed", count=len(errors) - MAX_ERRORS)
        kept.append(RowError(None, "", more).as_dict())
    return kept


def check_rows(*, session: Session, actor: User, job: ImportJob, progress: Progress, progress_every: int,
               today: date | None = None) -> list[RowError]:
    """Every problem of every row, without writing anything; progress is reported as rows are checked."""
    rows = spreadsheet_rows(job.content, job.filename)
    header = next(rows, None)
    if header is None:
        return [RowError(None, "file", _l("the file is empty"))]
    columns, errors = read_header(header[1], header[0])
    if errors:
        return errors
    first_row_of: dict[str, int] = {}
    lookups = lots.ReceiptLookups(session, actor.org_id)
    checked = 0
    for number, cells in rows:
        receipt, problems = to_receipt(cells, columns)
        errors += [RowError(number, field, message) for field, message in problems.items()]
        if receipt is not None:
            code = receipt.lot_code.strip()
            if code and code in first_row_of:
                errors.append(RowError(number, "lot_code", _l("lot code %(code)s is also on row %(row)s",
                                                              code=code, row=first_row_of[code])))
            first_row_of.setdefault(code, number)
            try:
                lots.validate_receipt(session, actor, receipt, today=today, lookups=lookups)
            except DomainError as error:
                errors += _domain_errors(number, error)
        checked += 1
        if checked % progress_every == 0:
            progress.report(processed_rows=checked)
    progress.report(processed_rows=checked)
    return errors


def _receipts(job: ImportJob) -> Iterator[tuple[int, lots.Receipt]]:
    rows = spreadsheet_rows(job.content, job.filename)
    _, header = next(rows)
    columns, _ = read_header(header, 1)
    for number, cells in rows:
        receipt, _ = to_receipt(cells, columns)
        yield number, receipt


def _chunks(items: Iterator[tuple[int, lots.Receipt]], size: int) -> Iterator[list[tuple[int, lots.Receipt]]]:
    chunk: list[tuple[int, lots.Receipt]] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def write_rows(*, session: Session, actor: User, job: ImportJob, progress: Progress, progress_every: int,
               today: date | None = None) -> list[RowError]:
    """Receive every row in the work session's one transaction; commit only when all succeeded."""
    created = 0
    number: int | None = None
    lookups = lots.ReceiptLookups(session, actor.org_id)
    try:
        for chunk in _chunks(_receipts(job), progress_every):
            number = chunk[0][0]
            created += lots.receive_lots(session=session, actor=actor, receipts=[r for _, r in chunk],
                                         lookups=lookups, today=today)
            if progress.concurrent_writes:
                progress.report(created_lots=created)
        number = None
        trail.record(session, actor=actor, action="import.commit", entity="import_job", entity_id=job.id,
                     org_id=job.enterprise_id, after={"filename": job.filename, "created_lots": created})
        session.execute(update(ImportJob).where(ImportJob.id == job.id)
                        .values(status="done", created_lots=created, errors=[], finished_at=utcnow()))
        session.commit()
    except DomainError as error:
        session.rollback()
        return _domain_errors(number, error)
    except IntegrityError:
        session.rollback()
        return [RowError(number, "lot_code", _l("another import or receipt used one of these lot codes meanwhile"))]
    return []


def run_job(*, session: Session, job_id: int, progress_every: int = PROGRESS_EVERY,
            today: date | None = None) -> ImportJob:
    """Check the job's file and, unless it is a dry run, write it; the job row records the outcome."""
    job = session.get(ImportJob, job_id)
    if job is None:
        raise NotFound(_l("import not found"))
    runner = _run if job.kind == ImportKind.receipts else RUNNERS[job.kind]
    progress = Progress(session.get_bind().engine, job_id)
    try:
        if progress.claim():
            runner(session=session, job_id=job_id, progress=progress, progress_every=progress_every, today=today)
    except Exception:
        session.rollback()
        progress.session.rollback()
        progress.finish("failed", [RowError(None, "", _l("the import stopped on an unexpected error; it is logged"))])
        raise
    finally:
        progress.close()
    session.expire_all()
    return session.get(ImportJob, job_id)


def run_job_here(job_id: int, locale: str | None = None) -> ImportJob:
    """Run a job in this process, in its own session: a worker's task, or a request when the broker is down.

    Row errors are stored as text rendered in ``locale``: the uploader's language, or the default one when the
    sweep re-sends a job and nobody's language is known.
    """
    with session_scope() as session, force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        return run_job(session=session, job_id=job_id)


def _run(*, session: Session, job_id: int, progress: Progress, progress_every: int, today: date | None) -> None:
    job = session.get(ImportJob, job_id)
    actor = session.get(User, job.user_id)
    if actor is None or not actor.active or actor.org_id != job.enterprise_id or not scope.can(actor, "run", "import"):
        progress.finish("failed", [RowError(None, "", _l("the uploader may no longer import for this enterprise"))])
        return
    try:
        total = sum(1 for _ in spreadsheet_rows(job.content, job.filename)) - 1
    except Invalid as error:
        progress.finish("failed", [RowError(None, "file", error.message)])
        return
    progress.report(total_rows=max(total, 0))
    errors = check_rows(session=session, actor=actor, job=job, progress=progress, progress_every=progress_every,
                        today=today)
    session.rollback()  # end the read-only check pass; the write pass is one transaction of its own
    if errors or job.dry_run:
        progress.finish("done" if job.dry_run else "failed", errors)
        return
    errors = write_rows(session=session, actor=actor, job=job, progress=progress, progress_every=progress_every,
                        today=today)
    if errors:
        progress.finish("failed", errors, created_lots=0)


def sweep(*, session: Session, now: datetime | None = None) -> list[int]:
    """Jobs a lost task message or a killed worker left behind (DESIGN §3: the scans sweep up what was missed).

    Queued jobs past a grace period are returned to be sent again (claiming makes a double send harmless);
    running jobs past the limit are marked failed — their receipts were one uncommitted transaction, so
    nothing was half-written, and the uploader can simply run the import again.
    """
    now = now or utcnow()
    session.execute(update(ImportJob)
                    .where(ImportJob.status == "running", ImportJob.created_at < now - RUNNING_LIMIT)
                    .values(status="failed", finished_at=now,
                            errors=_stored([RowError(None, "", _l("the worker stopped; run the import again"))])))
    return list(session.exec(select(ImportJob.id).where(ImportJob.status == "queued",
                                                        ImportJob.created_at < now - QUEUED_GRACE)))


def create_job(*, session: Session, actor: User, filename: str, content: bytes, dry_run: bool) -> ImportJob:
    """A queued job for the uploader's enterprise; the caller commits, then enqueues it."""
    scope.require(actor, "run", "import")
    file_format(filename)
    if not content:
        raise Invalid.field("file", _l("the file is empty"))
    job = ImportJob(user_id=actor.id, enterprise_id=actor.org_id, filename=filename[-255:], content=content,
                    dry_run=dry_run)
    session.add(job)
    session.flush()
    return job


def visible_job(session: Session, actor: User, job_id: int, kind: str = ImportKind.receipts) -> ImportJob:
    job = session.exec(scope.enterprise_rows_query(session, actor, ImportJob)
                       .where(ImportJob.id == job_id, ImportJob.kind == kind)).first()
    if job is None:
        raise NotFound(_l("import not found"))
    return job


def recent_jobs(*, session: Session, actor: User, limit: int = 20, kind: str = ImportKind.receipts,
                facility_id: int | None = None) -> list[ImportJob]:
    query = scope.enterprise_rows_query(session, actor, ImportJob).where(ImportJob.kind == kind)
    if facility_id is not None:
        query = query.where(ImportJob.facility_id == facility_id)
    return list(session.exec(query.order_by(ImportJob.id.desc()).limit(limit)))


def import_checked(*, session: Session, actor: User, job_id: int) -> ImportJob:
    """A real import of the file a clean dry run checked; the caller commits, then enqueues it."""
    checked = visible_job(session, actor, job_id)
    claimed = 0 if checked.errors else session.connection().execute(
        update(ImportJob).where(ImportJob.id == checked.id, ImportJob.dry_run, ImportJob.status == "done")
        .values(status="imported")).rowcount
    if claimed != 1:  # decided once: a second click, or two at once, imports the file once
        raise Conflict(_l("only a finished dry run without errors can be imported, and only once"),
                       code="illegal_transition")
    return create_job(session=session, actor=actor, filename=checked.filename, content=checked.content, dry_run=False)


def preview(job: ImportJob, limit: int = 20) -> list[tuple[int, list[Any]]]:
    """The first rows of the file as the spreadsheet shows them; an unreadable file has none."""
    try:
        rows = []
        for item in spreadsheet_rows(job.content, job.filename):
            rows.append(item)
            if len(rows) > limit:
                break
        return rows
    except Invalid:
        return []



#: an import job that will not change any more
FINISHED = (ImportStatus.done, ImportStatus.failed, ImportStatus.imported)


def finished(job: ImportJob) -> bool:
    return job.status in FINISHED


def percent_done(job: ImportJob) -> int:
    """How far a job is, for the page and the API alike: an import checks every row, then writes them (two
    halves of the bar); a dry run only checks, and readings are checked and stored in one pass."""
    if finished(job):
        return 100
    total = max(job.total_rows, 1)
    if job.dry_run or job.kind != ImportKind.receipts:
        return min(100, int(100 * job.processed_rows / total))
    return min(100, int(100 * (job.processed_rows + job.created_lots) / (2 * total)))


# registers the cold chain's readings runner, so a worker (or the sweep) runs any kind of job
from inventory.services.coldchain import reading_imports as _readings  # noqa: E402, F401
