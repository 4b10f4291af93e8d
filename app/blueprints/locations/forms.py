"""Location and transfer forms."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ...models import LOCATION_KINDS
from ..fields import DecimalText

KIND_LABELS = {"workshop": "Workshop", "warehouse": "Warehouse", "store": "Store / shop", "market": "Market stall"}


class LocationForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(message="Enter a name."), Length(max=80)])
    kind = SelectField("Kind", choices=[SelectChoice(kind, KIND_LABELS[kind]) for kind in LOCATION_KINDS], default="store")


class TransferForm(FlaskForm):
    item_id = SelectField("Item", validators=[DataRequired(message="Choose an item.")], validate_choice=False)
    quantity = DecimalText("Quantity", validators=[InputRequired(message="Enter a quantity.")], allow_zero=False)
    unit = SelectField("Unit", validators=[Optional()], validate_choice=False, default="",
                       description="Blank: the item's stock unit.")
    from_location_id = SelectField("From", validators=[DataRequired(message="Choose a location.")],
                                   validate_choice=False)
    to_location_id = SelectField("To", validators=[DataRequired(message="Choose a location.")],
                                 validate_choice=False)
    in_transit = BooleanField("In transit (ship now, receive when it arrives)")
    notes = StringField("Notes", validators=[Optional(), Length(max=500)])
