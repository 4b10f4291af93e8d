"""The production widget on the dashboard: stuck batches alert, running timers, batches in progress."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import url_for

from ...services import batches, dashboard, production_views
from ...services.authz import has_permission


def production_widget(org, actor) -> dict:
    """Batches in progress (an alert for those older than 3 days) and running timers: four queries."""
    if not has_permission(actor, "batches.view"):
        return {}
    now = datetime.now(timezone.utc)
    summary = production_views.production_summary(org, actor, now)
    timers = batches.running_timers(org, actor)
    alerts = []
    if summary["stuck"]:
        count = summary["stuck"]
        alerts.append({"level": "warn", "url": url_for("batches.batch_list", status="in_progress"),
                       "text": f"{count} batch{'' if count == 1 else 'es'} in progress for more than 3 days "
                               f"(stuck) — finish, fail or cancel {'it' if count == 1 else 'them'}."})
    sections = []
    if summary["in_progress_total"] or timers:
        sections.append({"template": "batches/_dashboard.html", "summary": summary, "timers": timers, "now": now})
    return {"alerts": alerts, "sections": sections}


if production_widget not in dashboard.PROVIDERS:
    dashboard.PROVIDERS.append(production_widget)
