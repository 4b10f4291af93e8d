"""Organization administration: team, invitations, roles, settings (pages in routes.py, JSON in api.py)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("organization", __name__)
# The modules whose views register on bp (imported by app.blueprints.register_blueprints).
VIEW_MODULES = ("routes", "roles")
