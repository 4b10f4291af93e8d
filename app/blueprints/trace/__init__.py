"""Traceability pages: lot search, the lot page with its forward and backward trace, recalls (routes.py);
the traceability JSON API (api.py)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("trace", __name__)
