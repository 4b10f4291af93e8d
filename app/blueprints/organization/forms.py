"""Organization administration forms."""
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, NumberRange, Optional

from ...services.organizations import CONSUMPTION_ORDERS, CURRENCIES
from ...services.timezones import timezone_choices
from ..fields import PASSWORD_LENGTH, BoundedIntegerField


class InviteForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=255)])
    name = StringField("Name", validators=[Optional(), Length(max=120)])
    role_id = SelectField("Role", coerce=int)


class RoleChangeForm(FlaskForm):
    role_id = SelectField("Role", coerce=int)


class RoleForm(FlaskForm):
    """Name and description; the permission checkboxes are read with request.form.getlist('permissions')."""

    name = StringField("Role name", validators=[DataRequired(), Length(max=80)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=255)])


class SettingsForm(FlaskForm):
    name = StringField("Organization name", validators=[DataRequired(), Length(max=120)])
    timezone = SelectField("Time zone", choices=timezone_choices)
    expiring_soon_days = BoundedIntegerField("Expiring soon window (days)",
                                      validators=[DataRequired(), NumberRange(min=1, max=365)],
                                      description="Lots expiring within this many days are flagged.")
    consumption_order = SelectField("Lot consumption order", choices=CONSUMPTION_ORDERS)
    currency = SelectField("Default currency", choices=[(code, f"{code} — {label}") for code, label in CURRENCIES])


class AcceptInviteForm(FlaskForm):
    name = StringField("Your name", validators=[DataRequired(), Length(max=120)])
    password = PasswordField("Choose a password", validators=[DataRequired(), Length(min=8, max=72, message=PASSWORD_LENGTH)])
    confirm = PasswordField("Repeat the password",
                            validators=[DataRequired(), EqualTo("password", message="The passwords differ.")])
