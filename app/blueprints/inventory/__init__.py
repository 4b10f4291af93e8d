"""Inventory pages (routes.py and friends) and the inventory JSON API (api.py)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("inventory", __name__)
# The modules whose views register on bp (imported by app.blueprints.register_blueprints).
VIEW_MODULES = ("routes", "expiring", "holds", "stock")
