"""Supplier forms."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from ..fields import BoundedIntegerField


class SupplierForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    contact_name = StringField("Contact person", validators=[Optional(), Length(max=120)])
    email = EmailField("Email", validators=[Optional(), Email(message="Enter an email address."), Length(max=255)])
    phone = StringField("Phone", validators=[Optional(), Length(max=60)])
    website = StringField("Website", validators=[Optional(), Length(max=255)])
    lead_time_days = BoundedIntegerField("Lead time (days)", validators=[Optional(), NumberRange(min=0, max=365)],
                                  description="From ordering to receiving; used for reorder points.")
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=5000)])

