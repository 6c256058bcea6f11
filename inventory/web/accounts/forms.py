"""WTForms forms for the account pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional


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


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=256)])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)])
    confirm = PasswordField(_l("New password again"), validators=[
        DataRequired(), EqualTo("new_password", message=_l("The two new passwords differ."))])
    submit = SubmitField(_l("Change password"))


class PopulationForm(FlaskForm):
    population = IntegerField(_l("Resident population"), validators=[DataRequired(), NumberRange(min=0, max=50_000_000)])
    population_year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(min=2000, max=2100)])
    population_source = StringField(_l("Source"), validators=[Optional(), Length(max=255)])
    submit = SubmitField(_l("Save"))
