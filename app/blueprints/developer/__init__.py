"""Developer console: platform developers only; everyone else gets 404 on every /developer URL."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("developer", __name__, url_prefix="/developer")
