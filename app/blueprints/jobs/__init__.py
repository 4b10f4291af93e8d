"""Background jobs pages: the organization's recent jobs, one job's progress, error, Retry and result file, and
starting a large export in the background (routes.py)."""
from flask import Blueprint

bp = Blueprint("jobs", __name__)
