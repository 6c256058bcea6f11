"""The reserve catalogue's versions (储备目录, reserve-materials-measures §二(二)) on the web: the list, a draft's
form with its lines, and a version's page with its lines, this round's signatures, the timeline, every version and
only the reader's allowed steps (the pages an annual plan shares are web/plans/document_pages.py's).

The rules live in services/plans/catalogue.py and documents.py. A version the reader may not see — a draft, for an
enterprise — is a 404.
"""
from __future__ import annotations

from flask import Blueprint, abort, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from inventory import scope
from inventory.db import get_session
from inventory.models import CatalogueVersion
from inventory.services.plans import catalogue, plan_views
from inventory.services.stock.names import material_name
from inventory.web.plans.document_pages import DocumentPages
from inventory.web.plans.forms import CatalogueForm, DocumentFilterForm, material_choices
from inventory.web.plans.pages import listed, render

bp = Blueprint("catalogue_versions", __name__, url_prefix="/plans/catalogue")


@bp.get("/")
@login_required
def index():
    if not scope.can(current_user, "view", "catalogue"):
        abort(403)
    session = get_session()
    form = DocumentFilterForm(request.args)

    def query():
        query = catalogue.CATALOGUE.rows_query(session, current_user)
        return query.where(CatalogueVersion.status == form.status.data) if form.status.data else query

    rows, next_args = listed(form, query, CatalogueVersion)
    return render("plans/catalogue/list.html", form=form, versions=rows, next_args=next_args,
                  orgs=plan_views.drafting_orgs(session, rows), may_draft=scope.can(current_user, "draft", "catalogue"))


def _form(view: plan_views.DocumentView | None) -> CatalogueForm:
    form = CatalogueForm(data=CatalogueForm.stored(view) if view else None)
    if not form.is_submitted():
        form.pad()
    form.set_choices(material_choices(plan_views.catalogue_materials(get_session()), material_name))
    return form


DocumentPages(
    flow=catalogue.CATALOGUE, arg="version_id", folder="plans/catalogue",
    view=lambda session, actor, row_id: plan_views.catalogue_view(session=session, actor=actor, version_id=row_id),
    form=_form,
    draft=lambda session, actor, form: catalogue.draft_version(session=session, actor=actor, **form.values()),
    edit=lambda session, actor, row_id, form: catalogue.edit_version(session=session, actor=actor,
                                                                     version_id=row_id, **form.values()),
    amend=lambda session, actor, row_id: catalogue.amend(session=session, actor=actor, version_id=row_id),
    drafted=lambda code: _("Catalogue version %(code)s is saved as a draft.", code=code),
    started=lambda code: _("Catalogue version %(code)s is started as a draft.", code=code),
).register(bp)
