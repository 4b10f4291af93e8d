"""Batch pages (routes.py and friends) and the batches JSON API (api.py)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("batches", __name__)
