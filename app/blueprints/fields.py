"""Form fields shared by page forms."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from markupsafe import Markup, escape
from wtforms import IntegerField, StringField
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import Select

from ..services.units.quantities import ungroup_number

MAX_DECIMAL = Decimal("1e12")
# One currency sign before or after a money amount ("$4.80", "€ 12", "12 £"); a minus sign stays a number's.
CURRENCY_SIGN = re.compile(r"^[$€£¥]\s*|\s*[$€£¥]$")
# Every password field's length message, in the words the forms' help uses ("At least 8 characters.").
PASSWORD_LENGTH = "Use at least 8 characters (and at most 72)."
# Integers the database can hold (32-bit on PostgreSQL); a larger one names nothing and would overflow.
MAX_INTEGER = 2**31 - 1


class BoundedIntegerField(IntegerField):
    """An IntegerField that refuses numbers beyond 32 bits with a field message (never an overflow).

    Every page form's whole-number input uses it: WTForms' NumberRange turns a 400-digit number into
    float and raises OverflowError, and the database cannot store it either. A bad value stops the
    field's validation with one message, so no second validator repeats it.
    """

    def __init__(self, label=None, validators=None, *, maximum: int = MAX_INTEGER, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.maximum = maximum
        self._parse_error = None

    def process_formdata(self, valuelist):
        self._parse_error = None
        if not valuelist:
            return
        text = (valuelist[0] or "").strip()
        self.data = None
        if not text:
            return
        try:
            value = int(text)
        except (ValueError, TypeError):
            self._parse_error = "Enter a whole number, like 12."
            return
        if abs(value) > self.maximum:
            self._parse_error = f"That number is too large (at most {self.maximum:,})."
            return
        self.data = value

    def pre_validate(self, form):
        if self._parse_error:
            raise StopValidation(self._parse_error)


class DecimalText(StringField):
    """A typed decimal number (Decimal, or None when blank); rejects NaN, infinity and absurd sizes.

    Kept as text input (inputmode=decimal) so "1,5" style typos reach the maker as a message
    instead of being silently dropped by the browser.
    """

    def __init__(self, label=None, validators=None, *, minimum=Decimal("0"), allow_zero=True, money=False, **kwargs):
        render_kw = {"inputmode": "decimal", "autocomplete": "off"}
        render_kw.update(kwargs.pop("render_kw", None) or {})
        super().__init__(label, validators, render_kw=render_kw, **kwargs)
        self.minimum = minimum
        self.allow_zero = allow_zero
        self.money = money  # a price or cost: "$4.80" or "4.80 €" is what a maker types
        self._parse_error = None

    def process_formdata(self, valuelist):
        self._parse_error = None
        self.data = None
        if not valuelist:
            return
        text = (valuelist[0] or "").strip()
        if self.money:
            text = CURRENCY_SIGN.sub("", text).strip()
        if not text:
            return
        try:
            value = Decimal(ungroup_number(text))
        except (InvalidOperation, ValueError):
            self._parse_error = "Enter a number, like 12, 0.5 or 1,000."
            return
        if not value.is_finite():
            self._parse_error = "Enter a number, like 12, 0.5 or 1,000."
        elif abs(value) >= MAX_DECIMAL:
            self._parse_error = "That number is too large."
        elif self.minimum is not None and value < self.minimum:
            self._parse_error = f"Must be at least {self.minimum}."
        elif value == 0 and not self.allow_zero:
            self._parse_error = "Must be more than zero."
        else:
            self.data = value

    def pre_validate(self, form):
        if self._parse_error:
            raise ValidationError(self._parse_error)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return format(self.data.normalize(), "f") if isinstance(self.data, Decimal) else str(self.data)


class LongSelect(Select):
    """WTForms' Select widget, the same HTML, written faster for lists of thousands of options (a purchase
    order's item pickers at 10,000 items spent most of the page in WTForms' per-option html_params)."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        """One <option>: `selected value="…"` as html_params() orders them; other attributes: WTForms' own."""
        if kwargs or choice.render_kw or isinstance(choice.value, bool):
            return super().render_option(choice, **kwargs)
        label = escape(choice.label or choice.value)
        selected = "selected " if choice.selected else ""
        return Markup(f'<option {selected}value="{escape(choice.value)}">{label}</option>')
