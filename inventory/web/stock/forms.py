"""WTForms forms for the stock pages.

Field names match the field names services put in their errors, so a refusal lands on its field.
Forms check only the shape of the input; the stock rules stay in the services.
"""
from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField, DateField, DecimalField, IntegerField, SelectField, SelectMultipleField, StringField, SubmitField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from inventory.services.coldchain import traceability
from inventory.services.stock.facilities import SAFETY
from inventory.core.vocab import Category, InspectionResult, SummaryGroup

ALL = SelectChoice("", "—")


class LotFilterForm(FlaskForm):
    """Read from the query string; ``cursor`` is the keyset cursor of the next page (services/paging.py)."""

    class Meta:
        csrf = False

    material = SelectField(_l("Material"), choices=[ALL], default="")
    enterprise = SelectField(_l("Enterprise"), choices=[ALL], default="")
    facility = SelectField(_l("Facility"), choices=[ALL], default="")
    category = SelectField(_l("Category"), choices=[ALL], default="")
    status = SelectField(_l("Status"), choices=[ALL], default="")
    expiring_within_days = IntegerField(_l("Expiring within (days)"), validators=[Optional()])
    limit = IntegerField(_l("Rows per page"), validators=[Optional(), NumberRange(min=1, max=200)])
    cursor = StringField(validators=[Optional(), Length(max=200)])


class SummaryForm(FlaskForm):
    class Meta:
        csrf = False

    group_by = SelectField(_l("Group by"), choices=[SelectChoice(k, v) for k, v in SummaryGroup.labels().items()],
                           default="material")


class CertificatesForm(FlaskForm):
    """The traceability and quarantine certificates of a new lot (docs/coldchain.md, traceability), shared by every
    form that brings a lot into stock: the receipt, a receive instruction's execution, a rotation's purchase and a
    dispatch's recovery. Which the material needs is the service's to say (a refusal lands on the field);
    templates/coldchain/_certificates.html draws them."""

    origin = StringField(_l("Origin"), validators=[Length(max=128)], default="",
                         description=_l("Chilled and frozen food: where it comes from."))
    trace_certificate = StringField(_l("Traceability voucher no."), validators=[Length(max=64)], default="")
    quarantine_certificate = StringField(_l("Quarantine certificate no."), validators=[Length(max=64)], default="",
                                         description=_l("Meat and eggs."))
    imported = BooleanField(_l("Imported goods"))
    customs_declaration = StringField(_l("Customs declaration no."), validators=[Length(max=64)], default="")
    entry_inspection_certificate = StringField(_l("Entry inspection and quarantine certificate no."),
                                               validators=[Length(max=64)], default="")
    disinfection_certificate = StringField(_l("Nucleic-acid test / disinfection certificate no."),
                                           validators=[Length(max=64)], default="")

    def certificate_fields(self) -> list:
        return [self[name] for name in traceability.FIELDS]

    def certificates(self) -> traceability.Certificates:
        return traceability.Certificates(**{name: bool(self[name].data) if name == "imported" else self[name].data or ""
                                            for name in traceability.FIELDS})

    def other_fields(self) -> list:
        """The form's own fields, without the certificates, the CSRF token and the buttons."""
        return [field for field in self if field.short_name not in traceability.FIELDS
                and field.type not in ("CSRFTokenField", "SubmitField")]


class ReceiptForm(CertificatesForm):
    material = SelectField(_l("Material"), choices=[])
    facility = SelectField(_l("Facility"), choices=[])
    lot_code = StringField(_l("Lot code"), validators=[DataRequired(), Length(max=64)])
    quantity = DecimalField(_l("Quantity"), validators=[InputRequired()])
    production_date = DateField(_l("Production date"), validators=[Optional()])
    expiry_date = DateField(_l("Expiry date"), validators=[Optional()],
                            description=_l("Leave empty to derive it from the material's shelf life."))
    received_on = DateField(_l("Received on"), validators=[Optional()], description=_l("Today when left empty."))
    quality_grade = StringField(_l("Quality grade"), validators=[Length(max=32)], default="")
    inspection_result = SelectField(_l("Inspection result"), default=InspectionResult.passed,
                                    choices=[SelectChoice(k, v) for k, v in InspectionResult.labels().items()],
                                    description=_l("Failed stock is received quarantined, pending stock on quality hold."))
    note = StringField(_l("Note"), validators=[Length(max=500)], default="")
    submit = SubmitField(_l("Receive"))


class IssueForm(FlaskForm):
    quantity = DecimalField(_l("Quantity"), validators=[InputRequired()])
    note = StringField(_l("Note"), validators=[Length(max=500)], default="")
    submit = SubmitField(_l("Issue"))


class AdjustmentForm(FlaskForm):
    quantity = DecimalField(_l("Change (signed)"), validators=[InputRequired()],
                            description=_l("Negative to write down, positive to write up."))
    note = StringField(_l("Reason"), validators=[Length(max=500)], default="")
    submit = SubmitField(_l("Adjust"))


class HoldForm(FlaskForm):
    status = SelectField(_l("New status"), choices=[
        SelectChoice("quality_hold", _l("Quality hold")), SelectChoice("quarantined", _l("Quarantined")),
        SelectChoice("available", _l("Release")),
    ])
    reason = StringField(_l("Reason"), validators=[Length(max=500)], default="")
    submit = SubmitField(_l("Change status"))


class RelocateForm(FlaskForm):
    """A new store room or stack inside the same facility (专仓专垛); a move to another facility is a transfer."""

    position = StringField(_l("Store room / stack"), validators=[DataRequired(), Length(max=64)])
    reason = StringField(_l("Reason"), validators=[Length(max=500)], default="")
    submit = SubmitField(_l("Relocate"))


class TransferForm(FlaskForm):
    to_facility = StringField(_l("To facility (code)"), validators=[DataRequired(), Length(max=32)],
                              render_kw={"list": "transfer-targets", "autocomplete": "off"})
    quantity = DecimalField(_l("Quantity"), validators=[InputRequired()])
    reason = StringField(_l("Reason"), validators=[Length(max=500)], default="",
                         description=_l("Every move to another facility waits for the bureau's approval."))
    submit = SubmitField(_l("Transfer"))


class FefoIssueForm(FlaskForm):
    """Step one proposes the lots (``preview``); step two issues from them (``confirm``)."""

    material = SelectField(_l("Material"), choices=[])
    quantity = DecimalField(_l("Quantity"), validators=[InputRequired()])
    note = StringField(_l("Note"), validators=[Length(max=500)], default="")
    preview = SubmitField(_l("Propose lots"))
    confirm = SubmitField(_l("Issue from these lots"))


class SafetyCheckForm(FlaskForm):
    fire_safety = BooleanField(_l("Fire safety system in place"))
    fire_checked_on = DateField(_l("Fire safety last checked"), validators=[Optional()])
    theft_safety = BooleanField(_l("Theft prevention in place"))
    theft_checked_on = DateField(_l("Theft prevention last checked"), validators=[Optional()])
    flood_safety = BooleanField(_l("Flood prevention in place"))
    flood_checked_on = DateField(_l("Flood prevention last checked"), validators=[Optional()])
    submit = SubmitField(_l("Record safety check"))

    def checks(self) -> dict:
        return {name: self[name].data for name in SAFETY}


class WithdrawForm(FlaskForm):
    """Whoever asked takes a waiting transfer or adjustment back."""

    submit = SubmitField(_l("Withdraw"))


class CancelCountForm(FlaskForm):
    note = StringField(_l("Why is the count cancelled?"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Cancel the count"))


class StorageForm(FlaskForm):
    """What a facility is declared to store and who keeps it; the keeper's choices are the enterprise's users."""

    categories = SelectMultipleField(_l("Material categories stored"), validators=[DataRequired()],
                                     choices=[SelectChoice(k, v) for k, v in Category.labels().items()])
    keeper = SelectField(_l("Keeper"), choices=[], default="")
    submit = SubmitField(_l("Save storage declaration"))


class OpenCountForm(FlaskForm):
    facility = SelectField(_l("Facility"), choices=[])
    bureau = SelectField(_l("Only the materials of"), choices=[], validate_choice=False)
    note = StringField(_l("Note"), validators=[Length(max=500)], default="")
    submit = SubmitField(_l("Open count"))


class CountCsvForm(FlaskForm):
    file = FileField(_l("CSV file (columns lot_code, counted)"),
                     validators=[FileRequired(), FileAllowed(["csv", "txt"], _l("A .csv file, please."))])
    submit = SubmitField(_l("Upload counted quantities"))


class ConfirmForm(FlaskForm):
    """Only the CSRF token and a button, for plain POST actions such as submitting a count."""

    submit = SubmitField(_l("Submit for approval"))


class DecisionForm(FlaskForm):
    note = StringField(_l("Note"), validators=[Length(max=500)], default="")
    approve = SubmitField(_l("Approve"))
    reject = SubmitField(_l("Reject"))

    @property
    def action(self) -> str:
        return "approve" if self.approve.data else "reject"

    def validate(self, extra_validators=None) -> bool:
        """One of the two buttons, never a default: a post without either decides nothing."""
        valid = super().validate(extra_validators)
        if self.approve.data == self.reject.data:
            self.note.errors = [*self.note.errors, _l("choose approve or reject")]
            return False
        return valid


class CountedForm(FlaskForm):
    """One text field per lot (``lot_<id>``), added by ``counted_form``."""

    submit = SubmitField(_l("Save counted quantities"))

    def counted(self) -> dict[int, str]:
        return {int(field.short_name[4:]): field.data.strip() for field in self
                if field.short_name.startswith("lot_") and field.data and field.data.strip()}


def counted_form(lot_ids: Iterable[int], current: dict[int, object], **kwargs) -> CountedForm:
    """Build the form for this count's lots; the service checks each quantity."""

    class _Form(CountedForm):
        pass

    for lot_id in lot_ids:
        value = current.get(lot_id)
        setattr(_Form, f"lot_{lot_id}", StringField(default="" if value is None else str(value),
                                                    validators=[Length(max=32)]))
    return _Form(**kwargs)

