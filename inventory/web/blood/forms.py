"""The blood pages' forms. They check only the shape of the input; the rules (counts, days, who may) are the
services' (services/blood/), whose field messages are put back on these fields."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField, DateField, DateTimeLocalField, HiddenField, IntegerField, SelectField, StringField, SubmitField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from inventory.core.vocab import (
    BloodComponent, BloodGroup, EmergencyLevel, HandlingUnitDesignator, HandlingUnitKind, NoticeChannel,
    NoticeRecipient, Rh, TerminationAuthority,
)
from inventory.services.blood.reports import FIGURES

#: every line of the report form, in the order the service numbers them (``lines[i]``)
LINE_KEYS: tuple[tuple[str, str, str], ...] = tuple(
    (group, rh, component) for component in BloodComponent.values() for group in BloodGroup.values()
    for rh in Rh.values())


def figure_field(key: tuple[str, str, str], figure: str) -> str:
    return "_".join((*key, figure))


class ReportForm(FlaskForm):
    """One day's report: a row per group, Rh and component, three figures each (blank is 0; a row left blank is
    left out, which the service also reads as 0)."""

    day = DateField(_l("Day reported"), validators=[InputRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
    replace = HiddenField(default="")
    confirm = BooleanField(_l("I confirm that this replaces the report filed for this day"))
    submit = SubmitField(_l("File the report"))

    def validate_confirm(self, field) -> None:
        if self.replace.data == "1" and not field.data:
            raise ValidationError(_l("tick to confirm the correction"))

    def line_values(self) -> list[tuple[int, tuple[str, str, str], dict[str, str]]]:
        """The rows with at least one figure, with their index in ``LINE_KEYS``; blank figures read as 0."""
        rows = []
        for index, key in enumerate(LINE_KEYS):
            given = {figure: (self[figure_field(key, figure)].data or "").strip() for figure in FIGURES}
            if any(given.values()):
                rows.append((index, key, {figure: value or "0" for figure, value in given.items()}))
        return rows


for _key in LINE_KEYS:
    for _figure in FIGURES:
        setattr(ReportForm, figure_field(_key, _figure), StringField(validators=[Optional(), Length(max=20)]))


class ReportFilterForm(FlaskForm):
    class Meta:
        csrf = False

    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    station = StringField(_l("Station code"), validators=[Optional(), Length(max=32)])


class ReportImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired()],
                     description=_l("Header: date,group,rh,component,on_hand,collected,issued"))
    replace = BooleanField(_l("Replace the days already filed (a correction of each)"))
    submit = SubmitField(_l("Import"))


class NoteForm(FlaskForm):
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Confirm and publish the warning"))


class DeclareForm(FlaskForm):
    level = SelectField(_l("Level"), choices=[SelectChoice(level.value, level.label)
                                              for level in (EmergencyLevel.II, EmergencyLevel.I)])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)],
                           description=_l("Level II: facilities destroyed and not restorable within a week, or "
                                          "designated by the province; Level I: designated by the State Council's "
                                          "health department"))
    document = StringField(_l("Designating document"), validators=[Optional(), Length(max=255)])
    station = StringField(_l("Station code"), validators=[Optional(), Length(max=32)],
                          description=_l("blank: the city's blood station"))
    submit = SubmitField(_l("Declare the level"))


class NoticeForm(FlaskForm):
    recipient = SelectField(_l("To"), choices=[SelectChoice(k, v) for k, v in NoticeRecipient.labels().items()])
    channel = SelectField(_l("How"), choices=[SelectChoice(k, v) for k, v in NoticeChannel.labels().items()])
    reported_at = DateTimeLocalField(_l("When (Beijing time)"), validators=[Optional()],
                                     description=_l("blank: now"))
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Record the report"))


class TickForm(FlaskForm):
    measure = HiddenField(validators=[DataRequired(), Length(max=16)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=1000)])
    submit = SubmitField(_l("Done"))


class UnitForm(FlaskForm):
    name = StringField(_l("Unit"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k, v) for k, v in HandlingUnitKind.labels().items()])
    designated_by = SelectField(_l("Designated by"),
                                choices=[SelectChoice(k, v) for k, v in HandlingUnitDesignator.labels().items()])
    document = StringField(_l("Designating document"), validators=[Optional(), Length(max=255)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Record the unit"))


class AssessForm(FlaskForm):
    assessment = TextAreaField(_l("Expert group's assessment"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Record the assessment"))


class TerminateForm(FlaskForm):
    authority = SelectField(_l("Decided by"), choices=[SelectChoice(k, v)
                                                       for k, v in TerminationAuthority.labels().items()])
    document = StringField(_l("Decision document"), validators=[Optional(), Length(max=255)])
    submit = SubmitField(_l("Record the termination"))


class ReviewForm(FlaskForm):
    review = TextAreaField(_l("Post-event review"), validators=[DataRequired(), Length(max=4000)],
                           description=_l("harm, handling, effect, problems and improvements (§5(2))"))
    submit = SubmitField(_l("Record the review and close"))


class CalendarDayForm(FlaskForm):
    day = DateField(_l("Day"), validators=[InputRequired()])
    working = SelectField(_l("Ruling"), choices=[SelectChoice("1", _l("Working day")),
                                                 SelectChoice("0", _l("Day off"))])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=255)])
    submit = SubmitField(_l("Save the ruling"))


class CalendarClearForm(FlaskForm):
    day = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Remove"))


def parse_days(text: str) -> list[date]:
    """Days as YYYY-MM-DD separated by commas, spaces or new lines."""
    days = []
    for token in text.replace(",", " ").replace("，", " ").split():
        try:
            days.append(date.fromisoformat(token))
        except ValueError:
            raise ValidationError(_l("not a day as YYYY-MM-DD: %(text)s", text=token[:20])) from None
    return days


class CalendarYearForm(FlaskForm):
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(min=2000, max=2099)])
    holidays = TextAreaField(_l("Public holidays (days off)"), validators=[Optional(), Length(max=8000)],
                             description=_l("YYYY-MM-DD, separated by commas or new lines"))
    workdays = TextAreaField(_l("Adjusted working weekends (调休)"), validators=[Optional(), Length(max=8000)],
                             description=_l("YYYY-MM-DD, separated by commas or new lines"))
    source = StringField(_l("Source (the State Council notice)"), validators=[Optional(), Length(max=255)])
    submit = SubmitField(_l("Load the year"))

    def validate_holidays(self, field) -> None:
        parse_days(field.data or "")

    def validate_workdays(self, field) -> None:
        parse_days(field.data or "")
