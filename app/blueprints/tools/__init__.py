"""Craft tools: public soap, candle and lotion calculators (pages in routes.py, JSON in api.py)."""
from __future__ import annotations

from flask import Blueprint, current_app

from ..decorators import PERMISSION_ATTR

bp = Blueprint("tools", __name__)

# Public calculators are rate limited per client address, like the other public forms.
DEFAULT_RATE_LIMIT = "120 per minute"


def tools_rate_limit() -> str:
    """The calculators' rate limit (per client address), from the config."""
    return current_app.config.get("CRAFT_TOOLS_RATE_LIMIT", DEFAULT_RATE_LIMIT)


def public(view):
    """Declare a route public for scripts/audit_route_permissions.py (no tenant data, no token)."""
    setattr(view, PERMISSION_ATTR, "(public)")
    return view
