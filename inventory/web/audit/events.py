"""The audit log page: the reader's visible events, filtered, newest first, in Beijing time."""
from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import Length, NumberRange, Optional
from werkzeug.routing import BuildError

from inventory import scope
from inventory.core.errors import DomainError
from inventory.db import get_session
from inventory.models import AuditEvent
from inventory.services.audit import queries
from inventory.services.audit.labels import action_label
from inventory.web.service_errors import mark_fields

bp = Blueprint("audit", __name__, url_prefix="/admin")
PAGE_SIZE = 50

#: entity -> (endpoint, argument, where the argument comes from: the event's id or a key the service found)
ENTITY_LINKS: dict[str, tuple[str, str, str]] = {
    "lot": ("stock.lot_page", "lot_id", "id"),
    "transfer": ("stock.lot_page", "lot_id", "lot_id"),
    "adjustment": ("stock.lot_page", "lot_id", "lot_id"),
    "count": ("counts.show", "count_id", "id"),
    "import_job": ("imports.show", "job_id", "id"),
    "facility": ("facilities.show", "code", "code"),
    "user": ("admin.users", "", ""),
    "organisation": ("admin.organisations", "", ""),
    "district": ("admin.districts", "", ""),
}


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    entity = StringField(_l("Entity"), validators=[Optional(), Length(max=64)])
    action = StringField(_l("Action"), validators=[Optional(), Length(max=64)])
    actor = SelectField(_l("Actor"), choices=[], validate_choice=False)
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])
    before = IntegerField(validators=[Optional(), NumberRange(min=1, max=queries.MAX_ID)])

    def wanted(self) -> queries.AuditFilter:
        actor = self.actor.data or ""
        return queries.AuditFilter(
            entity=self.entity.data or None, action=self.action.data or None,
            actor_id=int(actor) if actor.isascii() and actor.isdigit() and len(actor) <= 10 else (0 if actor else None),
            since=self.since.data, until=self.until.data, before_id=self.before.data)


def entity_link(event: AuditEvent, related: dict[tuple[str, str], dict[str, Any]]) -> str | None:
    """A link to the entity's page, where such a page exists and the event names a row it can find."""
    if event.entity not in ENTITY_LINKS:
        return None
    endpoint, argument, source = ENTITY_LINKS[event.entity]
    args: dict[str, Any] = {}
    if argument:
        value = event.entity_id if source == "id" else related.get((event.entity, event.entity_id), {}).get(source)
        if value is None or (source == "id" and not (event.entity_id.isascii() and event.entity_id.isdigit())):
            return None
        args[argument] = value
    try:
        return url_for(endpoint, **args)
    except BuildError:
        return None


def json_text(value: dict | None) -> str:
    """Before/after as readable JSON: Chinese stays Chinese (no \\u escapes), keys in a stable order."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str) if value else ""


@bp.get("/audit")
@login_required
def events():
    if not scope.can(current_user, "view", "audit"):
        abort(403)
    session = get_session()
    form = AuditFilterForm(request.args)
    form.actor.choices = [SelectChoice("", "—")] + [
        SelectChoice(str(u.id), u.username) for u in queries.actors(session=session, user=current_user)]
    page = None
    if form.validate():
        try:
            page = queries.newest_events(session=session, user=current_user, wanted=form.wanted(), limit=PAGE_SIZE)
        except DomainError as error:
            mark_fields(form, error)
    return render_template("audit/events.html", form=form, page=page, entity_link=entity_link, json_text=json_text,
                           action_label=action_label), 200 if page else 422
