"""Batch pages (routes.py and friends) and the batches JSON API (api.py)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("batches", __name__)
# The modules whose views register on bp (imported by app.blueprints.register_blueprints).
VIEW_MODULES = ("routes", "actions", "label")
