"""Sign-up, sign-in, password reset pages (routes.py) and API tokens (api.py)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("auth", __name__)
