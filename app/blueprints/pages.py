"""Small helpers shared by page routes: paging arguments, error statuses, safe redirects, unit choices."""
from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from flask import abort, request, url_for
from wtforms.fields.choices import SelectChoice

from ..services.tenancy import MAX_ID, parse_id
from .forms_support import error_status  # noqa: F401  (pages import it from here too)

MAX_PAGE = 100_000
# Route ids beyond a 32-bit integer cannot exist: `<int(max=...)>` makes such URLs a 404 instead of a
# database overflow error.
ID = f"int(max={MAX_ID})"


def page_arg(name: str = "page") -> int:
    """The 1-based page number from the query string; junk and out-of-range values become 1."""
    value = request.args.get(name, 1, type=int)
    return value if 1 <= value <= MAX_PAGE else 1



def id_arg(name: str) -> int | None:
    """A row id from the query string (a list filter such as ?recipe_id=); None when absent, blank or not a
    number (ignored like the page's other unreadable filters).

    A number outside 1..2147483647 is a 400 naming the argument: an id the database cannot hold names no
    row, and passing it on would overflow the database driver.
    """
    raw = (request.args.get(name) or "").strip()
    if not raw or not raw.isascii() or not raw.isdigit():
        return None
    value = parse_id(raw)  # the one id parser (services.tenancy)
    if value is None:
        abort(400, description=f"{name}: must be a whole number from 1 to {MAX_ID:,}.")
    return value


def text_arg(name: str, max_length: int = 120) -> str:
    """A trimmed query-string text (search box, filter) without NUL characters, at most `max_length` long."""
    return (request.args.get(name) or "").replace("\x00", "").strip()[:max_length]


def safe_next(target: str | None, fallback: str | None = None) -> str:
    """The one redirect-target check (login `?next=`, forms' `next`): only same-site paths survive.

    The target is judged the way a browser would read it: percent-decoded (repeatedly, against double
    encoding), with control characters (tab, newline, …) dropped and backslashes read as slashes. It
    must then be a path (one leading slash, no scheme, no host); otherwise, or when the raw value itself
    holds control characters or backslashes, the answer is `fallback` (default: the dashboard).
    """
    fallback = fallback or url_for("main.dashboard")
    if not isinstance(target, str) or not target or len(target) > 2000:
        return fallback
    if _UNSAFE_CHARS.search(target):
        return fallback
    decoded = target
    for _ in range(5):
        once = unquote(decoded)
        if once == decoded:
            break
        decoded = once
    decoded = _UNSAFE_CHARS.sub(lambda m: "/" if m.group() == "\\" else "", decoded)
    if not decoded.startswith("/") or decoded.startswith("//"):
        return fallback
    parts = urlsplit(decoded)
    if parts.scheme or parts.netloc:
        return fallback
    return target


# C0 controls, DEL, C1 controls and the backslash (browsers read "\\" as "/").
_UNSAFE_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\\]")


def choices(pairs, *, optgroup: str | None = None) -> list[SelectChoice]:
    """(value, label) pairs as <select> choices."""
    return [SelectChoice(str(value), label, optgroup=optgroup) for value, label in pairs]


def unit_choices(units, *, extra: list[str] | None = None, blank: str | None = None,
                 extra_group: str = "This item") -> list[SelectChoice]:
    """<select> choices grouped by dimension (optgroups) from services.units.list_units()."""
    result = [SelectChoice("", blank)] if blank is not None else []
    result += [SelectChoice(name, name, optgroup=extra_group) for name in extra or []]
    for unit in units:
        # "teaspoon (US)" reads "tsp (teaspoon, US)", not "tsp (teaspoon (US))"
        long_name = (unit.label or "").replace(" (", ", ").removesuffix(")") if "(" in (unit.label or "") else unit.label
        label = unit.name if not unit.label or unit.label == unit.name else f"{unit.name} ({long_name})"
        dimension = unit.dimension.capitalize() + (" — your units" if unit.is_custom else "")
        result.append(SelectChoice(unit.name, label, optgroup=dimension))
    return result
