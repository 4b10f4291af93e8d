"""Control-tower settings form (on the organization settings page)."""
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length, Optional

from ...services import org_settings


class ControlSettingsForm(FlaskForm):
    """Every setting as text: the service parses and checks it (a blank field restores the default)."""

    class Meta:
        csrf = True


for _key in org_settings.KEYS:
    setattr(ControlSettingsForm, _key, StringField(org_settings.LABELS[_key], validators=[Optional(), Length(max=20)]))


def settings_form(org, formdata=None) -> ControlSettingsForm:
    """The form filled with the organization's current values (defaults shown as values)."""
    form = ControlSettingsForm(formdata=formdata, prefix="ct")
    if formdata is None:
        for key, value in org_settings.settings_json(org).items():
            getattr(form, key).data = str(value)
    return form
