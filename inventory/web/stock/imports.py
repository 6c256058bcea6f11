"""Receipt imports from CSV/XLSX: upload, dry-run preview, progress, commit."""
from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import RadioField, SubmitField
from wtforms.fields import SelectChoice

from inventory import scope
from inventory.db import get_session
from inventory.models import ImportJob
from inventory.services.stock import imports
from inventory.services.stock import receipt_files
from inventory.core.errors import Forbidden
from inventory.http import download
from inventory.web.accounts.forms import EmptyForm
from inventory.jobs import commit_then_enqueue

bp = Blueprint("imports", __name__, url_prefix="/imports")


class UploadForm(FlaskForm):
    file = FileField(_l("Receipt file (CSV or XLSX)"),
                     validators=[FileRequired(),
                                 FileAllowed(list(receipt_files.FORMATS), _l("Upload a .csv or .xlsx file."))])
    mode = RadioField(_l("What to do"), default="dry_run",
                      choices=[SelectChoice("dry_run", _l("Check only (dry run): write nothing")),
                               SelectChoice("import", _l("Import: write every row if all are valid"))])
    submit = SubmitField(_l("Upload"))


def _require_run() -> None:
    if not scope.can(current_user, "run", "import"):
        raise Forbidden(_l("only enterprise staff import receipts"))


def _start(job: ImportJob) -> None:
    """Enqueue after the commit that created the job, so the worker finds it; row errors use this page's language."""
    locale = str(get_locale())
    if not commit_then_enqueue(get_session(), "workers.tasks.run_import", job.id, locale,
                               run_here=lambda: imports.run_job_here(job.id, locale)):
        flash(_("The task queue is not reachable, so the file was processed right away."), "warning")


def progress(job: ImportJob) -> dict:
    """What the job page polls. An import checks every row, then writes them: two halves of the bar."""
    return {"status": job.status, "dry_run": job.dry_run, "total_rows": job.total_rows,
            "processed_rows": job.processed_rows, "created_lots": job.created_lots,
            "error_count": len(job.errors or []), "percent": imports.percent_done(job),
            "finished": imports.finished(job)}


@bp.get("/")
@login_required
def new():
    _require_run()
    session = get_session()
    return render_template("stock/imports/new.html", form=UploadForm(),
                           jobs=imports.recent_jobs(session=session, actor=current_user))


@bp.post("/")
@login_required
def upload():
    _require_run()
    form = UploadForm()
    session = get_session()
    if not form.validate_on_submit():
        return render_template("stock/imports/new.html", form=form,
                               jobs=imports.recent_jobs(session=session, actor=current_user)), 422
    job = imports.create_job(session=session, actor=current_user, filename=form.file.data.filename or "upload",
                             content=form.file.data.read(), dry_run=form.mode.data == "dry_run")
    _start(job)
    return redirect(url_for("imports.show", job_id=job.id))


@bp.get("/template.csv")
@login_required
def template():
    return download(receipt_files.template(), "csv")


@bp.get("/<int:job_id>")
@login_required
def show(job_id: int):
    job = imports.visible_job(get_session(), current_user, job_id)
    finished = imports.finished(job)
    return render_template("stock/imports/show.html", job=job, progress=progress(job), form=EmptyForm(),
                           rows=imports.preview(job) if finished else [],
                           error_rows={e["row"] for e in job.errors or []},
                           labels={key: _(label) for key, label in receipt_files.TEMPLATE_COLUMNS},
                           can_import=job.dry_run and job.status == "done" and not job.errors
                           and scope.can(current_user, "run", "import"))


@bp.get("/<int:job_id>/progress")
@login_required
def progress_json(job_id: int):
    return jsonify(progress(imports.visible_job(get_session(), current_user, job_id)))


@bp.post("/<int:job_id>/import")
@login_required
def import_checked(job_id: int):
    if not EmptyForm().validate_on_submit():
        flash(_("The form expired; please try again."), "danger")
        return redirect(url_for("imports.show", job_id=job_id))
    job = imports.import_checked(session=get_session(), actor=current_user, job_id=job_id)
    _start(job)
    return redirect(url_for("imports.show", job_id=job.id))
