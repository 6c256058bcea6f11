"""Readable names of the audit action codes; a code with no label is shown as it is stored."""
from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from inventory.core.vocab import WorkflowAction
from inventory.services.workflows.registry import FLOWS

ACTION_LABELS: dict[str, LazyString] = {
    "user.login": _l("Logged in"),
    "user.logout": _l("Logged out"),
    "user.password": _l("Changed the password"),
    "user.create": _l("Created a user"),
    "user.activate": _l("Reactivated a user"),
    "user.deactivate": _l("Deactivated a user"),
    "org.create": _l("Created an organisation"),
    "token.issue": _l("Issued an API token"),
    "token.revoke": _l("Revoked an API token"),
    "district.update": _l("Changed a district's population"),
    "material.create": _l("Added a material"),
    "material.update": _l("Changed a material"),
    "facility.create": _l("Added a facility"),
    "facility.safety": _l("Recorded a safety check"),
    "lot.receive": _l("Received a lot"),
    "lot.hold": _l("Put a lot on hold"),
    "lot.release": _l("Released a lot"),
    "adjustment.request": _l("Requested a write-down"),
    "transfer.request": _l("Requested a transfer"),
    "transfer.execute": _l("Executed a transfer"),
    "count.open": _l("Opened a physical count"),
    "import.commit": _l("Imported receipts"),
}


def action_label(code: str) -> str:
    """The label of ``code``; a workflow decision (``transfer.approve``) reads "transfer: approve"."""
    if code in ACTION_LABELS:
        return str(ACTION_LABELS[code])
    flow_name, _, action = code.partition(".")
    if flow_name in FLOWS and action in WorkflowAction.values():
        return gettext("%(flow)s: %(action)s", flow=FLOWS[flow_name].label, action=WorkflowAction(action).label)
    return code
