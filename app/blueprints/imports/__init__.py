"""CSV import: the import page (routes.py: choose a kind, template, upload → validation report → confirm) and
the JSON API (api.py), both over app.services.imports."""
from flask import Blueprint

bp = Blueprint("imports", __name__)
# The modules whose views register on bp (imported by app.blueprints.register_blueprints).
VIEW_MODULES = ("routes",)
