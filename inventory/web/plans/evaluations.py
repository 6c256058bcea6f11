"""Annual evaluations on the web (年度综合考评, reserve-materials-measures §二(五)3; docs/plans.md, "Annual
evaluation"): the year's ranking with each enterprise's facts, computing a draft, the evaluator's adjustment and
finalising. The rules live in services/plans/evaluation.py; an evaluation the reader may not see is a 404."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.widgets import HiddenInput
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from inventory import scope
from inventory.core import settings
from inventory.core.clock import business_today
from inventory.core.errors import DomainError
from inventory.core.quantities import quantity_text
from inventory.core.vocab import EvaluationStatus
from inventory.db import get_session
from inventory.models import Organisation
from inventory.scope.plans import visible_evaluation
from inventory.services.plans import evaluation
from inventory.services.plans.evaluation_facts import FACTS
from inventory.web.service_errors import show_refusal

bp = Blueprint("evaluations", __name__, url_prefix="/plans/evaluations")


class ComputeForm(FlaskForm):
    enterprise = IntegerField(widget=HiddenInput(), validators=[DataRequired(), NumberRange(min=1, max=2_147_483_647)])
    year = IntegerField(validators=[DataRequired(), NumberRange(min=2000, max=9999)])


class AdjustForm(FlaskForm):
    adjustment = StringField(_l("Adjustment (−20 to +20)"), validators=[DataRequired(), Length(max=12)])
    comment = TextAreaField(_l("Comment (required unless 0)"), validators=[Optional(), Length(max=2000)])


class FinaliseForm(FlaskForm):
    pass


def _year() -> int:
    year = request.args.get("year", type=int)
    return year if year and 2000 <= year <= 9999 else business_today().year


@bp.get("/")
@login_required
def index():
    if not scope.can(current_user, "view", "evaluation"):
        abort(403)
    session, year = get_session(), _year()
    return render_template("plans/evaluations/list.html", year=year,
                           ranked=evaluation.ranking(session, actor=current_user, year=year),
                           pending=evaluation.not_evaluated(session, actor=current_user, year=year),
                           threshold=settings.evaluation_review_threshold(), form=ComputeForm(formdata=None),
                           fact_labels={key: fact.label for key, fact in FACTS.items()},
                           EvaluationStatus=EvaluationStatus)


@bp.post("/compute")
@login_required
def compute():
    session, form = get_session(), ComputeForm()
    if form.validate_on_submit():
        try:
            row = evaluation.compute(session, actor=current_user, enterprise_id=form.enterprise.data,
                                     year=form.year.data)
        except DomainError as error:
            show_refusal(form, error)
            return redirect(url_for(".index", year=form.year.data))
        else:
            session.commit()
            flash(_("The evaluation is computed."), "success")
            return redirect(url_for(".show", evaluation_id=row.id))
    else:
        flash(_("Nothing was saved: the enterprise or the year is missing."), "danger")
    return redirect(url_for(".index"))


def _render(evaluation_id: int, *, adjust: AdjustForm | None = None, status: int = 200):
    session = get_session()
    row = visible_evaluation(session, current_user, evaluation_id)
    adjust = adjust or AdjustForm(formdata=None, data={"adjustment": quantity_text(row.adjustment),
                                                       "comment": row.comment})
    steps, people = evaluation.timeline(session, row)
    return render_template(
        "plans/evaluations/show.html", row=row, enterprise=session.get(Organisation, row.enterprise_id),
        facts=evaluation.fact_lines(row), score=evaluation.final_score(row), review=evaluation.review_recommended(row),
        threshold=settings.evaluation_review_threshold(), actions=evaluation.actions_for(session, current_user, row),
        adjust=adjust, finalise=FinaliseForm(formdata=None), compute=ComputeForm(formdata=None), steps=steps,
        people=people,
        EvaluationStatus=EvaluationStatus), status


@bp.get("/<int:evaluation_id>")
@login_required
def show(evaluation_id: int):
    return _render(evaluation_id)


@bp.post("/<int:evaluation_id>/adjust")
@login_required
def adjust(evaluation_id: int):
    session, form = get_session(), AdjustForm()
    if form.validate_on_submit():
        try:
            evaluation.adjust(session, actor=current_user, evaluation_id=evaluation_id,
                              adjustment=form.adjustment.data, comment=form.comment.data or "")
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("The adjustment is saved."), "success")
            return redirect(url_for(".show", evaluation_id=evaluation_id))
    return _render(evaluation_id, adjust=form, status=422)


@bp.post("/<int:evaluation_id>/finalise")
@login_required
def finalise(evaluation_id: int):
    session, form = get_session(), FinaliseForm()
    if form.validate_on_submit():
        try:
            evaluation.finalise(session, actor=current_user, evaluation_id=evaluation_id)
        except DomainError as error:
            show_refusal(form, error)
            return _render(evaluation_id, status=error.status)
        session.commit()
        flash(_("The evaluation is final."), "success")
    return redirect(url_for(".show", evaluation_id=evaluation_id))
