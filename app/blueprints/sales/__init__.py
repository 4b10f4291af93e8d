"""Sales pages (routes.py) and the sales, returns, reservations and products JSON API (api.py)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("sales", __name__)
# The modules whose views register on bp (imported by app.blueprints.register_blueprints).
VIEW_MODULES = ("routes", "imports", "reservations")
