"""Inventory pages (routes.py and friends) and the inventory JSON API (api.py)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("inventory", __name__)
