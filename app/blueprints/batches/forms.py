"""Batch page forms: start, and the in-progress forms (notes, timers, extras, substitutions, finish, fail, cancel).

The batch page shows several forms at once, so each has a prefix (ids and names never collide).
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, FieldList, Form, FormField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..fields import BoundedIntegerField, DecimalText

OUTPUT_ROWS = 3


class StartForm(FlaskForm):
    recipe_id = SelectField("Recipe", coerce=str, validators=[DataRequired(message="Choose a recipe.")])
    scale = DecimalText("Scale", validators=[InputRequired(message="Enter a scale, e.g. 1 or 2.5.")],
                        allow_zero=False, default="1", description="1 = the recipe as written, 2 = double.")
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=5000)])


class NoteForm(FlaskForm):
    note = TextAreaField("Add a note", validators=[DataRequired(message="Write the note first."), Length(max=5000)])


class TimerForm(FlaskForm):
    label = StringField("Timer", validators=[DataRequired(message="Name the timer."), Length(max=80)])
    duration_minutes = BoundedIntegerField("Minutes (optional)",
                                           validators=[Optional(), NumberRange(min=1, max=129600)])


class ExtraForm(FlaskForm):
    item_id = SelectField("Item", coerce=str, validators=[DataRequired(message="Choose an item.")])
    quantity = DecimalText("Quantity", validators=[InputRequired(message="Enter a quantity.")], allow_zero=False)
    unit = SelectField("Unit", validate_choice=False, default="")
    lot_code = StringField("Lot code (optional)", validators=[Optional(), Length(max=40)],
                           description="Default: oldest lot first.")
    notes = StringField("Notes", validators=[Optional(), Length(max=255)])


class SubstituteForm(FlaskForm):
    replace_item_id = SelectField("Replace", coerce=str, validators=[DataRequired(message="Choose an ingredient.")])
    with_item_id = SelectField("With", coerce=str, validators=[DataRequired(message="Choose the substitute.")])
    quantity = DecimalText("Quantity of the substitute", validators=[InputRequired(message="Enter a quantity.")],
                           allow_zero=False)
    unit = SelectField("Unit", validate_choice=False, default="")


class OutputRow(Form):
    item_id = SelectField("Item", coerce=str, default="")
    quantity = DecimalText("Quantity", validators=[Optional()], allow_zero=False)
    yield_portion = DecimalText("Share of the yield", validators=[Optional()], allow_zero=False)

    def is_blank(self) -> bool:
        return not self.item_id.data and self.quantity.data is None and self.yield_portion.data is None \
            and not (self.quantity.raw_data and self.quantity.raw_data[0].strip())


class FinishForm(FlaskForm):
    yield_quantity = DecimalText("Actual yield", validators=[InputRequired(message="Enter the actual yield.")],
                                 allow_zero=False)
    waste_quantity = DecimalText("Waste", validators=[Optional()])
    labour_minutes = DecimalText("Labour (minutes)", validators=[Optional()],
                                 description="Hands-on time; blank = the recipe's expected minutes.")
    output_item_id = SelectField("Output item", coerce=str, default="")
    outputs = FieldList(FormField(OutputRow), min_entries=OUTPUT_ROWS, max_entries=50)
    hold_until = DateField("Cure / hold until", validators=[Optional()],
                           description="Output lots cannot be used or sold before this date.")
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=5000)])
    confirm_yield = BooleanField("Yes, this yield is right")


class ReasonForm(FlaskForm):
    reason = StringField("Reason", validators=[Optional(), Length(max=255)])
