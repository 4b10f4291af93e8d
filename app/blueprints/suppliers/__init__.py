"""Supplier pages."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("suppliers", __name__)
