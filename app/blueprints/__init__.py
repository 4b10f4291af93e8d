"""Blueprint registration: pages, then the JSON API (flask-smorest) under /api/v1."""
from __future__ import annotations

from importlib import import_module

from flask import Flask

from ..extensions import csrf

# Page blueprints: app.blueprints.<name> defines `bp` in its __init__; its VIEW_MODULES (default: routes)
# register their views on it.
PAGE_BLUEPRINTS = ["auth", "main", "organization", "billing", "developer", "inventory", "suppliers", "units", "library",
                   "recipes", "batches", "products", "sales", "trace", "public"]
# API blueprints: app.blueprints.<name>.api defines `blp` (a flask_smorest.Blueprint).
API_BLUEPRINTS = ["auth", "organization", "inventory", "units", "recipes", "batches", "products", "sales",
                  "trace"]
# Craft tools: the public calculators (pages and JSON) and the public library API.
PAGE_BLUEPRINTS += ["tools"]
API_BLUEPRINTS += ["library", "tools"]
# Control tower: KPI dashboard, reorder, alerts and CSV exports (pages and JSON).
PAGE_BLUEPRINTS += ["reports"]
API_BLUEPRINTS += ["reports"]
# Purchasing: suppliers API, purchase orders (pages and JSON).
PAGE_BLUEPRINTS += ["purchasing"]
API_BLUEPRINTS += ["suppliers", "purchasing"]

# Locations and transfers between them (pages and JSON).
PAGE_BLUEPRINTS += ["locations"]
API_BLUEPRINTS += ["locations"]

# Integrations: connected shops (Shopify webhooks → sales) and the AI recipe assistant (pages and JSON).
PAGE_BLUEPRINTS += ["integrations"]
API_BLUEPRINTS += ["integrations"]

# CSV import of items, stock and sales (the import page and JSON).
PAGE_BLUEPRINTS += ["imports"]
API_BLUEPRINTS += ["imports"]

# Background jobs: recent jobs, a job's progress, error and Retry, its file (pages).
PAGE_BLUEPRINTS += ["jobs"]

# Notifications: a member's e-mail choices (digest, alert e-mails) and the organization's digest frequency.
PAGE_BLUEPRINTS += ["notifications"]

# Scanning with the phone's camera: the Scan page and the lookup behind the scan buttons.
PAGE_BLUEPRINTS += ["scan"]


def register_blueprints(app: Flask) -> None:
    """Register every page blueprint, then the JSON API blueprints (CSRF-exempt: Bearer tokens)."""
    from .api_v1 import init_api

    for name in PAGE_BLUEPRINTS:
        package = import_module(f"{__name__}.{name}")
        for module in getattr(package, "VIEW_MODULES", ("routes",)):
            import_module(f"{__name__}.{name}.{module}")
        app.register_blueprint(package.bp)
    api = init_api(app)
    for name in API_BLUEPRINTS:
        blp = import_module(f"{__name__}.{name}.api").blp
        csrf.exempt(blp)  # Bearer tokens, no cookies: CSRF does not apply
        api.register_blueprint(blp)
