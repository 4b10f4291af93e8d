"""Pricing, the billing page, Stripe Checkout/portal redirects (routes.py) and the Stripe webhook (api.py)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("billing", __name__)
