"""Scrap rules (报废时限, reserve-materials-measures §三 "明确报废品种、时限、条件") on the web: every scrap-policy material
with its rule, and the form on which the staff of the material's bureau set or change it.

The rules live in services/workflows/scraps.py (``set_rule``); what the pages read, in scrap_rule_views.py.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from inventory.core.errors import DomainError
from inventory.core.vocab import ScrapAgeBasis
from inventory.db import get_session
from inventory.services.workflows import scrap_rule_views, scraps
from inventory.web.service_errors import show_refusal
from inventory.web.workflows.rotation_forms import ScrapRuleForm

bp = Blueprint("scrap_rules", __name__, url_prefix="/scrap-rules")


@bp.get("/")
@login_required
def index():
    rows = scrap_rule_views.rule_rows(get_session(), current_user)
    return render_template("workflows/scraps/rules.html", rows=rows, ScrapAgeBasis=ScrapAgeBasis)


@bp.route("/<code>", methods=["GET", "POST"])
@login_required
def edit(code: str):
    session = get_session()
    material, rule = scrap_rule_views.material_rule(session, current_user, code)
    if not scrap_rule_views.may_set(current_user, material):
        abort(403)
    form = ScrapRuleForm(obj=rule) if request.method == "GET" else ScrapRuleForm()
    if form.validate_on_submit():
        try:
            scraps.set_rule(session=session, actor=current_user, material_code=material.code,
                            age_days=form.age_days.data, counted_from=form.counted_from.data,
                            conditions=form.conditions.data or "")
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("The scrap rule of %(code)s is saved.", code=material.code), "success")
            return redirect(url_for(".index"))
    return (render_template("workflows/scraps/rule_form.html", form=form, material=material, rule=rule),
            422 if request.method == "POST" else 200)
