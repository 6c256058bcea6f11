"""The scrap and rotation pages' forms: filters, the enterprise's request and proposal, evidence upload, a step with
its note, and what goes out and comes in. They check only the shape of the input; the rules are the services'
(services/workflows/scraps.py, rotations.py)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField, IntegerField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from inventory.core.vocab import (
    InspectionResult, RotationMode, RotationStatus, ScrapAgeBasis, ScrapReason, ScrapStatus,
)
from inventory.services.workflows.rotation_lists import ListFilter
from inventory.web.stock.forms import ALL, CertificatesForm


class _Filter(FlaskForm):
    class Meta:
        csrf = False

    material = StringField(_l("Material code"), validators=[Optional(), Length(max=32)])
    enterprise = StringField(_l("Enterprise code"), validators=[Optional(), Length(max=32)])
    created_from = DateField(_l("Requested from"), validators=[Optional()])
    created_to = DateField(_l("Requested to"), validators=[Optional()])
    limit = IntegerField(_l("Rows per page"), validators=[Optional(), NumberRange(min=1, max=200)])
    cursor = StringField(validators=[Optional(), Length(max=200)])


    def filters(self) -> ListFilter:
        return ListFilter(status=self.status.data or "", enterprise=self.enterprise.data or "",
                          material=self.material.data or "", created_from=self.created_from.data,
                          created_to=self.created_to.data)


class ScrapFilterForm(_Filter):
    status = SelectField(_l("Status"), default="",
                         choices=[ALL, *(SelectChoice(k, v) for k, v in ScrapStatus.labels().items())])


class RotationFilterForm(_Filter):
    status = SelectField(_l("Status"), default="",
                         choices=[ALL, *(SelectChoice(k, v) for k, v in RotationStatus.labels().items())])


class ScrapRequestForm(FlaskForm):
    """One lot on the web (the API takes several); the reason is inferred when left blank."""

    lot = SelectField(_l("Lot"), coerce=int, validators=[InputRequired()])
    quantity = StringField(_l("Quantity"), validators=[DataRequired(), Length(max=32)])
    reason_kind = SelectField(_l("Why"), default="", choices=[
        SelectChoice("", _l("Infer from the lot (failed inspection or scrap age)")),
        *(SelectChoice(k, v) for k, v in ScrapReason.labels().items())])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Save the draft"))


class EvidenceForm(FlaskForm):
    file = FileField(_l("Photo (JPEG, PNG) or PDF"), validators=[FileRequired()])
    submit = SubmitField(_l("Upload"))


class StepForm(FlaskForm):
    """A step of the flow: the button pressed names the action; a rejection needs the note."""

    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
    action = StringField(validators=[DataRequired(), Length(max=16)])


class RotationProposalForm(FlaskForm):
    lots = SelectMultipleField(_l("Lots to take out"), coerce=int, validators=[DataRequired()])
    quantity = StringField(_l("Quantity"), validators=[DataRequired(), Length(max=32)])
    mode = SelectField(_l("Mode"), choices=[SelectChoice(k, v) for k, v in RotationMode.labels().items()])
    sale_price = StringField(_l("Sale price (yuan per unit)"), validators=[DataRequired(), Length(max=32)])
    window_days = IntegerField(_l("Window (days)"), validators=[Optional(), NumberRange(min=1, max=365)],
                               description=_l("1 to 365 days from approval; blank: the material's rotation lead time"))
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Save the draft"))


class RotationOutForm(FlaskForm):
    lot = SelectField(_l("Lot"), coerce=int, validators=[InputRequired()])
    quantity = StringField(_l("Quantity"), validators=[DataRequired(), Length(max=32)])
    unit_price = StringField(_l("Sale price (yuan per unit)"), validators=[Optional(), Length(max=32)],
                             description=_l("blank: the proposed price"))
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Record what went out"))


class RotationInForm(CertificatesForm):
    """A new lot bought back, its price and quality result and, for cold-chain food, its certificates."""

    facility = SelectField(_l("Facility"), validators=[DataRequired()])
    lot_code = StringField(_l("New lot code"), validators=[DataRequired(), Length(max=64)])
    quantity = StringField(_l("Quantity"), validators=[DataRequired(), Length(max=32)])
    unit_price = StringField(_l("Purchase price (yuan per unit)"), validators=[DataRequired(), Length(max=32)])
    production_date = DateField(_l("Production date"), validators=[Optional()])
    expiry_date = DateField(_l("Expiry date"), validators=[Optional()])
    inspection_result = SelectField(_l("Quality result"),
                                    choices=[SelectChoice(k, v) for k, v in InspectionResult.labels().items()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Record what came in"))


class ScrapRuleForm(FlaskForm):
    """A material's scrap rule (报废时限): after how many days from production or receipt its lots may be scrapped."""

    age_days = IntegerField(_l("Age in days"), validators=[InputRequired(), NumberRange(min=1, max=36500)])
    counted_from = SelectField(_l("Counted from"),
                               choices=[SelectChoice(k, v) for k, v in ScrapAgeBasis.labels().items()])
    conditions = TextAreaField(_l("Conditions"), validators=[Optional(), Length(max=500)],
                               description=_l("what else the bureau requires before a lot is scrapped"))
    submit = SubmitField(_l("Save the scrap rule"))
