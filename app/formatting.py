"""Numbers, money and times as a person reads them in HTML (the API keeps full precision).

Registered as Jinja filters (`localtime`, `qty`, `money`, `unit_cost`) by app.web; blueprints that build
display text (pickers, flash messages) use the same functions.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from flask import g, has_request_context
from flask_login import current_user

from .tenant import find_current_org


def display_zone() -> ZoneInfo:
    """The viewer's time zone (theirs, else the organization's, else UTC), resolved once per request:
    a list page formats dozens of instants and each must not go through `current_user` again."""
    zone = g.get("_display_zone") if has_request_context() else None
    if zone is None:
        zone = _resolve_display_zone()
        if has_request_context():
            g._display_zone = zone
    return zone


def _resolve_display_zone() -> ZoneInfo:
    name = "UTC"
    user = current_user._get_current_object() if has_request_context() else None
    if user is not None and getattr(user, "is_authenticated", False):
        org = find_current_org()
        name = user.timezone or (org.timezone if org is not None else "UTC")
    try:
        return ZoneInfo(name)
    except Exception:  # an invalid stored zone never breaks a page
        return ZoneInfo("UTC")


def localtime(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Render a UTC datetime in the viewer's time zone."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(display_zone()).strftime(fmt)
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return str(value)


# Places a person reads for a quantity in this unit (stored values stay exact): small units to 2 places,
# large ones to 3, counts whole or to 2. Units not listed (custom ones) get 3.
UNIT_PLACES = {"g": 2, "mg": 2, "oz": 2, "mL": 2, "ml": 2, "tsp": 2, "tbsp": 2, "fl oz": 2, "cup": 2,
               "drop": 1, "kg": 3, "lb": 3, "L": 3, "l": 3, "pint": 3, "quart": 3, "gallon": 3,
               "each": 2, "dozen": 2, "pair": 2, "m": 3, "cm": 2, "mm": 1, "in": 2, "ft": 3}


def format_quantity(value, places: int = 6, unit: str | None = None) -> str:
    """Decimal quantity without trailing zeros, thousands separated; with `unit`, rounded to the places
    a person reads for that unit (UNIT_PLACES) instead of `places`."""
    if value is None:
        return ""
    try:
        value = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    if unit is not None:
        places = UNIT_PLACES.get(str(unit), 3)
    value = value.quantize(Decimal(1).scaleb(-places)).normalize()
    if value == value.to_integral():
        return f"{value:,.0f}"
    text = f"{value:,f}"
    return text


def per_unit(unit) -> str:
    """"per g", "per lb" — but "each", never "per each"."""
    return "each" if str(unit) == "each" else f"per {unit}"


def format_money(value, currency: str | None = None) -> str:
    """Money rounded to cents for display (JSON keeps full precision)."""
    if value is None:
        return "—"
    value = Decimal(value).quantize(Decimal("0.01"))
    symbol = {"USD": "$", "CAD": "$", "AUD": "$", "EUR": "€", "GBP": "£"}.get(currency or _org_currency(), "")
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{abs(value):,.2f}" + ("" if symbol else f" {currency or _org_currency()}")


def format_unit_cost(value) -> str:
    """A unit cost for reading: cents from 1 up, up to four places below 1 without trailing zeros past the cents
    ($0.35, $0.025, $0.0117 — not $0.3500 beside $1.10); the sign and currency placed as format_money does."""
    if value is None:
        return "—"
    value = Decimal(value)
    places = Decimal("0.01") if abs(value) >= 1 else Decimal("0.0001")
    text = f"{abs(value.quantize(places)):,}"
    if places != Decimal("0.01"):
        text = text.rstrip("0")
        text += "0" * max(0, 2 - len(text.partition(".")[2]))
    currency = _org_currency()
    symbol = {"USD": "$", "CAD": "$", "AUD": "$", "EUR": "€", "GBP": "£"}.get(currency, "")
    sign = "-" if value.quantize(places) < 0 else ""
    return f"{sign}{symbol}{text}" + ("" if symbol else f" {currency}")


def _org_currency() -> str:
    """The organization's currency, looked up once per request (the money filter runs once per row)."""
    currency = g.get("_org_currency") if has_request_context() else None
    if currency is None:
        currency = getattr(find_current_org(), "currency", None) or "USD"
        if has_request_context():
            g._org_currency = currency
    return currency
