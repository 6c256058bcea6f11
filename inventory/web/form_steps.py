"""A form posted from a record's page, one way everywhere: the service takes the step, the request commits, the
reader is told and sent back to the page; a form that does not validate, or a step the service refuses, shows the
page again with the form's messages (422) and writes nothing (service_errors.show_refusal)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect
from flask_wtf import FlaskForm

from inventory.core.errors import DomainError
from inventory.db import get_session
from inventory.web.service_errors import show_refusal


def posted(form: FlaskForm, take: Callable[[], Any], *, done: str, shown: str, again: Callable[[], Any],
           ready: bool = True):
    """``take()`` once ``form`` validates (and the view's own ``ready`` check holds), committed, ``done`` flashed,
    then a redirect to ``shown``; else ``again()``, the page with the form's messages."""
    if form.validate_on_submit() and ready:
        try:
            take()
        except DomainError as error:
            show_refusal(form, error)
        else:
            get_session().commit()
            flash(done, "success")
            return redirect(shown)
    return again()
