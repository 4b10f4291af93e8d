"""Integrations: the settings page for connected shops and the Shopify webhook (routes.py), the AI recipe
assistant page (assistant.py) and the JSON API (api.py)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("integrations", __name__)
# The modules whose views register on bp (imported by app.blueprints.register_blueprints).
VIEW_MODULES = ("routes", "assistant_pages")
