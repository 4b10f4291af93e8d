"""Form fields shared by page forms."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from wtforms import IntegerField, StringField
from wtforms.validators import StopValidation, ValidationError

MAX_DECIMAL = Decimal("1e12")
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


# A number written with thousands separators as the app prints them ("1,000", "12,345.5") or with spaces
# ("1 000", also no-break and thin spaces): groups of exactly three digits after a first group of one to
# three, one kind of separator per number. Anything else ("1,0,0.5", "1,00") is not read as a number.
_GROUPED = re.compile(r"^([+-]?)(\d{1,3})(?:(?P<sep>[, \u00a0\u202f])\d{3})(?:(?P=sep)\d{3})*(\.\d*)?$")


def ungroup_number(text: str) -> str:
    """`text` without its thousands separators when it is a well-grouped number; otherwise unchanged."""
    if _GROUPED.match(text):
        return re.sub(r"[, \u00a0\u202f]", "", text)
    return text


class DecimalText(StringField):
    """A typed decimal number (Decimal, or None when blank); rejects NaN, infinity and absurd sizes.

    Kept as text input (inputmode=decimal) so "1,5" style typos reach the maker as a message
    instead of being silently dropped by the browser.
    """

    def __init__(self, label=None, validators=None, *, minimum=Decimal("0"), allow_zero=True, **kwargs):
        render_kw = {"inputmode": "decimal", "autocomplete": "off"}
        render_kw.update(kwargs.pop("render_kw", None) or {})
        super().__init__(label, validators, render_kw=render_kw, **kwargs)
        self.minimum = minimum
        self.allow_zero = allow_zero
        self._parse_error = None

    def process_formdata(self, valuelist):
        self._parse_error = None
        self.data = None
        if not valuelist:
            return
        text = (valuelist[0] or "").strip()
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
