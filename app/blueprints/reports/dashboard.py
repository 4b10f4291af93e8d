"""The control-tower part of the dashboard: open alerts and the items to reorder (links to their pages)."""
from __future__ import annotations

from ...services import control_tower
from ...services.authz import has_permission

PANEL_ALERTS = 6


def control_tower_part(org, actor, now=None) -> dict:
    """Open alerts (most severe first) and how many items are at or below their reorder point — dismissed
    alerts included in that count, as the Reorder page still lists those items."""
    if not has_permission(actor, "reports.view"):
        return {}
    views = control_tower.list_alerts(org, actor, now=now, include_dismissed=True)
    below = sum(1 for view in views if view.alert.type == "below_reorder")
    views = [view for view in views if view.alert.dismissed_at is None]
    return {"sections": [{"template": "reports/_dashboard.html", "alerts": views[:PANEL_ALERTS],
                          "alert_count": len(views), "below": below}], "alerts": [], "below": below}
