"""Main navigation: a link appears only when its page exists and the user may open it."""
from __future__ import annotations

from flask import current_app, request, url_for

# (label, endpoint, permission): a tuple of permissions shows the link to a user holding any of them.
NAV = [
    ("Dashboard", "main.dashboard", None),
    ("Scan", "scan.scan_page", "inventory.view"),
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
    ("Import", "imports.import_page", ("inventory.import", "sales.import")),
    ("Library", "library.library_list", "library.view"),
    ("Calculators", "tools.tools_index", None),
    ("Reports", "reports.report_dashboard", "reports.view"),
    ("Alerts", "reports.alert_list", "reports.view"),
    ("Team", "organization.user_list", "organization.manage_users"),
    ("Billing", "billing.billing_page", "billing.view"),
]
# Menu entries a plan or the operator can switch off: endpoint → feature flag.
NAV_FEATURES = {"scan.scan_page": "barcode_qr"}


def _allowed(can, permission) -> bool:
    if permission is None:
        return True
    return any(can(name) for name in ((permission,) if isinstance(permission, str) else permission))


def navigation(can, feature_on=lambda name: True) -> list[dict]:
    """The links this user may follow (and their plan includes). Their URLs depend only on which links they
    are and the script root, so they are built once per combination, not on every page view."""
    endpoints = current_app.view_functions
    shown = tuple(index for index, (_, endpoint, permission) in enumerate(NAV)
                  if endpoint in endpoints and _allowed(can, permission)
                  and (endpoint not in NAV_FEATURES or feature_on(NAV_FEATURES[endpoint])))
    built = current_app.extensions.setdefault("batchtrack_navigation", {})
    key = (request.script_root, shown)
    items = built.get(key)
    if items is None:
        if len(built) > 256:  # a handful of role shapes in practice; never grow without bound
            built.clear()
        items = built[key] = [{"label": NAV[index][0], "url": url_for(NAV[index][1]), "endpoint": NAV[index][1]}
                              for index in shown]
    current = current_endpoint(items, request.endpoint)
    return [dict(item, current=item["endpoint"] == current) for item in items]


# Blueprints with several menu entries: their other pages belong to this entry. The "main" blueprint has
# none (Settings is not the Dashboard), so only its exact pages are highlighted.
SECTION_HOME = {"inventory": "inventory.item_list", "reports": "reports.report_dashboard", "main": None}

# The two things used most at the bench, kept one tap away on a phone: (label, endpoint, permission).
QUICK = [
    # the inventory list in "pick an item to adjust" mode: each item opens at its adjust form
    ("Adjust stock", "inventory.item_list", "inventory.adjust", {"pick": "adjust"}),
    ("Start a batch", "batches.batch_new", "batches.start", {}),
    ("Sell", "sales.sale_new", "products.sell", {}),  # at a market stall: record a sale in one tap from any page
]


def current_endpoint(items: list[dict], endpoint: str | None) -> str | None:
    """The endpoint of the one menu entry for the page being viewed: the page itself when it is in the
    menu, otherwise its section's entry (item detail → Inventory), otherwise none."""
    if not endpoint:
        return None
    endpoints = [item["endpoint"] for item in items]
    if endpoint in endpoints:
        return endpoint
    blueprint = endpoint.split(".")[0]
    if blueprint in SECTION_HOME:
        home = SECTION_HOME[blueprint]
        return home if home in endpoints else None
    same = [e for e in endpoints if e.split(".")[0] == blueprint]
    return same[0] if same else None


def quick_links(can) -> list[dict]:
    """Shortcuts shown beside the menu toggle on a phone."""
    endpoints = current_app.view_functions
    shown = tuple(index for index, (_, endpoint, permission, _) in enumerate(QUICK)
                  if endpoint in endpoints and can(permission))
    built = current_app.extensions.setdefault("batchtrack_navigation", {})
    key = (request.script_root, "quick", shown)  # built once per combination, like the menu
    links = built.get(key)
    if links is None:
        links = built[key] = [{"label": QUICK[index][0], "url": url_for(QUICK[index][1], **QUICK[index][3])}
                              for index in shown]
    return [dict(link) for link in links]
