"""The emergency donor teams on the web (blood-supply plan §六(一), §六(二), §六(七)2; docs/blood.md, "Donor teams"):
the register (masked), a volunteer's record (in full), registering and importing volunteers, the compliance page with
the yearly filing, the collection points (added, deactivated, reactivated) and the drills.

The register's pages answer 404 to anyone but the blood station's officer and health officers (scope/blood.py); the
compliance, points and drills pages hold counts only and are read by every reader of the blood pages.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from inventory import scope
from inventory.core.clock import business_today
from inventory.core.errors import DomainError
from inventory.core.vocab import BloodGroup, Rh
from inventory.db import get_session
from inventory.services.blood import collection_points, donor_compliance, donors, drills
from inventory.web.blood.donor_forms import (
    ConfirmForm, DonorFilterForm, DonorForm, DonorImportForm, DrillForm, FilingForm, PointForm, PointStateForm,
)
from inventory.web.service_errors import mark_fields, show_refusal
from inventory.web.stock.forms import ALL

bp = Blueprint("blood_donors", __name__, url_prefix="/blood")
PAGE_SIZE = 50


def _district_choices() -> list[tuple[str, str]]:
    zh = str(get_locale()) == "zh"
    return [(code, d.name_zh if zh else d.name_en) for code, d in donors.team_districts(get_session()).items()]


def _render(template: str, **context):
    return render_template(template, BloodGroup=BloodGroup, Rh=Rh, **context)


def _require_reader() -> None:
    if not scope.can(current_user, "view", "blood"):
        abort(403)


@bp.get("/donors/")
@login_required
def index():
    session = get_session()
    scope.blood.require_donor_keeper(session, current_user)
    form = DonorFilterForm(request.args)
    form.district.choices = [ALL, *_district_choices()]
    rows, next_args = [], None
    if form.validate():
        try:
            rows, cursor = donors.donors_page(session=session, actor=current_user, district=form.district.data or None,
                                              group=form.group.data or None, limit=form.limit.data or PAGE_SIZE,
                                              cursor=form.cursor.data or None)
        except DomainError as error:
            mark_fields(form, error)
        else:
            next_args = {**request.args.to_dict(), "cursor": cursor} if cursor else None
    return _render("blood/donors/list.html", form=form, donors=rows, next_args=next_args)


@bp.route("/donors/new", methods=["GET", "POST"])
@login_required
def new():
    session = get_session()
    scope.blood.require_donor_keeper(session, current_user)
    form = DonorForm()
    form.district.choices = _district_choices()
    if form.validate_on_submit():
        try:
            donor = donors.register(session=session, actor=current_user, given=donors.DonorInput(
                name=form.name.data, unit=form.unit.data, phone=form.phone.data, district=form.district.data,
                group=form.group.data, rh=form.rh.data, group_donor=form.group_donor.data,
                confirmed_on=form.confirmed_on.data))
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("The donor is registered."), "success")
            return redirect(url_for(".show", donor_id=donor.id))
    return _render("blood/donors/form.html", form=form), 422 if request.method == "POST" else 200


@bp.route("/donors/import", methods=["GET", "POST"])
@login_required
def import_csv():
    session = get_session()
    scope.blood.require_donor_keeper(session, current_user)
    form, problems = DonorImportForm(), {}
    if form.validate_on_submit():
        try:
            text = form.file.data.read().decode("utf-8-sig")
            made = donors.import_csv(session=session, actor=current_user, text=text)
        except UnicodeDecodeError:
            form.file.errors = [_("The file is not UTF-8 text.")]
        except DomainError as error:
            session.rollback()
            if error.status in (403, 404):
                raise
            problems = error.fields
            flash(_("Nothing was saved: %(reason)s", reason=error.message), "danger")
        else:
            session.commit()
            flash(_("%(count)s donors imported.", count=len(made)), "success")
            return redirect(url_for(".index"))
    status = 422 if request.method == "POST" else 200
    return _render("blood/donors/import.html", form=form, problems=problems, columns=donors.CSV_COLUMNS), status


@bp.get("/donors/<int:donor_id>")
@login_required
def show(donor_id: int):
    view = donors.donor(session=get_session(), actor=current_user, donor_id=donor_id)
    return _render("blood/donors/show.html", donor=view, form=ConfirmForm(),
                   due=view.last_confirmed_on < donor_compliance.year_before(business_today()))


@bp.post("/donors/<int:donor_id>/confirm")
@login_required
def confirm(donor_id: int):
    session = get_session()
    if ConfirmForm().validate_on_submit():
        donors.confirm(session=session, actor=current_user, donor_id=donor_id)
        session.commit()
        flash(_("The record is confirmed today."), "success")
    return redirect(url_for(".show", donor_id=donor_id))


def _compliance_page(filing_form: FilingForm | None = None, status: int = 200):
    session = get_session()
    today = business_today()
    form = filing_form or FilingForm(formdata=None, year=today.year, filed_on=today)
    return _render("blood/donors/compliance.html",
                   compliance=donor_compliance.for_reader(session=session, actor=current_user, as_of=today),
                   districts=donors.team_districts(session), filings=donors.filings(session=session, actor=current_user),
                   filing_form=form, may_keep=scope.blood.may_see_donors(session, current_user)), status


@bp.get("/donor-compliance")
@login_required
def compliance():
    _require_reader()
    return _compliance_page()


@bp.post("/donor-compliance/filings")
@login_required
def record_filing():
    session = get_session()
    scope.blood.require_donor_keeper(session, current_user)
    form = FilingForm()
    if form.validate_on_submit():
        try:
            donors.record_filing(session=session, actor=current_user, year=form.year.data,
                                 filed_on=form.filed_on.data, reference=form.reference.data, note=form.note.data or "")
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("The filing is recorded."), "success")
            return redirect(url_for(".compliance"))
    return _compliance_page(form, 422)


@bp.route("/collection-points", methods=["GET", "POST"])
@login_required
def points():
    _require_reader()
    session = get_session()
    may_manage = scope.can(current_user, "manage", "blood_preparedness")
    form = PointForm() if may_manage else None
    if form is not None:
        form.district.choices = _district_choices()
    if request.method == "POST":
        if form is None:
            abort(403)
        if form.validate_on_submit():
            try:
                collection_points.add_point(session=session, actor=current_user, given=collection_points.PointInput(
                    name=form.name.data, address=form.address.data, district=form.district.data,
                    capacity=form.capacity.data, active=form.active.data))
            except DomainError as error:
                show_refusal(form, error)
            else:
                session.commit()
                flash(_("The collection point is added."), "success")
                return redirect(url_for(".points"))
    status = 422 if request.method == "POST" else 200
    return _render("blood/donors/points.html", points=collection_points.points(session=session, actor=current_user),
                   form=form, state_form=PointStateForm() if may_manage else None), status


def _set_point_active(point_id: int, active: bool):
    session = get_session()
    if PointStateForm().validate_on_submit():
        try:
            collection_points.set_active(session=session, actor=current_user, point_id=point_id, active=active)
        except DomainError as error:
            session.rollback()
            if error.status in (403, 404):
                raise
            flash(error.message, "danger")
        else:
            session.commit()
            flash(_("The collection point is reactivated.") if active
                  else _("The collection point is deactivated: it stays listed but no longer counts."), "success")
    return redirect(url_for(".points"))


@bp.post("/collection-points/<int:point_id>/deactivate")
@login_required
def deactivate_point(point_id: int):
    return _set_point_active(point_id, False)


@bp.post("/collection-points/<int:point_id>/reactivate")
@login_required
def reactivate_point(point_id: int):
    return _set_point_active(point_id, True)


@bp.route("/drills", methods=["GET", "POST"])
@login_required
def drill_list():
    _require_reader()
    session = get_session()
    may_manage = scope.can(current_user, "manage", "blood_preparedness")
    form = DrillForm() if may_manage else None
    if request.method == "POST":
        if form is None:
            abort(403)
        if form.validate_on_submit():
            try:
                drills.record_drill(session=session, actor=current_user, held_on=form.held_on.data,
                                    participants=form.participants.data, notes=form.notes.data or "")
            except DomainError as error:
                show_refusal(form, error)
            else:
                session.commit()
                flash(_("The drill is recorded."), "success")
                return redirect(url_for(".drill_list"))
    status = 422 if request.method == "POST" else 200
    return _render("blood/donors/drills.html", drills=drills.drills(session=session, actor=current_user), form=form), status
