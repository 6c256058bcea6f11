"""The alert list's filters and the acknowledge forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

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
