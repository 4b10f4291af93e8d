"""Global ingredient library pages."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("library", __name__)
