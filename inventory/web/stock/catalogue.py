"""The catalogue page: every user reads it; the responsible bureau adds and edits its materials."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, SubmitField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from inventory import scope
from inventory.db import get_session
from inventory.services.plans import varieties as plan_varieties
from inventory.services.stock import queries
from inventory.services.stock import catalogue
from inventory.services.workflows import scrap_rule_views, scraps
from inventory.core.errors import DomainError
from inventory.core.vocab import Category, ScrapAgeBasis, StockPolicy, StorageClass

bp = Blueprint("catalogue", __name__, url_prefix="/catalogue")



class MaterialForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32), Regexp(r"^[A-Za-z0-9_.-]+$")])
    name_zh = StringField(_l("Chinese name"), validators=[DataRequired(), Length(max=128)])
    name_en = StringField(_l("English name"), validators=[Optional(), Length(max=128)])
    category = SelectField(_l("Category"), choices=[SelectChoice(k, v) for k, v in Category.labels().items()])
    unit = StringField(_l("Unit"), validators=[DataRequired(), Length(max=16)])
    shelf_life_days = IntegerField(_l("Shelf life (days)"), validators=[DataRequired(), NumberRange(min=1, max=36500)])
    storage_class = SelectField(_l("Storage class"), choices=[SelectChoice(k, v) for k, v in StorageClass.labels().items()])
    policy = SelectField(_l("Policy"), choices=[SelectChoice(k, v) for k, v in StockPolicy.labels().items()])
    rotation_lead_days = IntegerField(_l("Rotation lead (days)"), default=30, validators=[NumberRange(min=0, max=3650)])
    active = BooleanField(_l("In the catalogue"), default=True)
    submit = SubmitField(_l("Save"))


def _labels() -> dict:
    return {"categories": Category.labels(), "storage": StorageClass.labels(), "policies": StockPolicy.labels()}


@bp.get("/")
@login_required
def index():
    session = get_session()
    category = request.args.get("category", "")
    materials, bureaus = queries.catalogue(session=session, actor=current_user,
                                           category=category if category in Category.values() else None)
    editable = {m.id for m in materials if scope.may_change_material(current_user, "update", m.bureau_id)}
    return render_template("stock/catalogue/index.html", materials=materials, bureaus=bureaus, category=category,
                           editable=editable, varieties=plan_varieties.varieties(session),
                           can_create=scope.can(current_user, "create", "material"), **_labels())


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    if not scope.can(current_user, "create", "material"):
        abort(403)
    form = MaterialForm()
    if form.validate_on_submit():
        session = get_session()
        values = {k: v for k, v in form.data.items() if k in catalogue.EDITABLE}
        try:
            catalogue.create_material(session=session, actor=current_user, code=form.code.data, **values)
            session.commit()
            flash(_("Material %(code)s added.", code=form.code.data), "success")
            return redirect(url_for("catalogue.index"))
        except DomainError as exc:
            session.rollback()
            flash(exc.message, "danger")
    return render_template("stock/catalogue/form.html", form=form, material=None), 200 if request.method == "GET" else 422


@bp.route("/<code>", methods=["GET", "POST"])
@login_required
def edit(code: str):
    session = get_session()
    material = queries.material(session=session, actor=current_user, code=code)
    if material is None:
        abort(404)
    form = MaterialForm(obj=material)
    form.code.render_kw = {"readonly": True}
    if form.validate_on_submit():
        values = {k: v for k, v in form.data.items() if k in catalogue.EDITABLE}
        try:
            catalogue.update_material(session=session, actor=current_user, material=material, **values)
            session.commit()
            flash(_("Material %(code)s saved.", code=code), "success")
            return redirect(url_for("catalogue.index"))
        except DomainError as exc:
            session.rollback()
            flash(exc.message, "danger")
            if exc.status == 403:
                abort(403)
    scrapped = material.policy == StockPolicy.scrap
    return render_template("stock/catalogue/form.html", form=form, material=material, scrapped=scrapped,
                           scrap_rule=scraps.rule_of(session, material.id) if scrapped else None,
                           may_set_scrap_rule=scrap_rule_views.may_set(current_user, material),
                           ScrapAgeBasis=ScrapAgeBasis), \
        200 if request.method == "GET" else 422
