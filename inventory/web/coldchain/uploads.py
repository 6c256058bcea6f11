"""Readings uploaded as a CSV file for a facility, taken in by a background job with a progress bar
(docs/coldchain.md, ingest; the job machinery is the receipt imports')."""
from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SubmitField

from inventory import scope
from inventory.core.errors import DomainError
from inventory.core.vocab import ImportKind
from inventory.db import get_session
from inventory.jobs import commit_then_enqueue
from inventory.models import Facility, ImportJob
from inventory.services.coldchain import reading_imports
from inventory.services.stock import imports
from inventory.web.service_errors import show_refusal

bp = Blueprint("coldchain_uploads", __name__, url_prefix="/coldchain")


class ReadingsUploadForm(FlaskForm):
    file = FileField(_l("Readings file (CSV)"),
                     validators=[FileRequired(), FileAllowed(["csv"], _l("Upload a .csv file."))])
    submit = SubmitField(_l("Upload"))


def progress(job: ImportJob) -> dict:
    """What the job page polls (static/js/import-progress.js): one pass, rows checked and stored together."""
    return {"status": job.status, "dry_run": True, "total_rows": job.total_rows, "processed_rows": job.processed_rows,
            "stored_rows": job.stored_rows, "duplicate_rows": job.duplicate_rows,
            "error_count": len(job.errors or []), "percent": imports.percent_done(job),
            "finished": imports.finished(job)}


def _page(facility: Facility, form: ReadingsUploadForm, status: int = 200):
    jobs = imports.recent_jobs(session=get_session(), actor=current_user, kind=ImportKind.readings,
                               facility_id=facility.id)
    return render_template("coldchain/upload.html", facility=facility, form=form, jobs=jobs,
                           columns=reading_imports.COLUMNS), status


@bp.get("/facilities/<code>/readings/upload")
@login_required
def upload_form(code: str):
    facility = scope.coldchain.require_facility_writer(get_session(), current_user, "ingest", "reading", code)
    return _page(facility, ReadingsUploadForm())


@bp.post("/facilities/<code>/readings/upload")
@login_required
def upload(code: str):
    session = get_session()
    facility = scope.coldchain.require_facility_writer(session, current_user, "ingest", "reading", code)
    form = ReadingsUploadForm()
    if not form.validate_on_submit():
        return _page(facility, form, 422)
    try:
        job = reading_imports.create_job(session=session, actor=current_user, facility_code=code,
                                         filename=form.file.data.filename or "readings.csv",
                                         content=form.file.data.read())
    except DomainError as error:
        show_refusal(form, error)
        return _page(facility, form, 422)
    locale = str(get_locale())
    if not commit_then_enqueue(session, "workers.tasks.run_import", job.id, locale,
                               run_here=lambda: imports.run_job_here(job.id, locale)):
        flash(_("The task queue is not reachable, so the file was processed right away."), "warning")
    return redirect(url_for("coldchain_uploads.show", job_id=job.id))


@bp.get("/readings/uploads/<int:job_id>")
@login_required
def show(job_id: int):
    session = get_session()
    job = imports.visible_job(session, current_user, job_id, kind=ImportKind.readings)
    return render_template("coldchain/upload_job.html", job=job, progress=progress(job),
                           column_labels=reading_imports.COLUMN_LABELS,
                           facility=session.get(Facility, job.facility_id))


@bp.get("/readings/uploads/<int:job_id>/progress")
@login_required
def progress_json(job_id: int):
    return jsonify(progress(imports.visible_job(get_session(), current_user, job_id, kind=ImportKind.readings)))
