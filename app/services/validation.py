"""Small input checks shared by services (numbers live in services.units: parse_quantity, parse_decimal)."""
from __future__ import annotations

from .errors import ValidationFailed


def clean_text(value, field: str, max_length: int, *, required: bool = False, label: str = "a value") -> str:
    """Trimmed text of at most `max_length` characters ("" for None); ValidationFailed naming `field`."""
    text = value.strip() if isinstance(value, str) else ("" if value is None else str(value).strip())
    if required and not text:
        raise ValidationFailed(f"Enter {label}.", fields={field: f"Enter {label}."})
    if len(text) > max_length:
        raise ValidationFailed(f"At most {max_length} characters.", fields={field: f"At most {max_length} characters."})
    return text
