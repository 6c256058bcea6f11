"""Receipt imports over the API: upload a CSV or XLSX file (checked only, or imported), follow the job,
read its row errors, and import a file whose dry run found none (services/stock/imports.py)."""
from __future__ import annotations

from typing import Annotated, Any

from flask import request, url_for
from pydantic import BaseModel, Field, WithJsonSchema

from inventory import scope
from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.body import accepts_upload
from inventory.api.pagination import page
from inventory.api.schemas import Out, PageQuery, Timestamp, errors, page_of
from inventory.api.spec import spec
from inventory.core.vocab import ImportKind
from inventory.db import get_session
from inventory.jobs import commit_then_enqueue
from inventory.models import ImportJob
from inventory.services.stock import imports

#: row errors are stored as text in the language the job ran in: English, as every API message
LOCALE = "en"


class ImportUpload(BaseModel):
    file: Annotated[Any, WithJsonSchema({"type": "string", "format": "binary"})] = Field(
        description="a .csv (UTF-8) or .xlsx file whose header row names the columns material, facility, "
                    "lot_code, quantity, production_date, expiry_date, received_on, quality_grade, "
                    "inspection_result, note")
    dry_run: bool = Field(default=True, description="true: check every row and write nothing")


class RowErrorOut(BaseModel):
    row: int | None = Field(description="the spreadsheet's row number (1 is the header); null for the whole file")
    field: str
    message: str


class ImportJobOut(Out):
    id: int
    filename: str
    dry_run: bool
    status: str = Field(description="queued, running, done or failed")
    finished: bool
    total_rows: int
    processed_rows: int = Field(description="rows checked so far")
    created_lots: int
    percent: int = Field(ge=0, le=100, description="an import checks every row, then writes them: two halves")
    errors: list[RowErrorOut]
    created_at: Timestamp
    finished_at: Timestamp | None

    @classmethod
    def of(cls, job: ImportJob) -> ImportJobOut:
        return cls.model_validate({**{name: getattr(job, name) for name in cls.model_fields if hasattr(job, name)},
                                   "errors": job.errors or [], "finished": imports.finished(job),
                                   "percent": imports.percent_done(job)})


ImportJobPage = page_of(ImportJobOut)


def _start(job: ImportJob):
    """Commit, then enqueue the job; with the broker down it runs here and is finished when this answers."""
    session = get_session()
    commit_then_enqueue(session, "workers.tasks.run_import", job.id, LOCALE,
                        run_here=lambda: imports.run_job_here(job.id, LOCALE))
    session.expire_all()
    job = imports.visible_job(session, current_user(), job.id)
    return ImportJobOut.of(job), 202, {"Location": url_for("api.get_import", job_id=job.id)}


@bp.post("/imports")
@spec.validate(form=ImportUpload, resp=errors(400, 403, 413, 415, 422, HTTP_202=ImportJobOut), tags=["imports"])
@accepts_upload
def upload_import():
    """Upload a receipt file: a dry run checks every row; an import writes all rows or none. Answers 202 with
    the job; poll `GET /imports/{id}` until `finished`."""
    form = request.context.form
    upload = form.file if hasattr(form.file, "read") else None
    job = imports.create_job(session=get_session(), actor=current_user(),
                             filename=(upload.filename if upload else "") or "", dry_run=form.dry_run,
                             content=upload.read() if upload else b"")
    return _start(job)


@bp.get("/imports")
@spec.validate(query=PageQuery, resp=errors(422, HTTP_200=ImportJobPage), tags=["imports"])
def list_imports():
    """The import jobs of the caller's enterprise, oldest first."""
    query = scope.enterprise_rows_query(get_session(), current_user(), ImportJob).where(
        ImportJob.kind == ImportKind.receipts)
    rows, cursor = page(query, [ImportJob.id], request.context.query)
    return ImportJobPage(items=[ImportJobOut.of(job) for job in rows], next_cursor=cursor)


@bp.get("/imports/<int:job_id>")
@spec.validate(resp=errors(404, HTTP_200=ImportJobOut), tags=["imports"])
def get_import(job_id: int):
    """A job's status, progress and row errors."""
    return ImportJobOut.of(imports.visible_job(get_session(), current_user(), job_id))


@bp.post("/imports/<int:job_id>/import")
@spec.validate(resp=errors(400, 403, 404, 409, 413, 415, HTTP_202=ImportJobOut), tags=["imports"])
def import_checked(job_id: int):
    """Import the file of a finished dry run that found no error, as a new job."""
    return _start(imports.import_checked(session=get_session(), actor=current_user(), job_id=job_id))
