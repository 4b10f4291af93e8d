"""Reference data: the permission catalog, system roles and subscription tiers (seeded by the CLI)."""
from __future__ import annotations

# (name, description). Actions named `view` or `export` only read; every other action writes.
PERMISSIONS: list[tuple[str, str]] = [
    ("inventory.view", "See items, lots and the ledger"),
    ("inventory.edit", "Create, edit and archive items"),
    ("inventory.adjust", "Restock, deduct, recount and dispose of stock"),
    ("inventory.import", "Import items and stock from CSV"),
    ("inventory.export", "Export inventory and the ledger as CSV"),
    ("units.manage", "Add organization units, densities and item unit mappings"),
    ("suppliers.view", "See suppliers"),
    ("suppliers.manage", "Create and edit suppliers"),
    ("library.view", "Browse the global ingredient library"),
    ("recipes.view", "See recipes and their costs"),
    ("recipes.edit", "Create and edit recipes"),
    ("recipes.archive", "Archive recipes"),
    ("batches.view", "See batches"),
    ("batches.start", "Start batches (consumes stock)"),
    ("batches.finish", "Finish or fail batches"),
    ("batches.cancel", "Cancel batches (returns stock)"),
    ("products.view", "See products and SKUs"),
    ("products.edit", "Create and edit products and SKUs"),
    ("products.sell", "Record sales"),
    ("sales.view", "See sales and margins"),
    ("sales.return", "Record returns"),
    ("sales.import", "Import sales from CSV"),
    ("reservations.manage", "Hold and release stock for open orders"),
    ("traceability.view", "Trace lots forward and backward"),
    ("traceability.recall", "Recall lots and release holds"),
    ("reports.view", "See dashboards, alerts and reports"),
    ("reports.export", "Export reports as CSV"),
    ("organization.view", "See the organization and its members"),
    ("organization.manage_users", "Invite, deactivate and change the role of users"),
    ("organization.manage_roles", "Create custom roles"),
    ("organization.settings", "Change organization settings"),
    ("billing.view", "See the plan and invoices"),
    ("billing.manage", "Change the plan and payment method"),
    ("api.use", "Use the JSON API with personal tokens"),
]

READ_ACTIONS = {"view", "export"}
ALL = [name for name, _ in PERMISSIONS]


def is_write(permission: str) -> bool:
    """Is this permission a write (anything but `*.view`)?"""
    return permission.split(".", 1)[1] not in READ_ACTIONS


_VIEWS = [p for p in ALL if p.endswith(".view") and not p.startswith("billing.")]

SYSTEM_ROLES: list[dict] = [
    {"key": "owner", "name": "Owner", "owner": True,
     "description": "Everything the plan allows, including billing", "permissions": ALL},
    {"key": "manager", "name": "Manager",
     "description": "Runs the workshop and the team; no billing changes",
     "permissions": [p for p in ALL if p != "billing.manage"]},
    {"key": "maker", "name": "Maker",
     "description": "Day-to-day production: stock, recipes, batches and sales",
     "permissions": _VIEWS + [
         "inventory.edit", "inventory.adjust", "inventory.export", "units.manage", "suppliers.manage",
         "recipes.edit", "batches.start", "batches.finish", "batches.cancel", "products.edit",
         "products.sell", "sales.return", "reservations.manage", "reports.export", "api.use",
     ]},
    {"key": "viewer", "name": "Viewer", "description": "Read-only access",
     "permissions": _VIEWS + ["api.use"]},
]

_TEAM_ONLY = {"organization.manage_roles"}
_PAID_ONLY = {"inventory.import", "sales.import"}

FEATURE_FLAG_DEFAULTS_BY_TIER = {
    "free": {"recipe_variations": False, "csv_import": False, "custom_roles": False, "integrations": False},
    "solo": {"custom_roles": False, "integrations": False},
    "team": {},
    "enterprise": {},
}

TIERS: list[dict] = [
    {"key": "free", "name": "Free", "price_lookup_key": None, "monthly_price": "0", "user_limit": 1,
     "sort_order": 0, "description": "One maker, full inventory, recipes, batches and traceability",
     "permissions": [p for p in ALL if p not in _TEAM_ONLY | _PAID_ONLY]},
    {"key": "solo", "name": "Solo", "price_lookup_key": "batchtrack_solo_monthly", "monthly_price": "19",
     "user_limit": 2, "sort_order": 1, "description": "A maker and a helper, CSV imports, variations",
     "permissions": [p for p in ALL if p not in _TEAM_ONLY]},
    {"key": "team", "name": "Team", "price_lookup_key": "batchtrack_team_monthly", "monthly_price": "49",
     "user_limit": 10, "sort_order": 2, "description": "Up to 10 people with custom roles",
     "permissions": ALL},
    {"key": "enterprise", "name": "Enterprise", "price_lookup_key": "batchtrack_enterprise_monthly",
     "monthly_price": "149", "user_limit": None, "sort_order": 3,
     "description": "Unlimited users and every feature", "permissions": ALL},
]
