"""What a delivery says: one message per batch (the changes of one subscription's group), in the subscriber's
language, as plain text, HTML, markdown for the robots and the JSON body webhooks receive (docs/api.md)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import force_locale, get_locale, gettext as _
from markupsafe import escape

from inventory.core import settings
from inventory.core.vocab import AlertEventKind, AlertSeverity
from inventory.models import Alert, AlertEvent, Subscription
from inventory.services.alerts.queries import AlertNames, kinds
from inventory.services.workflows.registry import FLOWS

#: alerts a message lists by name; the rest are counted ("and 12 more")
LISTED = 50
#: characters the robots' markdown gives a meaning to
MARKDOWN_SPECIAL = re.compile(r"[\\`*_{}\[\]()#+!<>|~]")


@dataclass(frozen=True)
class Change:
    """One row of a batch: what happened (the event) to which alert."""

    delivery_id: int
    alert: Alert
    event: AlertEvent


@dataclass(frozen=True)
class Message:
    batch: str
    subject: str
    text: str
    html: str
    markdown: str
    #: the exact bytes a webhook receives and its signature covers
    body: bytes


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _subject_of(alert: Alert, names: AlertNames) -> str:
    payload = alert.payload or {}
    flow = FLOWS.get(alert.subject_type)
    # a lot, an instruction or a dispatch by its code; the blood kinds by station and group
    named = payload.get("lot_code") or payload.get("code") or " ".join(
        str(payload[key]) for key in ("station", "group") if payload.get(key))
    what = named or f"{flow.label if flow else alert.subject_type} #{alert.subject_id}"
    material = names.materials.get(alert.material_id)
    if material is not None:
        material_name = material.name_en if get_locale() and get_locale().language == "en" and material.name_en \
            else material.name_zh
    enterprise = names.orgs.get(alert.enterprise_id)
    return " · ".join(str(part) for part in (what, material_name if material else None,
                                             enterprise.name if enterprise else None) if part)


def _url(alert: Alert) -> str:
    return f"{settings.public_url()}/alerts/{alert.id}"


def _line(change: Change, names: AlertNames) -> str:
    alert, event = change.alert, change.event
    return _("[%(severity)s] %(kind)s — %(event)s: %(subject)s", severity=AlertSeverity.label_of(event.to_severity),
             kind=kinds().get(alert.kind, alert.kind), event=AlertEventKind.label_of(event.kind),
             subject=_subject_of(alert, names))


def _markdown(text: str) -> str:
    """Plain text made inert in the robots' markdown: a lot code cannot become a link or a heading."""
    return MARKDOWN_SPECIAL.sub(lambda m: "\\" + m.group(0), text)


def _json_item(change: Change, names: AlertNames) -> dict[str, Any]:
    alert, event = change.alert, change.event
    enterprise, material = names.orgs.get(alert.enterprise_id), names.materials.get(alert.material_id)
    return {"id": alert.id, "kind": alert.kind, "severity": event.to_severity, "state": alert.state,
            "event": event.kind, "level": event.level, "subject_type": alert.subject_type,
            "subject_id": alert.subject_id, "enterprise": enterprise.code if enterprise else None,
            "material": material.code if material else None, "payload": alert.payload,
            "first_seen": _iso(alert.first_seen), "last_seen": _iso(alert.last_seen), "url": _url(alert)}


def compose(*, subscription: Subscription, locale: str, batch: str, changes: list[Change],
            names: AlertNames) -> Message:
    """The message of one batch; ``changes`` is not empty."""
    with force_locale(locale):
        first = changes[0]
        worst = max((c.event.to_severity for c in changes), key=lambda s: AlertSeverity.values().index(s)
                    if s in AlertSeverity.values() else 0)
        kinds_named = sorted({str(kinds().get(c.alert.kind, c.alert.kind)) for c in changes})
        if len(changes) == 1:
            subject = _line(first, names)
        else:
            subject = _("[%(severity)s] %(count)s alert changes: %(kinds)s", severity=AlertSeverity.label_of(worst),
                        count=len(changes), kinds=", ".join(kinds_named))
        listed, rest = changes[:LISTED], len(changes) - LISTED
        more = _("and %(count)s more", count=rest) if rest > 0 else ""
        lines = [f"- {_line(c, names)}\n  {_url(c.alert)}" for c in listed]
        text = "\n".join([subject, "", *lines, *([more] if more else []), "",
                          _("Subscription: %(name)s", name=subscription.name)])
        items = "".join(f'<li>{escape(_line(c, names))} — <a href="{escape(_url(c.alert))}">{escape(_url(c.alert))}'
                        f"</a></li>" for c in listed)
        html = (f"<p><strong>{escape(subject)}</strong></p><ul>{items}</ul>"
                + (f"<p>{escape(more)}</p>" if more else "")
                + f"<p>{escape(_('Subscription: %(name)s', name=subscription.name))}</p>")
        view = _("View alert")
        markdown = "\n".join([f"**{_markdown(subject)}**", "", *(
            f"- {_markdown(_line(c, names))} [{view}]({_url(c.alert)})" for c in listed),
            *([more] if more else [])])
    body = json.dumps({"delivery": batch, "subscription": subscription.id,
                       "alerts": [_json_item(c, names) for c in changes]},
                      ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    return Message(batch=batch, subject=subject, text=text, html=html, markdown=markdown, body=body)


def test_message(*, subscription: Subscription, locale: str, batch: str) -> Message:
    """What "send a test" sends: the same shapes with no alert in them."""
    with force_locale(locale):
        subject = _("Test message for subscription %(name)s", name=subscription.name)
        text = _("If you read this, alerts of this subscription reach you here.")
    body = json.dumps({"delivery": batch, "subscription": subscription.id, "test": True, "alerts": []},
                      separators=(",", ":"), sort_keys=True).encode()
    return Message(batch=batch, subject=subject, text=f"{subject}\n\n{text}", html=f"<p>{escape(subject)}</p>"
                   f"<p>{escape(text)}</p>", markdown=f"**{subject}**\n\n{text}", body=body)

