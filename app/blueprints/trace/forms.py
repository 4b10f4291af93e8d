"""Trace page forms: recall a lot, release a recall."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class RecallForm(FlaskForm):
    reason = StringField("Reason", validators=[DataRequired(message="Say why the lot is recalled."), Length(max=255)],
                         description="Shown on every held lot, e.g. “Supplier recall: contaminated shea butter”.")
