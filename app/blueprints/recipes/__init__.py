"""Recipe pages (routes.py, editor.py, planning.py) and the recipes JSON API (api.py)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("recipes", __name__)
# The modules whose views register on bp (imported by app.blueprints.register_blueprints).
VIEW_MODULES = ("routes", "editor", "planning")
