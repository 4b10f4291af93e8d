"""Quantities: the one parser for numbers people and clients type (exact Decimal, bounded, never a float)."""
from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from ...models.types import QUANTUM
from ..errors import InvalidQuantity, ValidationFailed

MAX_QUANTITY = Decimal("1e9")
MAX_DENSITY = Decimal("100")
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


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
