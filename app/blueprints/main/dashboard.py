"""The dashboard, composed here in a fixed order: the organization's plan and members, then inventory,
production and sales. Each part calls its domain's query functions and is shown only to roles that may
see that domain; alerts come first on the page, then the parts' sections."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import url_for

from ...formatting import display_zone
from ...models.types import utcnow
from ...services import batches, control_tower, dashboard, sales
from ...services.authz import has_permission
from ...services.inventory import queries as inventory_queries
from ..reports.dashboard import control_tower_part


def compose(org, actor) -> dict:
    """Members and plan, alerts (each shown once) and the sections of the domains the actor may see."""
    summary = dashboard.summarize(org, actor)
    now = utcnow()
    alerts: list[dict] = []
    sections: list[dict] = []
    tower = control_tower_part(org, actor, now)
    for part in (inventory_part(org, actor, now, below=tower.get("below")), tower, production_part(org, actor, now),
                 sales_part(org, actor, now)):
        alerts.extend(alert for alert in part.get("alerts", []) if alert not in alerts)
        sections.extend(part.get("sections", []))
    # A new organization sees what to do first instead of a wall of zeros, ticked off step by step until its
    # first batch (an inventory-less role has nothing to start with, so it is not shown the steps).
    if not any(section["template"] == "inventory/_dashboard.html" for section in sections):
        summary["first_steps"] = None
    summary.update(alerts=alerts, sections=sections)
    return summary


def inventory_part(org, actor, now: datetime, *, below: int | None = None) -> dict:
    """Items, value, low stock and expiry counts, plus alerts for expired/expiring lots and low stock.

    Low stock is the Reorder page's count (`below` when the control-tower part has counted it already), so
    the tile, the alert, the "to reorder" link and the page it opens agree: computed reorder points count, and
    stock on order or in transit lifts an item off the list."""
    if not has_permission(actor, "inventory.view"):
        return {}
    stats = inventory_queries.inventory_stats(org, actor, now, org.expiring_soon_days)
    stats["low_stock"] = below if below is not None else control_tower.reorder.count_below(org, actor, now=now)
    alerts = []
    if stats["expired"]:
        alerts.append({"level": "bad", "url": url_for("inventory.expiring_list") + "#expired",
                       "text": _count(stats["expired"], "expired lot") + " still in stock — dispose of them."})
    if stats["expiring"]:
        alerts.append({"level": "warn", "url": url_for("inventory.expiring_list"),
                       "text": _count(stats["expiring"], "lot") + f" expiring within {stats['days']} days."})
    if stats["low_stock"]:
        alerts.append({"level": "warn", "url": url_for("reports.reorder_page"),
                       "text": _count(stats["low_stock"], "item") + " below the reorder point."})
    return {"sections": [{"template": "inventory/_dashboard.html", "stats": stats}], "alerts": alerts}


def production_part(org, actor, now: datetime) -> dict:
    """Batches in progress (an alert for those older than 3 days) and running timers."""
    if not has_permission(actor, "batches.view"):
        return {}
    summary = batches.production_summary(org, actor, now)
    timers = batches.running_timers(org, actor)
    alerts = []
    if summary["stuck"]:
        count = summary["stuck"]
        alerts.append({"level": "warn", "url": url_for("batches.batch_list", status="in_progress"),
                       "text": f"{count} batch{'' if count == 1 else 'es'} in progress for more than {summary['stuck_days']} days "
                               f"(stuck) — finish, fail or cancel {'it' if count == 1 else 'them'}."})
    sections = []
    if summary["in_progress_total"] or timers:
        sections.append({"template": "batches/_dashboard.html", "summary": summary, "timers": timers, "now": now})
    return {"alerts": alerts, "sections": sections}


def sales_part(org, actor, now: datetime) -> dict:
    """Sales this month (in the viewer's time zone): count, net revenue, COGS, margin and margin %."""
    if not has_permission(actor, "sales.view"):
        return {}
    start, end = month_bounds(now)
    stats = sales.sales_between(org, actor, start, end)
    stats["month"] = start.astimezone(display_zone()).strftime("%B")
    stats["url"] = url_for("sales.sale_list", date_from=start.astimezone(display_zone()).date().isoformat())
    return {"sections": [{"template": "sales/_dashboard.html", "stats": stats}], "alerts": []}


def month_bounds(now: datetime) -> tuple[datetime, datetime]:
    """The first instant of this month and of the next, in the viewer's zone, as UTC times."""
    local = now.astimezone(display_zone())
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
