"""WTForms forms for the account pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    submit = SubmitField(_l("Log in"))


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=64)])
    submit = SubmitField(_l("Create token"))


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for POST buttons (logout, revoke)."""

    submit = SubmitField(_l("Confirm"))


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    entity = StringField(_l("Entity"), validators=[Length(max=64)])
    action = StringField(_l("Action"), validators=[Length(max=64)])
    actor = SelectField(_l("Actor"), choices=[], validate_choice=False)


class PopulationForm(FlaskForm):
    population = IntegerField(_l("Resident population"), validators=[DataRequired(), NumberRange(min=0, max=50_000_000)])
    submit = SubmitField(_l("Save"))
