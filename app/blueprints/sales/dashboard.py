"""The sales widget on the dashboard: this month's revenue and margin, in one aggregate query."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import url_for

from ...services import commerce_views, dashboard
from ...services.authz import has_permission
from ...web import display_zone


def sales_widget(org, actor) -> dict:
    """Sales this month (in the viewer's time zone): count, net revenue, COGS, margin and margin %."""
    if not has_permission(actor, "sales.view"):
        return {}
    start, end = month_bounds(datetime.now(timezone.utc))
    stats = commerce_views.sales_between(org, actor, start, end)
    stats["month"] = start.astimezone(display_zone()).strftime("%B")
    stats["url"] = url_for("sales.sale_list", date_from=start.astimezone(display_zone()).date().isoformat())
    section = {"template": "sales/_dashboard.html", "stats": stats}
    return {"sections": [section], "alerts": []}


def month_bounds(now: datetime) -> tuple[datetime, datetime]:
    """The first instant of this month and of the next, in the viewer's zone, as UTC times."""
    local = now.astimezone(display_zone())
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


if sales_widget not in dashboard.PROVIDERS:
    dashboard.PROVIDERS.append(sales_widget)
