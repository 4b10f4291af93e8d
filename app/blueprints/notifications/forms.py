"""Notification forms: a member's own choices and the organization's digest frequency."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from ...models import ALERT_TYPES
from ...services.notifications import ALERT_LABELS, FREQUENCIES, WEEKDAYS

FREQUENCY_LABELS = {"daily": "Daily", "weekly": "Weekly", "off": "Off (no digest)"}


class PreferencesForm(FlaskForm):
    digest = BooleanField("E-mail me the digest")
    alert_types = SelectMultipleField("E-mail me these alerts as they open",
                                      choices=[(t, ALERT_LABELS[t]) for t in ALERT_TYPES],
                                      widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())


class DigestSettingsForm(FlaskForm):
    frequency = SelectField("Digest e-mail", choices=[(f, FREQUENCY_LABELS[f]) for f in FREQUENCIES])
    weekday = SelectField("Weekly on", choices=[(d, d.capitalize()) for d in WEEKDAYS])
