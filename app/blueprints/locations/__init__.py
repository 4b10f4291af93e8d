"""Locations and transfers between them (pages and JSON)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("locations", __name__)
