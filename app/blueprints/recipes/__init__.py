"""Recipe pages (routes.py, editor.py, planning.py) and the recipes JSON API (api.py)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("recipes", __name__)
