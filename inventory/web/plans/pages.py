"""What the plans pages share: a filtered list's page, the vocabularies their templates label with, a step taken
from a page and the flash after it, and a refused draft's messages put on the rows of its lines table."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from inventory.core.errors import DomainError
from inventory.core.vocab import AdditionStatus, PlanStatus
from inventory.core.vocab import WorkflowAction as A
from inventory.db import get_session
from inventory.services import paging
from inventory.web.form_steps import posted
from inventory.web.plans.forms import labelled
from inventory.web.service_errors import mark_fields, show_refusal
from inventory.web.workflows.rotation_forms import StepForm

PAGE_SIZE = 50

DONE = {A.submit: _l("Submitted."), A.sign: _l("Your organisation's signature is recorded."),
        A.reject: _l("Rejected: it is back with its drafters."), A.approve: _l("Approved: it is in force."),
        A.withdraw: _l("Withdrawn."), A.lapse: _l("The addition has lapsed; the decision is recorded."),
        A.propose: _l("The addition is proposed into the draft catalogue version.")}


def render(template: str, **context):
    return render_template(template, PlanStatus=PlanStatus, AdditionStatus=AdditionStatus, **context)


def done(action: str) -> str:
    return str(DONE.get(action, _("Done.")))


def listed(form, query: Callable[[], Any], model: type) -> tuple[list, dict | None]:
    """A keyset page of ``query()``, newest first (people look for the latest version, contract or addition), asked
    only once the filter is valid, and the next page's arguments; a bad page size or page link is marked on its
    field and lists nothing."""
    if not form.validate():
        return [], None
    try:
        rows, cursor = paging.page(get_session(), query(), [model.id], limit=form.limit.data or PAGE_SIZE,
                                   cursor=form.cursor.data or None, descending=True)
    except DomainError as error:
        mark_fields(form, error)
        return [], None
    return rows, {**request.args.to_dict(), "cursor": cursor} if cursor else None


def stepped(take: Callable[[str, str], Any], shown: str, again: Callable[..., Any]):
    """A step posted from a page: ``take(action, note)``, committed and flashed, then back to ``shown``; refused,
    the page ``again`` with the form's messages and nothing written."""
    form = StepForm()
    return posted(form, lambda: take(form.action.data, form.note.data or ""), done=done(form.action.data),
                  shown=shown, again=lambda: again(step=form, status=422))


def refuse_lines(form, error: DomainError) -> None:
    """Each line's messages on its row, the other fields' on theirs, the rest flashed; nothing kept."""
    left = form.place_line_errors(error.fields)
    show_refusal(form, type(error)(error.message, code=error.code, fields=_on_fields(form, left)))


def _on_fields(form, fields: dict[str, list[str]]) -> dict[str, list[str]]:
    """Fields the form has keep their names (``mark_fields`` puts them there); the others are labelled."""
    kept = {name: messages for name, messages in fields.items() if name in form}
    return {**kept, **labelled({name: m for name, m in fields.items() if name not in form})}
