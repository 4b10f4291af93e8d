"""Parsing shared by the calculators: numbers, percentages and weight units, with API.md field errors."""
from __future__ import annotations

from decimal import Decimal

from ..errors import ValidationFailed
from ..units import parse_decimal

MAX_WEIGHT = Decimal("10000000")  # 10 tonnes in grams: anything larger is a typo
MAX_LINES = 50
# Weight units a calculator accepts, in grams (the seeded units' exact factors; no organization needed).
WEIGHT_UNITS = {"g": Decimal(1), "kg": Decimal(1000), "mg": Decimal("0.001"), "oz": Decimal("28.349523125"),
                "lb": Decimal("453.59237")}


def number(value, field: str, label: str, *, minimum=None, maximum=None, above=None, required=True,
           default=None) -> Decimal | None:
    """A finite Decimal within bounds, else ValidationFailed naming `field`."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if not required:
            return default
        raise ValidationFailed(f"Enter {label}.", fields={field: "Required."})
    result = parse_decimal(value, field)
    if above is not None and result <= above:
        raise ValidationFailed(f"{label.capitalize()} must be greater than {above}.",
                               fields={field: f"Must be greater than {above}."})
    if minimum is not None and result < minimum:
        raise ValidationFailed(f"{label.capitalize()} must be at least {minimum}.",
                               fields={field: f"Must be at least {minimum}."})
    if maximum is not None and result > maximum:
        raise ValidationFailed(f"{label.capitalize()} must be at most {maximum}.",
                               fields={field: f"Must be at most {maximum}."})
    return result


def weight(value, field: str, label: str = "a weight", *, allow_zero: bool = False) -> Decimal:
    """A weight: not negative (zero only when allowed), below 10 tonnes."""
    result = number(value, field, label)
    if result < 0:
        raise ValidationFailed(f"{label.capitalize()} cannot be negative.", fields={field: "Cannot be negative."})
    if result == 0 and not allow_zero:
        raise ValidationFailed(f"{label.capitalize()} must be greater than zero.",
                               fields={field: "Must be greater than zero."})
    if result >= MAX_WEIGHT:
        raise ValidationFailed(f"{label.capitalize()} is too large.", fields={field: "Too large."})
    return result


def weight_unit(value, field: str = "unit") -> str:
    """A weight unit symbol (g, kg, mg, oz, lb; any case); g when not given."""
    if value in (None, ""):
        return "g"
    if isinstance(value, str):
        for name in WEIGHT_UNITS:
            if name == value.strip().lower():
                return name
    raise ValidationFailed("Weights must be in g, kg, mg, oz or lb.", fields={field: "Use g, kg, mg, oz or lb."})


def text(value, field: str, label: str, *, required: bool = True, max_length: int = 120) -> str:
    """A trimmed text input of at most `max_length` characters (required unless told otherwise)."""
    if value is not None and not isinstance(value, str):
        raise ValidationFailed(f"{label} must be text.", fields={field: "Must be text."})
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(f"Enter {label.lower()}.", fields={field: "Required."})
    if len(value) > max_length:
        raise ValidationFailed(f"{label} is too long.", fields={field: f"At most {max_length} characters."})
    return value


def line_list(value, field: str, label: str) -> list:
    """A non-empty list of at most MAX_LINES objects."""
    if not isinstance(value, list) or not value:
        raise ValidationFailed(f"Add at least one {label}.", fields={field: f"Add at least one {label}."})
    if len(value) > MAX_LINES:
        raise ValidationFailed(f"At most {MAX_LINES} lines.", fields={field: f"At most {MAX_LINES} lines."})
    for index, raw in enumerate(value):
        if not isinstance(raw, dict):
            raise ValidationFailed(f"Each {label} must be an object.", fields={f"{field}.{index}": "Invalid line."})
    return value


def rounded(value: Decimal, places: int = 6) -> Decimal:
    """A calculated weight kept to `places` decimals (API.md: quantities keep at least 6 places)."""
    return value.quantize(Decimal(1).scaleb(-places))


def plain(value: Decimal) -> str:
    """A Decimal as JSON text without exponent or trailing zeros ("12.5", "0.135449", "100")."""
    value = value.normalize()
    return "0" if value == 0 else format(value, "f")
