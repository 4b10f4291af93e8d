"""Scan page form: the code, typed or read by the camera (a GET form: it only looks something up)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ...services.scanning import MAX_CODE


class ScanForm(FlaskForm):
    class Meta:
        csrf = False  # a lookup by GET changes nothing

    code = StringField("Code", validators=[DataRequired(message="Scan a code or type it in."), Length(max=MAX_CODE)],
                       description="A lot or batch code, a SKU code, a barcode, or the link on a label.")
