"""Sale page forms: record a sale, return, CSV import, reservations."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..fields import DecimalText

CHANNEL_SUGGESTIONS = ("Market", "Online shop", "Wholesale", "Etsy", "Shopify", "In person")
MAX_IMPORT_BYTES = 2 * 1024 * 1024


class SaleForm(FlaskForm):
    sku = SelectField("What you sold", coerce=str, validate_choice=False,
                      validators=[DataRequired(message="Choose what you sold.")])
    quantity = DecimalText("Quantity", validators=[InputRequired(message="Enter a quantity.")], allow_zero=False)
    unit_price = DecimalText("Unit price", validators=[Optional()], money=True,
                             description="Leave blank to use the SKU's retail price.")
    order_ref = StringField("Order reference", validators=[Optional(), Length(max=80)])
    channel = StringField("Channel", validators=[Optional(), Length(max=40)],
                          render_kw={"list": "channel-suggestions", "autocomplete": "off"})
    customer = StringField("Customer", validators=[Optional(), Length(max=120)])
    confirm_below_cost = BooleanField("Sell below cost", description="The price is below what the stock cost.")


class ReturnForm(FlaskForm):
    quantity = DecimalText("Quantity returned", validators=[Optional()], allow_zero=False,
                           description="Leave blank to return everything not yet returned.")
    notes = StringField("Notes", validators=[Optional(), Length(max=1000)])


class ImportForm(FlaskForm):
    file = FileField("CSV file")
    csv_text = TextAreaField("…or paste the CSV", validators=[Optional(), Length(max=MAX_IMPORT_BYTES)])


class ImportConfirmForm(FlaskForm):
    """The checked text, posted back unchanged, so exactly what was validated is imported."""
    csv_text = HiddenField(validators=[DataRequired()])


class ReservationForm(FlaskForm):
    sku = SelectField("What to hold", coerce=str, validate_choice=False,
                      validators=[DataRequired(message="Choose what to hold.")])
    quantity = DecimalText("Quantity", validators=[InputRequired(message="Enter a quantity.")], allow_zero=False)
    order_ref = StringField("Order reference", validators=[DataRequired(message="Enter the order reference."),
                                                           Length(max=80)])
    customer = StringField("Customer", validators=[Optional(), Length(max=120)])
    expires_at = DateField("Hold until", validators=[Optional()], description="Optional: release it after this day.")


class ConvertForm(FlaskForm):
    unit_price = DecimalText("Unit price", validators=[Optional()], money=True, description="Blank: the SKU's retail price.")
    channel = StringField("Channel", validators=[Optional(), Length(max=40)])
