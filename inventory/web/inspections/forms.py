"""The inspection pages' forms: the list filter, the record form (with the ten violations as a checklist, the
safety checks, the lot counts and photos), the enterprise's answer, the bureau's judgement and close, the interview
and the qualification proposal.

Field names match those the services put in their errors (services/inspections/), so a refusal lands on its field.
The forms check only the shape of the input; the rules are the services'.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, DateField, FormField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from inventory.core.vocab import InspectionOutcome, InspectionStatus, SafetyAspect, SanctionKind, ViolationKind
from inventory.web.stock.forms import ALL


class InspectionFilterForm(FlaskForm):
    """Read from the query string."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), default="",
                         choices=[ALL, *(SelectChoice(k, v) for k, v in InspectionStatus.labels().items())])
    outcome = SelectField(_l("Outcome"), default="",
                          choices=[ALL, *(SelectChoice(k, v) for k, v in InspectionOutcome.labels().items())])
    enterprise = StringField(_l("Enterprise code"), validators=[Optional(), Length(max=32)])
    inspected_from = DateField(_l("Inspected from"), validators=[Optional()])
    inspected_to = DateField(_l("Inspected to"), validators=[Optional()])
    limit = IntegerField(_l("Rows per page"), validators=[Optional(), NumberRange(min=1, max=200)])
    cursor = StringField(validators=[Optional(), Length(max=200)])


class SafetyForm(FlaskForm):
    class Meta:
        csrf = False

    state = SelectField(_l("State"), default="", choices=[
        SelectChoice("", _l("Not checked")), SelectChoice("ok", _l("In order")), SelectChoice("bad", _l("Deficient"))])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class ViolationForm(FlaskForm):
    class Meta:
        csrf = False

    found = BooleanField(_l("Found"))
    evidence = TextAreaField(_l("Evidence"), validators=[Optional(), Length(max=2000)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


def record_form_class() -> type[FlaskForm]:
    """The record form with one sub-form per safety aspect and per violation of §六(二)."""

    class RecordInspectionForm(FlaskForm):
        enterprise = StringField(_l("Enterprise code"), validators=[DataRequired(), Length(max=32)])
        facility = StringField(_l("Facility code (optional)"), validators=[Optional(), Length(max=32)])
        inspected_on = DateField(_l("Inspected on"), validators=[DataRequired()])
        scope = TextAreaField(_l("Scope"), validators=[DataRequired(), Length(max=2000)])
        quality_findings = TextAreaField(_l("Quality findings"), validators=[Optional(), Length(max=2000)])
        lots = TextAreaField(_l("Quantity check: one lot a line, 'lot code, counted[, note]'"),
                             validators=[Optional(), Length(max=50000)])
        photos = MultipleFileField(_l("Photos (JPEG, PNG, WebP or PDF)"))
        submit = SubmitField(_l("Record the inspection"))

    for aspect in SafetyAspect:
        setattr(RecordInspectionForm, f"safety_{aspect}", FormField(SafetyForm, label=aspect.label))
    for kind in ViolationKind:
        setattr(RecordInspectionForm, f"violation_{kind}", FormField(ViolationForm, label=kind.label))
    return RecordInspectionForm


class AnswerForm(FlaskForm):
    corrective_action = TextAreaField(_l("Corrective action"), validators=[DataRequired(), Length(max=2000)])
    corrective_due_on = DateField(_l("Corrected by"), validators=[DataRequired()])
    submit = SubmitField(_l("Send the answer"))


class JudgeForm(FlaskForm):
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
    close = SubmitField(_l("Close the finding"))
    send_back = SubmitField(_l("Send back"))


class CloseForm(FlaskForm):
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Close the inspection"))


class PhotoForm(FlaskForm):
    photos = MultipleFileField(_l("Photos (JPEG, PNG, WebP or PDF)"))
    caption = StringField(_l("Caption"), validators=[Optional(), Length(max=255)])
    submit = SubmitField(_l("Add"))


class InterviewForm(FlaskForm):
    held_on = DateField(_l("Held on"), validators=[DataRequired()])
    minutes = TextAreaField(_l("Minutes"), validators=[DataRequired(), Length(max=4000)])
    submit = SubmitField(_l("Record the interview"))


class ProposalForm(FlaskForm):
    kind = SelectField(_l("Decision"), choices=[
        SelectChoice(kind.value, kind.label) for kind in (SanctionKind.suspension, SanctionKind.revocation,
                                                          SanctionKind.reinstatement)])
    decided_on = DateField(_l("Decided on"), validators=[DataRequired()])
    minutes = TextAreaField(_l("Grounds"), validators=[DataRequired(), Length(max=4000)])
    submit = SubmitField(_l("Propose"))


class SanctionDecisionForm(FlaskForm):
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
    approve = SubmitField(_l("Approve"))
    reject = SubmitField(_l("Reject"))
    withdraw = SubmitField(_l("Withdraw"))
