"""Control tower: the KPI dashboard, reorder and alert pages, CSV exports (pages in routes.py, JSON in api.py)."""
from flask import Blueprint

bp = Blueprint("reports", __name__)
