"""Product page forms: product create/edit, variants, SKUs."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..fields import DecimalText


class PickField(SelectField):
    """A <select> whose value must be one of its choices (another organization's id is simply not one)."""

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError("Choose one from the list.") from None


class ProductForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(message="Give the product a name."), Length(max=120)])
    category = StringField("Category", validators=[Optional(), Length(max=80)],
                           description="For your own grouping, e.g. Bar soap, Candles, Balms.")
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])


class VariantForm(FlaskForm):
    name = StringField("Variant", validators=[DataRequired(message="Name the variant."), Length(max=80)],
                       description="A scent, colour or style, e.g. Lavender.")


class SkuForm(FlaskForm):
    variant_id = PickField("Variant", coerce=str, default="")
    size_label = StringField("Size", validators=[Optional(), Length(max=80)],
                             description="e.g. 4 oz bar, 8 oz jar.")
    code = StringField("SKU code", validators=[Optional(), Length(max=40)],
                       description="Leave blank to generate one.")
    retail_price = DecimalText("Retail price", validators=[Optional()], money=True)
    wholesale_price = DecimalText("Wholesale price", validators=[Optional()], money=True)
    barcode = StringField("Barcode", validators=[Optional(), Length(max=80)],
                          description="The EAN/UPC on the packaging: scanning it opens this SKU.")
    container_item_id = PickField("Container", coerce=str, default="",
                                    description="The jar, tin or box each unit goes into.")
    item_id = PickField("Stock item", coerce=str, default="",
                          description="Use an existing product item's stock, or create a new one.")
    unit = SelectField("Counted in", validate_choice=False, default="each",
                       description="How the new stock item is counted.")
