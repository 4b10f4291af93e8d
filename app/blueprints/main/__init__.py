"""The landing page, the dashboard (composed in dashboard.py) and personal settings."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("main", __name__)
