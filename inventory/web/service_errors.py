"""Turning a service's refusal into form errors, after undoing whatever the request had begun."""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from flask import flash
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form

from inventory.db import get_session
from inventory.core.errors import DomainError

#: a line's field as the services name it (docs/api.md, "Errors"): ``lines[0].quantity``
LINE_FIELD = re.compile(r"^lines\[(\d+)\]\.(\w+)$")


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


def on_line_rows(rows: Sequence[Form], fields: dict[str, list[str]]) -> dict[str, list[str]]:
    """Put ``lines[i].name`` messages on the field of ``rows[i]`` (the rows given, blank ones left out); return the
    other fields' messages."""
    left: dict[str, list[str]] = {}
    for name, messages in fields.items():
        found = LINE_FIELD.match(name)
        if found and int(found[1]) < len(rows) and found[2] in rows[int(found[1])]:
            field = rows[int(found[1])][found[2]]
            field.errors = [*field.errors, *messages]
        else:
            left[name] = messages
    return left


def labelled(fields: dict[str, list[str]], labels: Mapping[str, object]) -> dict[str, list[str]]:
    """The services' field names as the reader knows them: "Line 2: Quantity" for ``lines[1].quantity``."""
    named: dict[str, list[str]] = {}
    for name, messages in fields.items():
        found = LINE_FIELD.match(name)
        if found and found[2] in labels:
            label = _l("Line %(number)s: %(field)s", number=int(found[1]) + 1, field=labels[found[2]])
        else:
            label = labels.get(name, name)
        named[str(label)] = messages
    return named
