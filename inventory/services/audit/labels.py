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
    "blood_report.file": _l("Filed a daily blood report"),
    "blood_report.correct": _l("Corrected a daily blood report"),
    "blood_emergency.propose": _l("Proposed a blood emergency level"),
    "blood_emergency.confirm": _l("Confirmed a blood emergency level and published the warning"),
    "blood_emergency.declare": _l("Declared a blood emergency level"),
    "blood_emergency.notice": _l("Recorded a report of a blood emergency to the city or the province"),
    "blood_emergency.unit": _l("Recorded a temporary blood-handling unit"),
    "blood_response.tick": _l("Recorded a blood emergency response measure as done"),
    "blood_emergency.assess": _l("Recorded the expert assessment of ending a blood emergency"),
    "blood_emergency.terminate": _l("Recorded the termination of a blood emergency"),
    "blood_emergency.review": _l("Recorded the post-event review of a blood emergency"),
    "blood_donor.register": _l("Registered an emergency blood donor"),
    "blood_donor.confirm": _l("Recorded a blood donor's yearly confirmation"),
    "blood_donor.reencrypt": _l("Re-encrypted the donor register under a new key"),
    "blood_donor_filing.record": _l("Recorded the donor register's yearly filing"),
    "blood_donation_drill.record": _l("Recorded an emergency-donation drill"),
    "blood_collection_point.add": _l("Added an emergency collection point"),
    "blood_collection_point.deactivate": _l("Deactivated an emergency collection point"),
    "blood_collection_point.reactivate": _l("Reactivated an emergency collection point"),
    "calendar.day": _l("Ruled on a working day"),
    "calendar.load_year": _l("Loaded a year of the working-day calendar"),
}


def action_label(code: str) -> str:
    """The label of ``code``; a workflow decision (``transfer.approve``) reads "transfer: approve"."""
    if code in ACTION_LABELS:
        return str(ACTION_LABELS[code])
    flow_name, _, action = code.partition(".")
    if flow_name in FLOWS and action in WorkflowAction.values():
        return gettext("%(flow)s: %(action)s", flow=FLOWS[flow_name].label, action=WorkflowAction(action).label)
    return code
