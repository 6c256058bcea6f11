"""Turning a service's refusal into form errors, after undoing whatever the request had begun."""
from __future__ import annotations

from flask import flash
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from inventory.db import get_session
from inventory.core.errors import DomainError


def mark_fields(form: FlaskForm, error: DomainError) -> dict[str, list[str]]:
    """Put the service's field messages on the form's fields of the same name; return the ones left over."""
    left: dict[str, list[str]] = {}
    for name, messages in error.fields.items():
        if name in form:
            form[name].errors = [*form[name].errors, *messages]
        else:
            left[name] = messages
    return left


def show_refusal(form: FlaskForm, error: DomainError) -> None:
    """Roll back, mark the fields and flash the rest.

    Refusals about access (403, 404) are re-raised for the error pages, so a form never hints that another
    tenant's record exists.
    """
    get_session().rollback()
    if error.status in (403, 404):
        raise error
    for name, messages in mark_fields(form, error).items():
        flash(f"{name}: {'; '.join(messages)}", "danger")
    flash(_("Nothing was saved: %(reason)s", reason=error.message), "danger")
