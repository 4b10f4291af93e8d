"""Quantities: the one parser for numbers people and clients type (exact Decimal, bounded, never a float)."""
from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from ...models.types import QUANTUM
from ..errors import InvalidQuantity, ValidationFailed

MAX_QUANTITY = Decimal("1e9")
MAX_DENSITY = Decimal("100")
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")

# A number written with thousands separators as the app prints them ("1,000", "12,345.5") or with spaces
# ("1 000", also no-break and thin spaces): groups of exactly three digits after a first group of one to
# three, one kind of separator per number. Anything else ("1,0,0.5", "1,00") is not read as a number.
_GROUPED = re.compile(r"^([+-]?)(\d{1,3})(?:(?P<sep>[, \u00a0\u202f])\d{3})(?:(?P=sep)\d{3})*(\.\d*)?$")


def ungroup_number(text: str) -> str:
    """`text` without its thousands separators when it is a well-grouped number; otherwise unchanged."""
    if _GROUPED.match(text):
        return re.sub(r"[, \u00a0\u202f]", "", text)
    return text


# The same with a decimal comma, as a spreadsheet saved with semicolons writes it ("2,5", "1.234,5", "1 234,5").
_GROUPED_DECIMAL_COMMA = re.compile(r"^[+-]?(\d{1,3}(?P<sep>[. \u00a0\u202f])\d{3}(?:(?P=sep)\d{3})*|\d+)(,\d+)?$")


def decimal_comma_number(text: str) -> str:
    """`text` written with a decimal comma (and optional thousands groups) as a plain number; otherwise unchanged."""
    if _GROUPED_DECIMAL_COMMA.match(text):
        return re.sub(r"[. \u00a0\u202f]", "", text).replace(",", ".")
    return text


def parse_quantity(value, field: str = "quantity", *, allow_zero: bool = False,
                   maximum: Decimal = MAX_QUANTITY) -> Decimal:
    """A positive (or, with allow_zero, non-negative) finite Decimal below `maximum`, else InvalidQuantity."""
    number = parse_decimal(value, field, error=InvalidQuantity)
    if allow_zero and number < 0:
        raise InvalidQuantity("Enter zero or more.", fields={field: "Must be zero or more."})
    if not allow_zero and number <= 0:
        raise InvalidQuantity("Enter a quantity greater than zero.", fields={field: "Must be greater than zero."})
    if number >= maximum:
        raise InvalidQuantity(f"That number is too large (it must be below {maximum:,}).",
                              fields={field: f"Must be below {maximum:,}."})
    return number


def parse_decimal(value, field: str, *, error=ValidationFailed) -> Decimal:
    """A finite Decimal from a string or number (never a bool, NaN or infinity), else `error`."""
    message = "Enter a number, for example 12.5."
    if value is None or isinstance(value, bool):
        raise error(message, fields={field: "Enter a number."})
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip()
        if not _NUMBER_RE.match(text):
            raise error(message, fields={field: "Enter a number."})
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise error(message, fields={field: "Enter a number."}) from None
    else:
        raise error(message, fields={field: "Enter a number."})
    if not number.is_finite():
        raise error(message, fields={field: "Enter a finite number."})
    return number


def clean_decimal(value: Decimal) -> Decimal:
    """The same number without trailing zeros or an exponent (1000, not 1E+3 or 1000.000000)."""
    value = value.normalize()
    if value == 0:
        return Decimal(0)
    return value.quantize(Decimal(1)) if value.as_tuple().exponent > 0 else value


def parse_density(value, field: str = "density") -> Decimal | None:
    """A density in g/mL (0 < d < 100, 6 places), or None when blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    density = parse_quantity(value, field, maximum=MAX_DENSITY)
    density = density.quantize(QUANTUM, rounding=ROUND_HALF_EVEN)
    if density == 0:
        raise InvalidQuantity("That density is too small.", fields={field: "Too small."})
    return density
