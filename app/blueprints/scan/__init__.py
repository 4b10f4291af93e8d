"""The Scan page: the phone's camera (or a typed code) opens the lot, SKU or item a code names (routes.py)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("scan", __name__)
