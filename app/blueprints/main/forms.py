"""Settings forms."""
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from ...services.timezones import timezone_choices
from ..fields import PASSWORD_LENGTH


class ProfileForm(FlaskForm):
    name = StringField("Name", validators=[Length(max=120)])
    timezone = SelectField("Display time zone", choices=timezone_choices)


class PasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired(), Length(max=200)])
    new_password = PasswordField("New password", validators=[DataRequired(), Length(min=8, max=72, message=PASSWORD_LENGTH)])
    confirm = PasswordField("Repeat the new password",
                            validators=[DataRequired(), EqualTo("new_password", message="The passwords differ.")])


class TokenForm(FlaskForm):
    name = StringField("Token name", validators=[DataRequired(), Length(max=80)],
                       description="For example: Shopify sync, POS, my scripts")
