"""The import page's upload form."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField

from ...services.imports.columns import TITLES


class UploadForm(FlaskForm):
    """Which kind of file, and the file."""

    kind = SelectField("What the file holds", choices=list(TITLES.items()), default="items")
    file = FileField("CSV file")
