"""The contract and selection pages' forms: the contract with a fixed number of line rows, a step with its note, the
list filters and the selection record. They check only the shape of the input; the rules are the services'
(services/plans/contracts.py, selections.py), whose field names they share."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, FieldList, Form, FormField, IntegerField, SelectField, StringField, SubmitField
from wtforms import TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from inventory.core.errors import DomainError
from inventory.core.vocab import ContractStatus, SelectionMethod
from inventory.services.plans.contracts import ContractInput, LineInput
from inventory.web.stock.forms import ALL

#: line rows on the form; a contract of more lines may be drafted in the API
LINE_ROWS = 6
_LINE_FIELD = re.compile(r"^lines\[(\d+)\](?:\.(\w+))?$")


class ContractFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), default="",
                         choices=[ALL, *(SelectChoice(k, v) for k, v in ContractStatus.labels().items())])
    enterprise = StringField(_l("Enterprise code"), validators=[Optional(), Length(max=32)])
    limit = IntegerField(_l("Rows per page"), validators=[Optional(), NumberRange(min=1, max=200)])
    cursor = StringField(validators=[Optional(), Length(max=200)])


class ContractLineForm(Form):
    """One line; a row left blank is not part of the contract."""

    material = StringField(_l("Material code"), validators=[Length(max=32)])
    facility = StringField(_l("Facility code"), validators=[Length(max=32)])
    quantity = StringField(_l("Contracted quantity"), validators=[Length(max=40)])
    quality_standard = StringField(_l("Quality standard"), validators=[Length(max=255)])

    def blank(self) -> bool:
        return not any((f.data or "").strip() for f in (self.material, self.facility, self.quantity,
                                                         self.quality_standard))


class ContractForm(FlaskForm):
    number = StringField(_l("Contract number"), validators=[DataRequired(), Length(max=40)])
    enterprise = SelectField(_l("Enterprise"), choices=[], validate_choice=False)
    starts_on = DateField(_l("Starts on"), validators=[DataRequired()])
    ends_on = DateField(_l("Ends on"), validators=[DataRequired()])
    lines = FieldList(FormField(ContractLineForm), min_entries=LINE_ROWS, max_entries=LINE_ROWS)
    rotation_window_days = IntegerField(_l("Rotation window (days)"), validators=[Optional()],
                                        description=_l("1 to 365; blank: the material's rotation lead time"))
    rotation_floor_share = StringField(_l("Floor during rotation (share of the contracted quantity)"),
                                       validators=[Optional(), Length(max=12)], description=_l("0 to 1, e.g. 0.7"))
    dispatch_terms = TextAreaField(_l("Dispatch terms"), validators=[Length(max=2000)])
    storage_fee = StringField(_l("Storage fee (yuan per unit per year)"), default="0", validators=[Length(max=40)])
    loan_interest_subsidy = StringField(_l("Loan interest subsidy"), validators=[Length(max=500)])
    policy_loss_subsidy = StringField(_l("Policy-loss subsidy"), validators=[Length(max=500)])
    liability = TextAreaField(_l("Liability for breach"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Save the draft"))

    def given(self) -> tuple[ContractInput, list[int]]:
        """The input and, for each line given, its row on the form (blank rows are left out)."""
        rows = [index for index, row in enumerate(self.lines) if not row.form.blank()]
        lines = tuple(LineInput(material=(self.lines[i].form.material.data or "").strip(),
                                facility=(self.lines[i].form.facility.data or "").strip(),
                                quantity=(self.lines[i].form.quantity.data or "").strip(),
                                quality_standard=self.lines[i].form.quality_standard.data or "") for i in rows)
        return ContractInput(
            number=self.number.data or "", enterprise=self.enterprise.data or "", starts_on=self.starts_on.data,
            ends_on=self.ends_on.data, lines=lines, rotation_window_days=self.rotation_window_days.data,
            rotation_floor_share=(self.rotation_floor_share.data or "").strip() or None,
            dispatch_terms=self.dispatch_terms.data or "", storage_fee=(self.storage_fee.data or "0").strip(),
            loan_interest_subsidy=self.loan_interest_subsidy.data or "",
            policy_loss_subsidy=self.policy_loss_subsidy.data or "", liability=self.liability.data or ""), rows

    def place_line_errors(self, error: DomainError, rows: list[int]) -> None:
        """Put ``lines[k].field`` messages on the k-th given row's field; the rest stay for ``show_refusal``."""
        for name in list(error._fields):
            found = _LINE_FIELD.match(name)
            if found and int(found[1]) < len(rows):
                row = self.lines[rows[int(found[1])]].form
                target = row[found[2]] if found[2] and found[2] in row else row.material
                target.errors = [*target.errors, *(str(m) for m in error._fields.pop(name))]


class ContractStepForm(FlaskForm):
    """A step of the flow: the button pressed names the action; a termination needs the note."""

    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
    action = StringField(validators=[DataRequired(), Length(max=16)])


class SelectionForm(FlaskForm):
    enterprise = SelectField(_l("Enterprise"), choices=[], validate_choice=False)
    method = SelectField(_l("Selection method"),
                         choices=[SelectChoice(k, v) for k, v in SelectionMethod.labels().items()])
    reference = StringField(_l("Reference number"), validators=[DataRequired(), Length(max=100)])
    decided_on = DateField(_l("Decided on"), validators=[DataRequired()])
    valid_until = DateField(_l("Valid until"), validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Record the selection"))
