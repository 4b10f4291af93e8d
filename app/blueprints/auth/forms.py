"""Sign-up, sign-in and password forms."""
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from ...services.timezones import timezone_choices
from ..fields import PASSWORD_LENGTH


class SignupForm(FlaskForm):
    organization_name = StringField("Workshop or business name", validators=[DataRequired(), Length(max=120)])
    name = StringField("Your name", validators=[Length(max=120)])
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=255)])
    password = PasswordField("Password", validators=[DataRequired(), Length(min=8, max=72, message=PASSWORD_LENGTH)])
    timezone = SelectField("Time zone", choices=timezone_choices, default="UTC")


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=255)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=255)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(min=8, max=72, message=PASSWORD_LENGTH)])
    confirm = PasswordField("Repeat the new password",
                            validators=[DataRequired(), EqualTo("password", message="The passwords differ.")])
