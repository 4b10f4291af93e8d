"""Inventory page forms: item create/edit, stock adjustment, lot disposal."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ...models.inventory import ITEM_KINDS
from ..fields import BoundedIntegerField, DecimalText

KIND_CHOICES = [(kind, kind.capitalize()) for kind in ITEM_KINDS]

# Every change type the inventory core knows, grouped the way a maker thinks about them.
CHANGE_TYPE_GROUPS = {
    "Receive": [("restock", "Restock (received: a new lot)")],  # fits a 390 px select
    "Use or deduct": [("use", "Use"), ("batch", "Used in a batch"), ("sale", "Sale"), ("sample", "Sample"),
                      ("tester", "Tester"), ("gift", "Gift")],
    "Dispose": [("spoil", "Spoiled"), ("trash", "Trash"), ("damaged", "Damaged"), ("expired", "Expired"),
                ("quality_fail", "Failed quality check")],
    "Count": [("recount", "Recount (set the counted total)")],
    "Credit back": [("returned", "Returned (credit back to a lot)"),
                    ("batch_cancelled", "Batch cancelled (credit back to a lot)")],
}
CHANGE_TYPE_LABELS = {value: label for group in CHANGE_TYPE_GROUPS.values() for value, label in group}
CHANGE_TYPE_CHOICES = [SelectChoice(value, label, optgroup=group)
                       for group, pairs in CHANGE_TYPE_GROUPS.items() for value, label in pairs]


class ItemForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    kind = SelectField("Kind", choices=[SelectChoice(value, label) for value, label in KIND_CHOICES], default="ingredient")
    unit = SelectField("Stock unit", validators=[DataRequired()], default="g",
                       description="Stock is counted and costed in this unit.")
    density = DecimalText("Density (g/mL)", validators=[Optional()], allow_zero=False,
                          description="Lets recipes mix weights and volumes, e.g. 0.92 for olive oil.")
    shelf_life_days = BoundedIntegerField("Shelf life (days)", validators=[Optional(), NumberRange(min=1, max=36500)],
                                   description="New lots expire this many days after they are received.")
    reorder_point = DecimalText("Reorder point", validators=[Optional()],
                                description="Flag the item as low stock below this quantity (stock unit).")
    safety_stock = DecimalText("Safety stock", validators=[Optional()])
    lead_time_days = BoundedIntegerField("Lead time (days)", validators=[Optional(), NumberRange(min=0, max=365)],
                                         description="Blank: the supplier's lead time, else 7 days.")
    inci_name = StringField("INCI name", validators=[Optional(), Length(max=255)])
    allergens = StringField("Allergens", validators=[Optional(), Length(max=500)],
                            description="Comma separated, e.g. linalool, limonene.")
    capacity = DecimalText("Container capacity", validators=[Optional()], allow_zero=False)
    capacity_unit = SelectField("Capacity unit", validate_choice=False, default="")
    supplier_id = SelectField("Default supplier", coerce=str, validate_choice=False, default="")
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=5000)])
    allow_fractions = BooleanField("Allow fractions (e.g. 1.5 each); otherwise counted items move in whole units")
    barcode = StringField("Barcode", validators=[Optional(), Length(max=80)],
                          description="The code printed on what you receive (EAN, UPC…): scanning it finds this item.")
    global_item_id = HiddenField()
    unlink_library = BooleanField("Unlink from the library (lets you edit name, INCI and density)")


class AdjustForm(FlaskForm):
    change_type = SelectField("Change", choices=CHANGE_TYPE_CHOICES, default="restock")
    # its hint depends on the change type, so the page writes it (inventory/item_detail.html)
    quantity = DecimalText("Quantity", validators=[InputRequired(message="Enter a quantity.")])
    unit = SelectField("Unit", validate_choice=False)
    unit_cost = DecimalText("Unit cost", validators=[Optional()], money=True,
                            description="What you paid per unit chosen above, e.g. per lb.")
    expires_at = DateField("Expires on", validators=[Optional()],
                           description="Leave blank to use the shelf life.")
    received_at = DateField("Received on", validators=[Optional()], description="Default: today.")
    supplier_id = SelectField("Supplier", coerce=str, validate_choice=False, default="")
    supplier_lot_code = StringField("Supplier lot code", validators=[Optional(), Length(max=80)])
    lot_code = SelectField("Lot", coerce=str, validate_choice=False, default="",
                           description="Optional for deductions (default: oldest first); required for credits.")
    notes = StringField("Notes", validators=[Optional(), Length(max=1000)])
    confirm_expired = BooleanField("Yes, it's already expired — record it anyway")

    expiry_warning = False  # set when a restock's expiry date is already past and was not confirmed


class DisposeForm(FlaskForm):
    notes = StringField("Notes", validators=[Optional(), Length(max=1000)])
