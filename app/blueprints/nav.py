"""Main navigation: a link appears only when its page exists and the user may open it."""
from __future__ import annotations

from flask import current_app, url_for

# (label, endpoint, permission)
NAV = [
    ("Dashboard", "main.dashboard", None),
    ("Inventory", "inventory.item_list", "inventory.view"),
    ("Recipes", "recipes.recipe_list", "recipes.view"),
    ("Batches", "batches.batch_list", "batches.view"),
    ("Products", "products.product_list", "products.view"),
    ("Sales", "sales.sale_list", "sales.view"),
    ("Trace", "trace.lot_search", "traceability.view"),
    ("Suppliers", "suppliers.supplier_list", "suppliers.view"),
    ("Orders", "purchasing.po_list", "suppliers.view"),
    ("Reorder", "reports.reorder_page", "inventory.view"),
    ("Expiring", "inventory.expiring_list", "inventory.view"),
    ("Units", "units.unit_manager", "inventory.view"),
    ("Library", "library.library_list", "library.view"),
    ("Calculators", "tools.tools_index", None),
    ("Reports", "reports.report_dashboard", "reports.view"),
    ("Alerts", "reports.alert_list", "reports.view"),
    ("Team", "organization.user_list", "organization.manage_users"),
    ("Billing", "billing.billing_page", "billing.view"),
]


def navigation(can) -> list[dict]:
    endpoints = current_app.view_functions
    items = []
    for label, endpoint, permission in NAV:
        if endpoint in endpoints and (permission is None or can(permission)):
            items.append({"label": label, "url": url_for(endpoint), "endpoint": endpoint})
    return items
