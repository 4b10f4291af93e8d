"""Pricing, the billing page, Stripe Checkout/portal redirects (routes.py) and the Stripe webhook (api.py)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("billing", __name__)
# The modules whose views register on bp (imported by app.blueprints.register_blueprints).
VIEW_MODULES = ("routes", "api")
