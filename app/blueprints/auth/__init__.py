"""Sign-up, sign-in, password reset pages (routes.py) and API tokens (api.py)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("auth", __name__)
# The modules whose views register on bp (imported by app.blueprints.register_blueprints).
VIEW_MODULES = ("routes", "google")
