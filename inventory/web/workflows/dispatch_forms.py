"""The dispatch pages' forms: the plan with a fixed number of line rows, and the steps of its approval chain.

Field names match those the dispatch services put in their errors (services/workflows/dispatch_plan.py), so a
refusal lands on its field; a line's errors name its place among the lines given, which ``place_line_errors``
turns back into the row of the form (blank rows are not given). The forms check only the shape of the input.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField, DateField, DecimalField, FieldList, Form, FormField, IntegerField, SelectField, StringField,
    SubmitField, TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from inventory.core.vocab import DispatchStatus, InspectionResult
from inventory.models import Material
from inventory.services.workflows.dispatch_plan import LENGTHS, LineInput, PlanInput
from inventory.services.workflows.dispatch_views import DispatchView
from inventory.web import service_errors
from inventory.web.stock.forms import ALL, CertificatesForm

#: line rows on the plan form; a plan of more materials is rare and may be drafted in the API
LINE_ROWS = 5
#: the plan's fields and its lines' fields, by the names the services use
LABELS = {
    "trigger": _l("Trigger"), "trigger_description": _l("Description of the event"), "recipients": _l("Recipients"),
    "district": _l("Destination district"), "address": _l("Destination address"),
    "transport": _l("Transport arrangement"), "requested_on": _l("Requested date"), "lines": _l("Materials"),
    "material": _l("Material"), "quantity": _l("Quantity"), "unit_price": _l("Unit price (yuan)"),
    "price_note": _l("Price note"), "emergency": _l("Emergency dispatch"),
    "work_ended_on": _l("Work ended on"), "reference": _l("Filing reference"),
}


def labelled(fields: dict[str, list[str]]) -> dict[str, list[str]]:
    """The services' field names as the reader knows them: "Line 1: Unit price (yuan)" for ``lines[0].unit_price``."""
    return service_errors.labelled(fields, LABELS)


class LineForm(Form):
    """One material of the plan; a row left blank is not part of the plan."""

    material = SelectField(LABELS["material"], choices=[], validate_choice=False)
    quantity = StringField(LABELS["quantity"], validators=[Length(max=40)])
    unit_price = StringField(LABELS["unit_price"], validators=[Length(max=40)])
    price_note = StringField(LABELS["price_note"], validators=[Length(max=255)])

    def blank(self) -> bool:
        return not any((field.data or "").strip()
                       for field in (self.material, self.quantity, self.unit_price, self.price_note))


class PlanForm(FlaskForm):
    """The dispatch plan (动用方案); any field may stay empty in a draft, submitting needs them all."""

    trigger = SelectField(LABELS["trigger"], choices=[], validate_choice=False)
    trigger_description = TextAreaField(LABELS["trigger_description"],
                                        validators=[Length(max=LENGTHS["trigger_description"])])
    recipients = StringField(LABELS["recipients"], validators=[Length(max=LENGTHS["recipients"])],
                             description=_l("Who receives and uses the stock (use arrangement)."))
    district = SelectField(LABELS["district"], choices=[], validate_choice=False)
    address = StringField(LABELS["address"], validators=[Length(max=LENGTHS["address"])])
    transport = TextAreaField(LABELS["transport"], validators=[Length(max=LENGTHS["transport"])])
    requested_on = DateField(LABELS["requested_on"], validators=[Optional()])
    emergency = BooleanField(LABELS["emergency"], description=_l(
        "Executed at once under your organisation's emergency authorisation, without co-signatures and "
        "approval, and filed with the government within 20 days after the work ends."))
    lines = FieldList(FormField(LineForm), min_entries=LINE_ROWS, max_entries=LINE_ROWS)
    submit = SubmitField(_l("Save draft"))

    def set_choices(self, *, triggers: dict, districts: list[SelectChoice], materials: list[Material],
                    name_of) -> None:
        """The select boxes' options; ``name_of`` names a material in the reader's language."""
        self.trigger.choices = [ALL, *(SelectChoice(code, label) for code, label in triggers.items())]
        self.district.choices = [ALL, *districts]
        options = [ALL, *(SelectChoice(m.code, f"{name_of(m)} · {m.code} ({m.unit})") for m in materials)]
        for row in self.lines:
            row.form.material.choices = options

    def given_rows(self) -> list[LineForm]:
        return [row.form for row in self.lines if not row.form.blank()]

    def plan(self) -> PlanInput:
        return PlanInput(
            trigger=self.trigger.data or "", trigger_description=self.trigger_description.data or "",
            recipients=self.recipients.data or "", district=self.district.data or "",
            address=self.address.data or "", transport=self.transport.data or "", requested_on=self.requested_on.data,
            emergency=bool("emergency" in self and self.emergency.data),
            lines=tuple(LineInput(material=row.material.data or "", quantity=(row.quantity.data or "").strip(),
                                  unit_price=(row.unit_price.data or "").strip() or None,
                                  price_note=row.price_note.data or "") for row in self.given_rows()))

    def place_line_errors(self, fields: dict[str, list[str]]) -> dict[str, list[str]]:
        """Put ``lines[i].name`` messages on the field of the i-th row given; return the other fields' messages."""
        return service_errors.on_line_rows(self.given_rows(), fields)

    @classmethod
    def stored(cls, view: DispatchView) -> dict:
        """The form's values of a stored plan."""
        plan = view.dispatch
        return dict(trigger=plan.trigger, trigger_description=plan.trigger_description, recipients=plan.recipients,
                    district=view.district.code if view.district else "", address=plan.address,
                    transport=plan.transport, requested_on=plan.requested_on, emergency=plan.emergency,
                    lines=[dict(material=v.material.code, quantity=_plain(v.line.quantity),
                                unit_price=_plain(v.line.unit_price), price_note=v.line.price_note)
                           for v in view.lines])


def _plain(value) -> str:
    """A stored amount as typed: 300 rather than 300.000."""
    if value is None:
        return ""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class DispatchFilterForm(FlaskForm):
    """Read from the query string; ``cursor`` is the keyset cursor of the next page (services/paging.py)."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), choices=[ALL, *(SelectChoice(k, v) for k, v in DispatchStatus.labels().items())],
                         default="")
    limit = IntegerField(_l("Rows per page"), validators=[Optional(), NumberRange(min=1, max=200)])
    cursor = StringField(validators=[Optional(), Length(max=200)])


class SubmitPlanForm(FlaskForm):
    """Only the CSRF token and a button: the drafting organisation sends the plan for co-signature."""

    submit = SubmitField(_l("Submit for co-signature"))


class ApproveForm(FlaskForm):
    """A co-signature, or the government's approval, with an optional note."""

    note = StringField(_l("Note"), validators=[Length(max=500)], default="")
    submit = SubmitField(_l("Co-sign"))


class RejectForm(FlaskForm):
    """A rejection returns the plan to draft; it needs a reason."""

    note = StringField(_l("Reason for the rejection"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Reject and return to draft"))


class CancelForm(FlaskForm):
    note = StringField(_l("Why is the plan cancelled?"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Cancel the plan"))


class ExecuteForm(FlaskForm):
    """An emergency draft executed at once (紧急调用): only the CSRF token and a button."""

    submit = SubmitField(_l("Execute at once"))


class CompleteForm(FlaskForm):
    """Closing the dispatch once every instruction is closed; an emergency one says when the work ended."""

    work_ended_on = DateField(LABELS["work_ended_on"], validators=[Optional()],
                              description=_l("Required for an emergency dispatch: the filing is due 20 days later."))
    note = StringField(_l("Note"), validators=[Length(max=500)], default="")
    submit = SubmitField(_l("Complete the dispatch"))


class FileForm(FlaskForm):
    """The filing (备案) of an emergency dispatch with the government: the document's reference."""

    reference = StringField(LABELS["reference"], validators=[DataRequired(), Length(max=100)])
    note = StringField(_l("Note"), validators=[Length(max=500)], default="")
    submit = SubmitField(_l("File with the government"))


class RecoveryForm(CertificatesForm):
    """Stock delivered but unused, coming back into a new lot in a facility of the enterprise (回收), with its
    inspection and, for cold-chain food, its certificates."""

    material = SelectField(_l("Material"), choices=[])
    facility = SelectField(_l("Facility"), choices=[])
    lot_code = StringField(_l("Lot code"), validators=[DataRequired(), Length(max=64)])
    quantity = DecimalField(_l("Quantity"), validators=[InputRequired(), NumberRange(min=0.001)])
    production_date = DateField(_l("Production date"), validators=[Optional()])
    expiry_date = DateField(_l("Expiry date"), validators=[Optional()],
                            description=_l("Leave empty to derive it from the material's shelf life."))
    inspection_result = SelectField(_l("Inspection result"), default=InspectionResult.passed,
                                    choices=[SelectChoice(k, v) for k, v in InspectionResult.labels().items()])
    note = StringField(_l("Note"), validators=[Length(max=500)], default="")
    submit = SubmitField(_l("Record the recovery"))
