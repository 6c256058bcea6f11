"""Annual reserve plans (年度储备计划, reserve-materials-measures §二(三)) on the web: the list by year and status, a
draft's form with its lines (split by enterprise where known), and a version's page with its lines, this round's
signatures, the timeline, every version of its year and only the reader's allowed steps (the pages a catalogue
version shares are web/plans/document_pages.py's).

The rules live in services/plans/annual_plans.py and documents.py. A draft is a 404 for an enterprise.
"""
from __future__ import annotations

from flask import Blueprint, abort, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from inventory import scope
from inventory.db import get_session
from inventory.models import AnnualPlan
from inventory.services.plans import annual_plans, plan_views
from inventory.services.stock.names import material_name
from inventory.web.plans.document_pages import DocumentPages
from inventory.web.plans.forms import PlanFilterForm, PlanForm, enterprise_choices, material_choices
from inventory.web.plans.pages import listed, render

bp = Blueprint("annual_plans", __name__, url_prefix="/plans/annual")


@bp.get("/")
@login_required
def index():
    if not scope.can(current_user, "view", "annual_plan"):
        abort(403)
    session = get_session()
    form = PlanFilterForm(request.args)

    def query():
        query = annual_plans.ANNUAL_PLAN.rows_query(session, current_user)
        if form.status.data:
            query = query.where(AnnualPlan.status == form.status.data)
        return query.where(AnnualPlan.year == form.year.data) if form.year.data else query

    rows, next_args = listed(form, query, AnnualPlan)
    return render("plans/annual_plans/list.html", form=form, plans=rows, next_args=next_args,
                  orgs=plan_views.drafting_orgs(session, rows),
                  may_draft=scope.can(current_user, "draft", "annual_plan"))


def _form(view: plan_views.DocumentView | None) -> PlanForm:
    session = get_session()
    form = PlanForm(data=PlanForm.stored(view) if view else {"year": annual_plans.current_year()})
    if not form.is_submitted():
        form.pad()
    listed_codes = [line.material.code for line in view.lines] if view else []
    form.set_choices(material_choices(plan_views.plan_materials(session, listed_codes), material_name),
                     enterprise_choices(plan_views.enterprises(session, current_user)))
    if view:
        del form.year  # a version keeps its year
    return form


DocumentPages(
    flow=annual_plans.ANNUAL_PLAN, arg="plan_id", folder="plans/annual_plans",
    view=lambda session, actor, row_id: plan_views.plan_view(session=session, actor=actor, plan_id=row_id),
    form=_form,
    draft=lambda session, actor, form: annual_plans.draft_plan(session=session, actor=actor, year=form.year.data,
                                                               **form.values()),
    edit=lambda session, actor, row_id, form: annual_plans.edit_plan(session=session, actor=actor, plan_id=row_id,
                                                                     **form.values()),
    amend=lambda session, actor, row_id: annual_plans.amend(session=session, actor=actor, plan_id=row_id),
    drafted=lambda code: _("Annual plan %(code)s is saved as a draft.", code=code),
    started=lambda code: _("Annual plan %(code)s is started as a draft.", code=code),
).register(bp)
