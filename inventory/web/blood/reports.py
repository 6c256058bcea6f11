"""The blood station's daily reports on the web (docs/blood.md, "Daily report"): the list with the days missing,
the form (a row per group, Rh and component), the correction of a filed day (confirmed, the earlier version kept in
the report's history), the CSV back-fill and one report with its versions. Rules: services/blood/reports.py."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from inventory import scope
from inventory.core import clock
from inventory.core.errors import DomainError
from inventory.core.vocab import BloodComponent, BloodGroup, Rh
from inventory.db import get_session
from inventory.services.blood import board as boards
from inventory.services.blood import report_views, reports
from inventory.services.blood.reports import FIGURES
from inventory.web.blood.forms import LINE_KEYS, ReportFilterForm, ReportForm, ReportImportForm, figure_field

bp = Blueprint("blood_reports", __name__, url_prefix="/blood/reports")


def _render(template: str, **context):
    return render_template(template, BloodGroup=BloodGroup, Rh=Rh, BloodComponent=BloodComponent, FIGURES=FIGURES,
                           LINE_KEYS=LINE_KEYS, figure_field=figure_field, **context)


@bp.get("/")
@login_required
def index():
    if not scope.can(current_user, "view", "blood"):
        abort(403)
    form = ReportFilterForm(request.args)
    today = clock.business_today()
    found, status = None, 200
    if form.validate():
        try:
            found = report_views.report_list(session=get_session(), user=current_user, start=form.date_from.data,
                                             end=form.date_to.data or today,
                                             now=clock.utcnow(), station_code=form.station.data or None)
        except DomainError as error:
            if error.status in (403, 404):
                raise
            for name, messages in error.fields.items():
                if name in form:
                    form[name].errors = [*form[name].errors, *messages]
            status = 422
    else:
        status = 422
    return _render("blood/reports.html", form=form, found=found, due_hour=boards.due_at(today).hour,
                   may_file=scope.can(current_user, "file", "blood_report")), status


def _field_errors(form: ReportForm, error: DomainError, positions: list[str]) -> None:
    """Put the service's ``lines[i].figure`` messages on the row's field; the rest where they belong."""
    named = {"date": "day", "note": "note"}
    for name, messages in error.fields.items():
        target = named.get(name)
        if name.startswith("lines[") and "." in name:
            index = int(name[6:name.index("]")])
            target = f"{positions[index]}_{name.rsplit('.', 1)[1]}" if index < len(positions) else None
        if target and target in form:
            form[target].errors = [*form[target].errors, *messages]
        else:
            flash(f"{name}: {'; '.join(str(m) for m in messages)}", "danger")


def _file(form: ReportForm, *, replace: bool):
    """File or correct from a validated form; a redirect on success, None when refused (errors on the form)."""
    session = get_session()
    given = form.line_values()
    positions = ["_".join(key) for _, key, _ in given]
    try:
        lines = tuple(reports.LineInput(*key, **figures) for _, key, figures in given)
        filed = reports.file_report(session=session, actor=current_user, replace=replace, report=reports.ReportInput(
            day=form.day.data, note=form.note.data or "", lines=lines))
    except DomainError as error:
        session.rollback()
        if error.status in (403, 404):
            raise
        _field_errors(form, error, positions)
        if error.code == "duplicate_report":
            form.day.errors = [*form.day.errors, _("use “Correct” to replace it")]
        flash(_("Nothing was saved: %(reason)s", reason=error.message), "danger")
        return None
    session.commit()
    if filed.replaced:
        flash(_("The report of %(day)s is corrected: revision %(revision)s. The earlier version is kept in its "
                "history.", day=filed.report.report_date.isoformat(), revision=filed.report.revision), "success")
    else:
        flash(_("The report of %(day)s is filed.", day=filed.report.report_date.isoformat()), "success")
    return redirect(url_for(".show", report_id=filed.report.id))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if not scope.can(current_user, "file", "blood_report"):
        abort(403)
    session = get_session()
    scope.blood.require_station(session, current_user)
    form = ReportForm()
    if request.method == "GET":
        todo = boards.todo(session=session, user=current_user, today=clock.business_today(), now=clock.utcnow())
        form.day.data = (todo.report_day if todo and todo.report_day else clock.business_today())
    elif form.validate_on_submit():
        done = _file(form, replace=False)
        if done:
            return done
    return _render("blood/report_form.html", form=form, correcting=None), 422 if request.method == "POST" else 200


@bp.route("/<day>/correct", methods=["GET", "POST"])
@login_required
def correct(day: str):
    if not scope.can(current_user, "file", "blood_report"):
        abort(403)
    try:
        when = date.fromisoformat(day)
    except ValueError:
        abort(404)
    session = get_session()
    report = report_views.own_report_on(session, current_user, when)
    form = ReportForm()
    if request.method == "GET":
        form.day.data, form.note.data, form.replace.data = report.report_date, report.note, "1"
        for line in reports.lines_of(session, report.id):
            for figure in FIGURES:
                name = figure_field((line.abo_group, line.rh, line.component), figure)
                if name in form:
                    form[name].data = str(getattr(line, figure).normalize())
    else:
        form.day.data, form.replace.data = when, "1"
        if form.validate_on_submit():
            done = _file(form, replace=True)
            if done:
                return done
    return _render("blood/report_form.html", form=form, correcting=report), 422 if request.method == "POST" else 200


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_csv():
    if not scope.can(current_user, "file", "blood_report"):
        abort(403)
    form = ReportImportForm()
    if form.validate_on_submit():
        session = get_session()
        try:
            text = form.file.data.read(2_000_000).decode("utf-8-sig")
        except UnicodeDecodeError:
            form.file.errors = [_("the file is not UTF-8 text")]
        else:
            try:
                filed = reports.import_csv(session=session, actor=current_user, text=text,
                                           replace=bool(form.replace.data))
            except DomainError as error:
                session.rollback()
                if error.status in (403, 404):
                    raise
                flash(_("Nothing was saved: %(reason)s", reason=error.message), "danger")
                return _render("blood/report_import.html", form=form, problems=error.fields), 422
            session.commit()
            flash(_("%(count)s days imported (%(replaced)s of them replaced).", count=len(filed),
                    replaced=sum(f.replaced for f in filed)), "success")
            return redirect(url_for(".index"))
    return _render("blood/report_import.html", form=form, problems={}), 422 if request.method == "POST" else 200


@bp.get("/<int:report_id>")
@login_required
def show(report_id: int):
    view = report_views.report_view(session=get_session(), user=current_user, report_id=report_id)
    return _render("blood/report.html", view=view, may_correct=scope.can(current_user, "file", "blood_report")
                   and view.report.station_id == current_user.org_id)
