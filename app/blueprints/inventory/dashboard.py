"""The inventory widget on the dashboard: stock numbers and alerts, in a fixed number of queries."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import url_for

from ...services import dashboard, inventory_views
from ...services.authz import has_permission


def inventory_widget(org, actor) -> dict:
    """Items, value, low stock and expiry counts, plus alerts for expired/expiring lots and low stock."""
    if not has_permission(actor, "inventory.view"):
        return {}
    stats = inventory_views.inventory_stats(org, datetime.now(timezone.utc), org.expiring_soon_days)
    alerts = []
    if stats["expired"]:
        alerts.append({"level": "bad", "url": url_for("inventory.expiring_list") + "#expired",
                       "text": _count(stats["expired"], "expired lot") + " still in stock — dispose of them."})
    if stats["expiring"]:
        alerts.append({"level": "warn", "url": url_for("inventory.expiring_list"),
                       "text": _count(stats["expiring"], "lot") + f" expiring within {stats['days']} days."})
    if stats["low_stock"]:
        alerts.append({"level": "warn", "url": url_for("inventory.item_list", sort="quantity"),
                       "text": _count(stats["low_stock"], "item") + " below the reorder point."})
    return {"sections": [{"template": "inventory/_dashboard.html", "stats": stats}], "alerts": alerts}


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


if inventory_widget not in dashboard.PROVIDERS:
    dashboard.PROVIDERS.append(inventory_widget)
