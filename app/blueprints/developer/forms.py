"""Developer console forms."""
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ...services.developer import LIBRARY_CATEGORIES, tier_choices
from ..fields import BoundedIntegerField


class TierForm(FlaskForm):
    tier = SelectField("Tier", choices=tier_choices)
    reason = StringField("Reason (for the audit log)", validators=[Optional(), Length(max=500)])


class SuspendForm(FlaskForm):
    reason = StringField("Reason (for the audit log)", validators=[Optional(), Length(max=500)])


class GlobalItemForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    inci = StringField("INCI name", validators=[Optional(), Length(max=255)])
    category = SelectField("Category", choices=[(c, c.replace("_", " ").capitalize()) for c in LIBRARY_CATEGORIES])
    density = StringField("Density (g/mL)", validators=[Optional(), Length(max=20)],
                          render_kw={"inputmode": "decimal"})
    shelf_life_days = BoundedIntegerField("Default shelf life (days)",
                                          validators=[Optional(), NumberRange(min=1, max=36500)])
    sap_naoh = StringField("SAP value, NaOH", validators=[Optional(), Length(max=20)],
                           render_kw={"inputmode": "decimal"}, description="Grams of NaOH per gram of oil, e.g. 0.1353")
    sap_koh = StringField("SAP value, KOH", validators=[Optional(), Length(max=20)],
                          render_kw={"inputmode": "decimal"}, description="Grams of KOH per gram of oil, e.g. 0.1900")
