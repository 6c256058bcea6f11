"""Scraps (报废, reserve-materials-measures §三) on the web: the list with filters, the enterprise's request, the
scrap's page with its evidence (uploaded and shown inline), timeline and only the reader's allowed steps.

The rules live in services/workflows/scraps.py; a scrap the reader may not see is a 404 (scope).
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from inventory import scope
from inventory.core.errors import DomainError
from inventory.core.vocab import ScrapReason, ScrapStatus
from inventory.db import get_session
from inventory.models import Scrap
from inventory.services import paging
from inventory.services.workflows import rotation_lists, rotation_views, scrap_rule_views, scraps
from inventory.services.workflows.evidence import SUFFIXES, evidence_policy
from inventory.web.service_errors import mark_fields, show_refusal
from inventory.web.workflows.rotation_forms import EvidenceForm, ScrapFilterForm, ScrapRequestForm, StepForm

bp = Blueprint("scraps", __name__, url_prefix="/scraps")
PAGE_SIZE = 50
#: the decision messages flashed after each step
DONE = {"submit": _l("The scrap request is submitted to the bureau."), "approve": _l("The scrap is approved."),
        "witness": _l("The scrap is witnessed."), "reject": _l("The scrap is rejected."),
        "execute": _l("The stock is scrapped and a replenishment of the same quantity proposed."),
        "cancel": _l("The scrap request is cancelled.")}


def _render(template: str, **context):
    return render_template(template, ScrapStatus=ScrapStatus, ScrapReason=ScrapReason, **context)


@bp.get("/")
@login_required
def index():
    if not scope.can(current_user, "view", "scrap"):
        abort(403)
    session = get_session()
    form = ScrapFilterForm(request.args)
    rows: list[Scrap] = []
    next_args = None
    if form.validate():
        try:
            query = rotation_lists.scraps_listed(session, current_user, form.filters())
            rows, cursor = paging.page(session, query, [Scrap.id], limit=form.limit.data or PAGE_SIZE,
                                       cursor=form.cursor.data or None)
        except DomainError as error:
            mark_fields(form, error)
        else:
            next_args = {**request.args.to_dict(), "cursor": cursor} if cursor else None
    materials, enterprises = rotation_views.names(session, rows)
    return _render("workflows/scraps/list.html", form=form, scraps=rows, next_args=next_args, materials=materials,
                   enterprises=enterprises, may_request=scope.can(current_user, "request", "scrap"))


def _request_form(lots: list[scrap_rule_views.ScrappableLot]) -> ScrapRequestForm:
    form = ScrapRequestForm()
    form.lot.choices = [(row.lot.id, f"{row.material.code} · {row.lot.lot_code} · {row.lot.on_hand}") for row in lots]
    return form


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if not scope.can(current_user, "request", "scrap"):
        abort(403)
    lots = scrap_rule_views.scrappable_lots(get_session(), current_user)
    form = _request_form(lots)
    if form.validate_on_submit():
        session = get_session()
        try:
            made = scraps.request_scrap(session=session, actor=current_user, given=scraps.ScrapInput(
                lines=((form.lot.data, form.quantity.data.strip()),), reason_kind=form.reason_kind.data or "",
                reason=form.reason.data or ""))
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("The scrap request %(code)s is saved: attach the evidence, then submit it.", code=made.code),
                  "success")
            return redirect(url_for(".show", scrap_id=made.id))
    return _render("workflows/scraps/form.html", form=form, lots=lots), 422 if request.method == "POST" else 200


def _render_page(scrap_id: int, *, upload: EvidenceForm | None = None, step: StepForm | None = None,
                 status: int = 200):
    view = rotation_views.scrap_view(session=get_session(), actor=current_user, scrap_id=scrap_id)
    return _render("workflows/scraps/show.html", view=view, upload=upload or EvidenceForm(formdata=None),
                   step=step or StepForm(formdata=None)), status


@bp.get("/<int:scrap_id>")
@login_required
def show(scrap_id: int):
    return _render_page(scrap_id)


@bp.post("/<int:scrap_id>/steps")
@login_required
def step(scrap_id: int):
    session = get_session()
    form = StepForm()
    if form.validate_on_submit():
        try:
            scraps.decide(session=session, actor=current_user, scrap_id=scrap_id, action=form.action.data,
                          note=form.note.data or "")
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(str(DONE.get(form.action.data, _("Done."))), "success")
            return redirect(url_for(".show", scrap_id=scrap_id))
    return _render_page(scrap_id, step=form, status=422)


@bp.post("/<int:scrap_id>/attachments")
@login_required
def attach(scrap_id: int):
    session = get_session()
    form = EvidenceForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            scraps.attach(session=session, actor=current_user, scrap_id=scrap_id, filename=upload.filename or "",
                          content=upload.read())
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("The evidence is attached."), "success")
            return redirect(url_for(".show", scrap_id=scrap_id))
    return _render_page(scrap_id, upload=form, status=422)


@bp.get("/<int:scrap_id>/attachments/<int:attachment_id>")
@login_required
def evidence(scrap_id: int, attachment_id: int):
    """The file inline, with the type its content was checked to be; sandboxed so a PDF runs nothing of ours."""
    added, content = scraps.attachment_content(session=get_session(), actor=current_user, scrap_id=scrap_id,
                                               attachment_id=attachment_id)
    response = Response(content, mimetype=added.content_type)
    response.headers["Content-Disposition"] = \
        f"inline; filename=evidence-{added.id}{SUFFIXES.get(added.content_type, '')}"
    response.headers["Content-Security-Policy"] = evidence_policy(added.content_type)
    return response
