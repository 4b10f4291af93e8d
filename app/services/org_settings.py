"""Organization settings for the control tower and costing (API.md "Organization and billing").

Stored on `organizations.settings` as the keys a maker changed; every other key reads as its default.
`expiring_days` is the organization's existing expiring-soon window (`organizations.expiring_soon_days`), so
the expiring page, the dashboard and the KPIs agree on one number.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from . import organizations
from .authz import authorize
from .base import unit_of_work
from .errors import ValidationFailed

INTEGER_DEFAULTS = {"window_days": 30, "cover_days": 30, "expiring_days": 30, "stuck_batch_days": 7}
DECIMAL_DEFAULTS = {"safety_days": Decimal("0.5"), "labour_rate": Decimal(0), "overhead_percent": Decimal(0),
                    "overhead_per_batch": Decimal(0), "wholesale_markup": Decimal(2), "retail_markup": Decimal(2)}
KEYS = ("window_days", "safety_days", "cover_days", "expiring_days", "stuck_batch_days", "labour_rate",
        "overhead_percent", "overhead_per_batch", "wholesale_markup", "retail_markup")
MAX_DAYS = 3650
MAX_DECIMAL = Decimal("1e9")
EXPIRING_COLUMN_DEFAULT = 30
LABELS = {
    "window_days": "Usage window (days)", "safety_days": "Safety stock (days of usage)",
    "cover_days": "Order to cover (days)", "expiring_days": "Expiring soon (days)",
    "stuck_batch_days": "Batch stuck after (days)", "labour_rate": "Labour rate (per hour)",
    "overhead_percent": "Overhead (% of materials)", "overhead_per_batch": "Overhead per batch",
    "wholesale_markup": "Wholesale markup (× cost)", "retail_markup": "Retail markup (× wholesale)",
}


def get_settings(org) -> dict:
    """Every setting with its value for `org` (ints for the day counts except safety_days, else Decimals)."""
    stored = org.settings or {}
    values: dict = {}
    for key in KEYS:
        if key == "expiring_days":
            values[key] = org.expiring_soon_days if org.expiring_soon_days is not None else EXPIRING_COLUMN_DEFAULT
        elif key in INTEGER_DEFAULTS:
            values[key] = int(stored[key]) if stored.get(key) is not None else INTEGER_DEFAULTS[key]
        else:
            values[key] = Decimal(str(stored[key])) if stored.get(key) is not None else DECIMAL_DEFAULTS[key]
    return values


def settings_json(org) -> dict:
    """The API's `settings` object: day counts as integers, the rest (and safety_days) as decimal strings."""
    return {key: value if isinstance(value, int) else decimal_text(value) for key, value in get_settings(org).items()}


def decimal_text(value: Decimal) -> str:
    """A decimal as plain text without exponent or trailing zeros ("0.5", "2", "0")."""
    return "0" if value == 0 else format(value.normalize(), "f")


def clean_settings(changes) -> dict:
    """Validate a partial settings object: {key: parsed value or None (restore the default)}."""
    if not isinstance(changes, dict):
        raise ValidationFailed("Settings must be an object of setting names and values.",
                               fields={"settings": "Must be an object."})
    errors: dict[str, str] = {}
    cleaned: dict = {}
    for key, raw in changes.items():
        field = f"settings.{key}"
        if key not in KEYS:
            errors[field] = f"Unknown setting; known settings: {', '.join(KEYS)}."
            continue
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            cleaned[key] = None
            continue
        try:
            cleaned[key] = _integer(key, raw) if key in INTEGER_DEFAULTS else _decimal(raw)
        except ValueError as exc:
            errors[field] = str(exc)
    if errors:
        name, message = next(iter(errors.items()))
        key = name.removeprefix("settings.")
        raise ValidationFailed(f"{LABELS.get(key, key)}: {message}", fields=errors)  # the label a person reads
    return cleaned


def _integer(key: str, raw) -> int:
    lowest = 1 if key == "window_days" else 0
    message = f"A whole number of days from {lowest} to {MAX_DAYS}."
    if isinstance(raw, bool):
        raise ValueError(message)
    try:
        number = Decimal(str(raw).strip()) if not isinstance(raw, int) else Decimal(raw)
    except (InvalidOperation, ValueError):
        raise ValueError(message) from None
    if not number.is_finite() or number != number.to_integral_value() or not lowest <= number <= MAX_DAYS:
        raise ValueError("Must not be negative." if number.is_finite() and number < 0 else message)
    return int(number)


def _decimal(raw) -> Decimal:
    message = "A number of 0 or more."
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise ValueError(message)
    try:
        number = Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValueError(message) from None
    if not number.is_finite():
        raise ValueError(message)
    if number < 0:
        raise ValueError("Must not be negative.")
    if number >= MAX_DECIMAL:
        raise ValueError("Is too large.")
    return number


def apply_settings(org, changes) -> None:
    """Write validated changes onto `org` (flush only; callers hold the unit of work and the authorization)."""
    cleaned = clean_settings(changes)
    stored = dict(org.settings or {})
    for key, value in cleaned.items():
        if key == "expiring_days":
            org.expiring_soon_days = EXPIRING_COLUMN_DEFAULT if value is None else value
        elif value is None:
            stored.pop(key, None)
        else:
            stored[key] = value if isinstance(value, int) else decimal_text(value)
    org.settings = stored  # a new dict: JSON columns notice assignment, not mutation


@unit_of_work
def update_organization(org, actor, *, name=None, timezone=None, settings=None, digest=None, **other) -> object:
    """Name, time zone, any subset of the settings (None restores a default), the digest e-mail's
    frequency and weekday (notifications.preferences) and the legacy fields (expiring_soon_days,
    consumption_order, currency) in one transaction."""
    from .notifications import preferences as notification_preferences

    authorize(actor, org, "organization.settings")
    if settings is not None:
        clean_settings(settings)  # every problem reported before anything changes
    if digest is not None:
        notification_preferences.clean_digest_setting(digest)
    if name is not None or timezone is not None or other:
        organizations.update_settings(
            org, actor, name=org.name if name is None else name,
            timezone_name=org.timezone if timezone is None else timezone,
            expiring_soon_days=other.get("expiring_soon_days", org.expiring_soon_days),
            consumption_order=other.get("consumption_order", org.consumption_order),
            currency=other.get("currency", org.currency))
    if settings is not None:
        apply_settings(org, settings)
    if digest is not None:
        notification_preferences.apply_digest_setting(org, digest)
    return org
