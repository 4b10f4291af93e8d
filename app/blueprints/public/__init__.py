"""Public pages anyone may open without signing in: a lot's page behind the QR code on its label."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("public", __name__)
