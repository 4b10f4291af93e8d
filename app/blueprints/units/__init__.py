"""Unit manager pages (the JSON endpoints live in api.py)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("units", __name__)
