"""The pages a catalogue version and an annual plan share (docs/plans.md): the draft's form, the document's page
with its signatures, timeline and versions (templates/plans/_document.html), a step and an amendment. Only what
differs is given: the URL argument, the template folder, the service calls and the flashes.

A signature goes through the document's ``decide`` (services/plans/documents.py, which records the party's
signature), never the inbox's generic step; a document the reader may not see is a 404.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlmodel import Session

from inventory import scope
from inventory.core.errors import DomainError
from inventory.db import get_session
from inventory.services.plans.documents import DocumentFlow
from inventory.services.plans.plan_views import DocumentView
from inventory.web.plans.forms import AmendForm
from inventory.web.plans.pages import refuse_lines, render, stepped
from inventory.web.service_errors import show_refusal
from inventory.web.workflows.rotation_forms import StepForm


@dataclass(frozen=True)
class DocumentPages:
    """One document kind's pages, registered on its blueprint under the endpoints its templates and links use."""

    flow: DocumentFlow
    #: the URL argument naming the row, e.g. ``version_id``
    arg: str
    #: the folder of its ``form.html`` and ``show.html``
    folder: str
    #: (session, actor, row id) -> what its page shows
    view: Callable[[Session, Any, int], DocumentView]
    #: the draft's form: blank, or filled from a view to edit
    form: Callable[[DocumentView | None], FlaskForm]
    #: (session, actor, form) -> a new draft; (session, actor, row id, form) -> the draft changed
    draft: Callable[[Session, Any, FlaskForm], Any]
    edit: Callable[[Session, Any, int, FlaskForm], Any]
    #: (session, actor, row id) -> the next version as a draft
    amend: Callable[[Session, Any, int], Any]
    #: the flashes for a new draft and an amendment started, given its code
    drafted: Callable[[str], str]
    started: Callable[[str], str]

    def register(self, bp: Blueprint) -> None:
        one = f"/<int:{self.arg}>"
        routes = (("/new", "create", self.create, ["GET", "POST"]), (f"{one}/edit", "edit", self.change, ["GET", "POST"]),
                  (one, "show", self.show, ["GET"]), (f"{one}/steps", "step", self.step, ["POST"]),
                  (f"{one}/amend", "amend", self.amend_page, ["POST"]))
        for rule, endpoint, page, methods in routes:
            bp.add_url_rule(rule, endpoint, login_required(page), methods=methods)

    def _shown(self, row_id: int) -> str:
        return url_for(".show", **{self.arg: row_id})

    def _form_page(self, form: FlaskForm, view: DocumentView | None):
        return render(f"{self.folder}/form.html", form=form, view=view), 422 if form.is_submitted() else 200

    def _page(self, row_id: int, *, step: StepForm | None = None, status: int = 200):
        view = self.view(get_session(), current_user, row_id)
        return render(f"{self.folder}/show.html", view=view, step=step or StepForm(formdata=None),
                      amend=AmendForm(formdata=None)), status

    def create(self):
        if not scope.can(current_user, "draft", self.flow.flow.name):
            abort(403)
        form = self.form(None)
        saved = _saved(form, lambda session: self.draft(session, current_user, form),
                       lambda made: (self.drafted(made.code), self._shown(made.id)))
        return saved or self._form_page(form, None)

    def change(self, **ids: int):
        row_id = ids[self.arg]
        view = self.view(get_session(), current_user, row_id)
        if not view.editable:
            abort(403)
        form = self.form(view)
        saved = _saved(form, lambda session: self.edit(session, current_user, row_id, form),
                       lambda _row: (_("The draft is saved."), self._shown(row_id)))
        return saved or self._form_page(form, view)

    def show(self, **ids: int):
        return self._page(ids[self.arg])

    def step(self, **ids: int):
        """submit, sign, reject with a reason, approve or withdraw: one ``decide`` of the document's flow."""
        row_id = ids[self.arg]
        return stepped(lambda action, note: self.flow.decide(get_session(), actor=current_user, row_id=row_id,
                                                              action=action, note=note),
                       self._shown(row_id), partial(self._page, row_id))

    def amend_page(self, **ids: int):
        """The next version as a draft copied from this one, which must be in force."""
        row_id = ids[self.arg]
        saved = _saved(AmendForm(), lambda session: self.amend(session, current_user, row_id),
                       lambda made: (self.started(made.code), url_for(".edit", **{self.arg: made.id})),
                       refuse=show_refusal)
        return saved or self._page(row_id, status=422)


def _saved(form: FlaskForm, save: Callable[[Session], Any], then: Callable[[Any], tuple[str, str]], *,
           refuse: Callable[[FlaskForm, DomainError], None] = refuse_lines) -> Response | None:
    """A valid form's ``save``, committed, then ``then(saved)``'s flash and redirect; None when the form is invalid or
    the service refuses (its messages put on the form, nothing written), for the page to be shown again."""
    if not form.validate_on_submit():
        return None
    session = get_session()
    try:
        made = save(session)
    except DomainError as error:
        refuse(form, error)
        return None
    session.commit()
    message, url = then(made)
    flash(message, "success")
    return redirect(url)
