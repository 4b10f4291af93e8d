"""Purchasing forms: a supplier's order details per item, purchase-order lines, receiving."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from ..fields import DecimalText, LongSelect

BLANK_LINES = 3  # empty rows offered for adding items


class SupplierItemForm(FlaskForm):
    item_id = SelectField("Item", coerce=str, validate_choice=False, widget=LongSelect())
    supplier_code = StringField("Their product code", validators=[Optional(), Length(max=80)])
    pack_size = DecimalText("Pack size (item unit)", validators=[Optional()], allow_zero=False,
                            description="Orders are rounded up to whole packs.")
    unit_price = DecimalText("Price per item unit", validators=[Optional()], money=True,
                             description="The default unit cost on purchase orders.")


class LineForm(Form):
    """One purchase-order line (a subform: the page form carries the CSRF token)."""

    line_id = HiddenField()
    item_id = SelectField("Item", coerce=str, validate_choice=False, widget=LongSelect())
    quantity = DecimalText("Quantity", validators=[Optional()], allow_zero=False)
    unit_cost = DecimalText("Unit cost", validators=[Optional()], money=True,
                            description="Blank: the supplier's price for the item.")
    remove = BooleanField("Remove")


class PurchaseOrderForm(FlaskForm):
    supplier_id = SelectField("Supplier", coerce=str, validate_choice=False)
    lines = FieldList(FormField(LineForm))
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=5000)])


class ReceiveLineForm(Form):
    line_id = HiddenField()
    quantity = DecimalText("Received now", validators=[Optional()])
    expires_at = DateField("Expires on", validators=[Optional()])
    supplier_lot_code = StringField("Supplier lot code", validators=[Optional(), Length(max=80)])


class ReceiveForm(FlaskForm):
    lines = FieldList(FormField(ReceiveLineForm))
    location_id = SelectField("Receive at", coerce=str, validate_choice=False, default="",
                              description="Where the lots go (default: the organization's default location).")


def item_choices(rows) -> list[tuple[str, str]]:
    """(value, label) pairs for an item picker from inventory.item_choices rows (id, name, unit)."""
    return [SelectChoice("", "Choose an item…")] + [SelectChoice(str(item_id), f"{name} ({unit})")
                                                     for item_id, name, unit in rows]
