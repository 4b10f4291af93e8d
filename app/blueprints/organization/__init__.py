"""Organization administration: team, invitations, roles, settings (pages in routes.py, JSON in api.py)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("organization", __name__)
