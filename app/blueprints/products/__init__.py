"""Product pages: products, their variants and SKUs, and the lots each SKU holds (routes.py)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("products", __name__)
# The modules whose views register on bp (imported by app.blueprints.register_blueprints).
VIEW_MODULES = ("routes", "pricing", "sku_page")
