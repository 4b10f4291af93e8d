"""Unit manager forms: organization units, item densities, item unit mappings."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ...models.units import BASE_UNITS, DIMENSIONS
from ..fields import DecimalText

DIMENSION_CHOICES = [SelectChoice(d, f"{d.capitalize()} (base: {BASE_UNITS[d]})") for d in DIMENSIONS]


class CustomUnitForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=40)], description="e.g. scoop")
    label = StringField("Description", validators=[Optional(), Length(max=80)],
                        description="Optional, e.g. our big measuring scoop")
    dimension = SelectField("Measures", choices=DIMENSION_CHOICES, default="volume")
    factor = DecimalText("Size in the base unit", validators=[InputRequired(message="Enter a size.")],
                         allow_zero=False, description="How many g / mL / each / m one of it is, e.g. 30")


class DensityForm(FlaskForm):
    density = DecimalText("Density (g/mL)", validators=[Optional()], allow_zero=False,
                          description="Blank clears it.")
    next = HiddenField()


class MappingForm(FlaskForm):
    item_id = SelectField("Item", coerce=int, validate_choice=False,
                          validators=[InputRequired(message="Choose an item.")])
    unit_name = StringField("1 …", validators=[DataRequired(), Length(max=40)], description="e.g. bar, bag, jar")
    quantity = DecimalText("equals", validators=[InputRequired(message="Enter a quantity.")], allow_zero=False)
    in_unit = SelectField("in", validate_choice=False, validators=[DataRequired()])
    next = HiddenField()
