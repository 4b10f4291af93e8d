"""Main navigation: a link appears only when its page exists and the user may open it."""
from __future__ import annotations

from flask import current_app, request, url_for

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
    ("Locations", "locations.location_list", "inventory.view"),
    ("Units", "units.unit_manager", "inventory.view"),
    ("Library", "library.library_list", "library.view"),
    ("Calculators", "tools.tools_index", None),
    ("Reports", "reports.report_dashboard", "reports.view"),
    ("Alerts", "reports.alert_list", "reports.view"),
    ("Team", "organization.user_list", "organization.manage_users"),
    ("Billing", "billing.billing_page", "billing.view"),
]


def navigation(can) -> list[dict]:
    """The links this user may follow. Their URLs depend only on which links they are and the script
    root, so they are built once per combination, not on every page view."""
    endpoints = current_app.view_functions
    shown = tuple(index for index, (_, endpoint, permission) in enumerate(NAV)
                  if endpoint in endpoints and (permission is None or can(permission)))
    built = current_app.extensions.setdefault("batchtrack_navigation", {})
    key = (request.script_root, shown)
    items = built.get(key)
    if items is None:
        if len(built) > 256:  # a handful of role shapes in practice; never grow without bound
            built.clear()
        items = built[key] = [{"label": NAV[index][0], "url": url_for(NAV[index][1]), "endpoint": NAV[index][1]}
                              for index in shown]
    return [dict(item) for item in items]
