"""The donor-team pages' forms: filters, a volunteer, a CSV file, the yearly filing, a collection point and a drill.
They check only the shape of the input; the rules are the services' (services/blood/donors.py and its neighbours)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from inventory.core.vocab import BloodGroup, Rh
from inventory.web.stock.forms import ALL


class DonorFilterForm(FlaskForm):
    class Meta:
        csrf = False

    district = SelectField(_l("District"), default="", validate_choice=False)
    group = SelectField(_l("Blood group"), default="",
                        choices=[ALL, *(SelectChoice(k, v) for k, v in BloodGroup.labels().items())])
    limit = IntegerField(_l("Rows per page"), validators=[Optional(), NumberRange(min=1, max=200)])
    cursor = StringField(validators=[Optional(), Length(max=200)])


class DonorForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=32)])
    unit = StringField(_l("Unit"), validators=[DataRequired(), Length(max=128)])
    phone = StringField(_l("Phone"), validators=[DataRequired(), Length(max=32)])
    district = SelectField(_l("District"), validate_choice=False)
    group = SelectField(_l("Blood group"), choices=[SelectChoice(k, v) for k, v in BloodGroup.labels().items()])
    rh = SelectField(_l("Rh"), choices=[SelectChoice(k, v) for k, v in Rh.labels().items()])
    group_donor = BooleanField(_l("Recruited through a unit (group donor)"), default=True)
    confirmed_on = DateField(_l("Last confirmed on"), validators=[Optional()])
    submit = SubmitField(_l("Register"))


class DonorImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired()])
    submit = SubmitField(_l("Import"))


class ConfirmForm(FlaskForm):
    submit = SubmitField(_l("Confirmed today"))


class FilingForm(FlaskForm):
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(min=2000, max=9999)])
    filed_on = DateField(_l("Filed on"), validators=[InputRequired()])
    reference = StringField(_l("Reference"), validators=[DataRequired(), Length(max=128)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Record the filing"))


class PointForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=128)])
    address = StringField(_l("Address"), validators=[DataRequired(), Length(max=255)])
    district = SelectField(_l("District"), validate_choice=False)
    capacity = IntegerField(_l("Donors a day"), validators=[InputRequired(), NumberRange(min=1, max=100_000)])
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Add the point"))


class PointStateForm(FlaskForm):
    """Deactivating or reactivating a collection point: a button, with its CSRF token."""

    submit = SubmitField()


class DrillForm(FlaskForm):
    held_on = DateField(_l("Held on"), validators=[InputRequired()])
    participants = IntegerField(_l("Participants"), validators=[InputRequired(), NumberRange(min=0, max=1_000_000)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Record the drill"))
