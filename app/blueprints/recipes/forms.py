"""Recipe page forms: the recipe editor (header + dynamic lines), clone/variation, stock check."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ...models.recipes import LINE_ROLES, RECIPE_CATEGORIES
from ..fields import BoundedIntegerField, DecimalText

BLANK_LINES = 8
MAX_LINES = 200
CATEGORY_CHOICES = [(value, value.capitalize()) for value in RECIPE_CATEGORIES]
ROLE_CHOICES = [SelectChoice("", "Auto")] + [SelectChoice(value, value.capitalize()) for value in LINE_ROLES]
BASIS_CHOICES = [SelectChoice("batch", "Per batch"), SelectChoice("portion", "Per portion")]


class LineForm(Form):
    """One ingredient / container line. A row with no item and no amount is ignored (a spare row)."""

    item_id = SelectField("Item", coerce=str, default="")
    # Range checks are the service's (its messages name the line); the field only parses the number.
    quantity = DecimalText("Quantity", validators=[Optional()], minimum=None)
    unit = SelectField("Unit", validate_choice=False, default="")
    role = SelectField("Role", choices=ROLE_CHOICES, default="")
    basis = SelectField("Basis", choices=BASIS_CHOICES, default="batch")
    percent = DecimalText("%", validators=[Optional()])
    is_base = BooleanField("Base oil")
    notes = StringField("Note", validators=[Optional(), Length(max=255)])

    def is_blank(self) -> bool:
        return not self.item_id.data and self.quantity.data is None and self.percent.data is None \
            and not (self.quantity.raw_data and self.quantity.raw_data[0].strip())


class RecipeForm(FlaskForm):
    name = StringField("Recipe name", validators=[DataRequired(), Length(max=120)])
    label_prefix = StringField("Label prefix", validators=[Optional(), Length(max=8)],
                               description="Batch labels start with it (LAV-2025-001). Leave blank to derive it.")
    category = SelectField("Category", choices=[SelectChoice(v, label) for v, label in CATEGORY_CHOICES],
                           default="other")
    yield_quantity = DecimalText("Yield", validators=[InputRequired(message="Enter the yield.")], allow_zero=False)
    yield_unit = SelectField("Yield unit", validate_choice=False, default="g")
    output_item_id = SelectField("Output item", coerce=str, default="",
                                 description="The intermediate ingredient or product a batch makes.")
    portion_count = BoundedIntegerField("Portions", validators=[Optional(), NumberRange(min=1, max=100000)],
                                 description="e.g. 12 bars per batch (per-portion lines use it).")
    portion_name = StringField("Portion name", validators=[Optional(), Length(max=40)])
    instructions = TextAreaField("Instructions", validators=[Optional(), Length(max=20000)])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=20000)])
    superfat_pct = DecimalText("Superfat %", validators=[Optional()])
    water_pct = DecimalText("Water %", validators=[Optional()])
    fragrance_load_pct = DecimalText("Fragrance load %", validators=[Optional()])
    labour_minutes = DecimalText("Labour (minutes per batch)", validators=[Optional()],
                                 description="Hands-on time for one batch at any scale.")
    labour_rate = DecimalText("Labour rate (per hour)", validators=[Optional()],
                              description="Blank = the organization's rate.")
    overhead_percent = DecimalText("Overhead (% of materials)", validators=[Optional()],
                                   description="Blank = the organization's.")
    overhead_per_batch = DecimalText("Overhead per batch", validators=[Optional()],
                                     description="Blank = the organization's.")
    percentage_mode = BooleanField("Percentage recipe (lines are % of the base oil weight)")
    base_quantity = DecimalText("Base (oil) weight", validators=[Optional()], allow_zero=False)
    base_unit = SelectField("Base unit", validate_choice=False, default="g")
    variation_name = StringField("Variation name", validators=[Optional(), Length(max=80)])
    change_note = StringField("What changed", validators=[Optional(), Length(max=255)])
    lines = FieldList(FormField(LineForm), min_entries=0, max_entries=MAX_LINES)


class CloneForm(FlaskForm):
    name = StringField("New name", validators=[Optional(), Length(max=120)])


class VariationForm(FlaskForm):
    variation_name = StringField("Variation name", validators=[DataRequired(), Length(max=80)],
                                 description="e.g. Lavender, Unscented, Travel size.")
