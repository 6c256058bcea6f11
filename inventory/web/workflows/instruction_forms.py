"""The instruction and replenishment pages' forms: filters, the enterprise's and the bureau's steps, an execution
(per instructed lot for a release, a receipt for a receive), the bureau's consent to another lot and its own
instruction, the bureau's confirmation of a replenishment.

Field names match those the services put in their errors (services/workflows/instructions.py, replenishments.py),
so a refusal lands on its field. The forms check only the shape of the input; the rules are the services'.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, IntegerField, SelectField, StringField, SubmitField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from inventory.core.vocab import InspectionResult, InstructionKind, InstructionStatus, ReplenishmentStatus
from inventory.web.stock.forms import ALL, CertificatesForm


class InstructionFilterForm(FlaskForm):
    """Read from the query string."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), default="",
                         choices=[ALL, *(SelectChoice(k, v) for k, v in InstructionStatus.labels().items())])
    kind = SelectField(_l("Kind"), default="",
                       choices=[ALL, *(SelectChoice(k, v) for k, v in InstructionKind.labels().items())])
    limit = IntegerField(_l("Rows per page"), validators=[Optional(), NumberRange(min=1, max=200)])
    cursor = StringField(validators=[Optional(), Length(max=200)])


class ReplenishmentFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), default="",
                         choices=[ALL, *(SelectChoice(k, v) for k, v in ReplenishmentStatus.labels().items())])
    limit = IntegerField(_l("Rows per page"), validators=[Optional(), NumberRange(min=1, max=200)])
    cursor = StringField(validators=[Optional(), Length(max=200)])


class AcknowledgeForm(FlaskForm):
    """The enterprise takes the instruction on: only the CSRF token and a button."""

    submit = SubmitField(_l("Acknowledge the instruction"))


class RefuseForm(FlaskForm):
    """A refusal is recorded against the enterprise (§六(二)10); it needs a reason."""

    note = StringField(_l("Reason for the refusal"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Refuse the instruction"))


class CancelInstructionForm(FlaskForm):
    note = StringField(_l("Why is the instruction called off?"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Call the instruction off"))


class ReleaseForm(FlaskForm):
    """One go of a release: a quantity per instructed lot (fields ``lot_<id>``, added per instruction by
    ``release_form``); all left empty takes the instructed lots first expiry, first out."""

    note = StringField(_l("Note"), validators=[Length(max=500)], default="")
    submit = SubmitField(_l("Record the release"))

    def lot_fields(self) -> list[tuple[int, object]]:
        return [(int(field.short_name.split("_", 1)[1]), field) for field in self
                if field.short_name.startswith("lot_")]


def release_form(lot_ids: list[int], **kwargs) -> ReleaseForm:
    """The release form with a quantity input per instructed lot."""

    class _Release(ReleaseForm):
        pass

    for lot_id in lot_ids:
        setattr(_Release, f"lot_{lot_id}", StringField(_l("Quantity"), validators=[Optional(), Length(max=40)]))
    return _Release(**kwargs)


class ReceiveForm(CertificatesForm):
    """One go of a receive instruction: a new lot into a facility of the enterprise, with its inspection and, for
    cold-chain food, its certificates."""

    facility = SelectField(_l("Facility"), choices=[])
    lot_code = StringField(_l("Lot code"), validators=[DataRequired(), Length(max=64)])
    quantity = DecimalField(_l("Quantity"), validators=[InputRequired(), NumberRange(min=0.001)])
    production_date = DateField(_l("Production date"), validators=[Optional()])
    expiry_date = DateField(_l("Expiry date"), validators=[Optional()],
                            description=_l("Leave empty to derive it from the material's shelf life."))
    inspection_result = SelectField(_l("Inspection result"), default=InspectionResult.passed,
                                    choices=[SelectChoice(k, v) for k, v in InspectionResult.labels().items()])
    note = StringField(_l("Note"), validators=[Length(max=500)], default="")
    submit = SubmitField(_l("Record the receipt"))


class ConsentForm(FlaskForm):
    """The bureau lets the enterprise release from a lot the instruction did not propose."""

    lot = SelectField(_l("Lot"), choices=[], coerce=int, validate_choice=False)
    submit = SubmitField(_l("Add the lot to the instruction"))


class IssueInstructionForm(FlaskForm):
    """A bureau's own instruction to an enterprise, for a material of its remit."""

    kind = SelectField(_l("Kind"), choices=[SelectChoice(k, v) for k, v in InstructionKind.labels().items()])
    enterprise = SelectField(_l("Enterprise"), choices=[], validate_choice=False)
    material = SelectField(_l("Material"), choices=[], validate_choice=False)
    quantity = StringField(_l("Quantity"), validators=[DataRequired(), Length(max=40)])
    deadline = DateField(_l("Deadline"), validators=[InputRequired()])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Issue the instruction"))


class ConfirmReplenishmentForm(FlaskForm):
    """The bureau confirms the proposal, adjusting its quantity or due date; the enterprise is then instructed."""

    quantity = StringField(_l("Quantity"), validators=[Optional(), Length(max=40)])
    due_on = DateField(_l("Due date"), validators=[Optional()])
    #: the choices are the enterprises that may receive the material (set by the view); the service checks the pick
    enterprise = SelectField(_l("Receiving enterprise"), default="", validate_choice=False,
                             validators=[Optional(), Length(max=32)])
    note = StringField(_l("Note"), validators=[Length(max=500)], default="")
    submit = SubmitField(_l("Confirm and instruct the enterprise"))
