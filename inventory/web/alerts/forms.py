"""The alert pages' forms: list filters, acknowledge, subscriptions, silences, notifications, deliveries."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from inventory.web.stock.forms import ALL


class AlertFilterForm(FlaskForm):
    """Read from the query string; ``cursor`` is the keyset cursor of the next page (services/paging.py)."""

    class Meta:
        csrf = False

    kind = SelectField(_l("Kind"), choices=[ALL], default="")
    severity = SelectField(_l("Severity"), choices=[ALL], default="")
    state = SelectField(_l("State"), choices=[ALL], default="")
    enterprise = SelectField(_l("Enterprise"), choices=[ALL], default="")
    category = SelectField(_l("Category"), choices=[ALL], default="")
    limit = IntegerField(_l("Rows per page"), validators=[Optional(), NumberRange(min=1, max=200)])
    cursor = StringField(validators=[Optional(), Length(max=200)])


class AcknowledgeForm(FlaskForm):
    """One alert (its page) or the ticked ones of the list (``alerts``)."""

    alerts = SelectMultipleField(_l("Alerts"), coerce=int, validate_choice=False,
                                 validators=[DataRequired(message=_l("choose at least one alert"))])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class SubscriptionForm(FlaskForm):
    """Choices are filled by the view; the lists are not checked here (``validate_choice=False``) so the
    service's checks decide and name the bad values (services/alerts/subscriptions.py)."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    channel = SelectField(_l("Channel"), choices=[], validate_choice=False)
    target = StringField(_l("Target"), validators=[Optional(), Length(max=500)],
                         description=_l("E-mail address or http(s) URL; blank for in-app notifications"))
    kinds = SelectMultipleField(_l("Kinds"), choices=[], validate_choice=False,
                                description=_l("None chosen: every kind"))
    min_severity = SelectField(_l("Minimum severity"), choices=[], validate_choice=False)
    enterprises = SelectMultipleField(_l("Enterprises"), choices=[], validate_choice=False,
                                      description=_l("None chosen: no filter"))
    categories = SelectMultipleField(_l("Categories"), choices=[], validate_choice=False,
                                     description=_l("None chosen: no filter"))
    districts = SelectMultipleField(_l("Districts"), choices=[], validate_choice=False,
                                    description=_l("None chosen: no filter"))
    secret = StringField(_l("Signing secret"), validators=[Optional(), Length(max=200)],
                         description=_l("Webhook and DingTalk only; blank keeps the current one (a webhook gets "
                                        "one generated)"))
    digest_hour = IntegerField(_l("Daily digest at (hour)"), validators=[Optional()],
                               description=_l("0 to 23, business time; blank: immediately"))
    send_resolved = BooleanField(_l("Also send resolutions"))
    active = BooleanField(_l("Active"), default=True)
    for_organisation = BooleanField(_l("For my organisation"))


class ConfirmForm(FlaskForm):
    """A button that only carries the CSRF token: delete, end a silence, send a test, mark read."""


class SilenceForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    kind = SelectField(_l("Kind"), choices=[], validate_choice=False)
    enterprise = StringField(_l("Enterprise code"), validators=[Optional(), Length(max=32)])
    facility = StringField(_l("Facility code"), validators=[Optional(), Length(max=32)])
    material = StringField(_l("Material code"), validators=[Optional(), Length(max=32)])
    starts_at = DateTimeLocalField(_l("Starts"), format="%Y-%m-%dT%H:%M", validators=[Optional()],
                                   description=_l("Blank: now"))
    ends_at = DateTimeLocalField(_l("Ends"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])


class MarkReadForm(FlaskForm):
    """The ticked notifications, or every one (``all``)."""

    ids = SelectMultipleField(coerce=int, validate_choice=False)
    all = BooleanField()

    def validate_ids(self, field) -> None:
        if not field.data and not self.all.data:
            raise ValidationError(_l("choose at least one notification"))


class RetryForm(FlaskForm):
    """The ticked dead deliveries, or the one whose button was pressed."""

    deliveries = SelectMultipleField(_l("Deliveries"), coerce=int, validate_choice=False,
                                     validators=[DataRequired(message=_l("choose at least one delivery"))])


class DeliveryFilterForm(FlaskForm):
    class Meta:
        csrf = False

    state = SelectField(_l("State"), choices=[ALL], default="dead")
    limit = IntegerField(_l("Rows per page"), validators=[Optional(), NumberRange(min=1, max=200)])
    cursor = StringField(validators=[Optional(), Length(max=200)])


class PageForm(FlaskForm):
    """The paging of a list without filters (the notifications)."""

    class Meta:
        csrf = False

    limit = IntegerField(_l("Rows per page"), validators=[Optional(), NumberRange(min=1, max=200)])
    cursor = StringField(validators=[Optional(), Length(max=200)])
