"""The control tower's read side: reorder engine, KPIs and series, stored alerts, CSV exports.

ledger      usage, usage cost, sales and returns, inventory value at a time (grouped SQL, exact)
reorder     reorder points from real usage (figures() pure; reorder_for_items(); list_reorder())
kpis        compute_kpis(), series()
alerts      conditions, stored alert rows, list_alerts(), dismiss_alert()
hooks       re-evaluates alerts for the items a transaction touched, just before it commits
exports     CSV of items, lots, events, batches, sales, suppliers, reorder
"""
from __future__ import annotations

from . import alerts, exports, hooks, kpis, ledger, reorder
from .alerts import dismiss_alert, list_alerts, sync_alerts
from .kpis import compute_kpis, series
from .reorder import figures, item_reorder_fields, list_reorder, reorder_for_items

hooks.register()

__all__ = ["alerts", "exports", "compute_kpis", "dismiss_alert", "figures", "hooks", "item_reorder_fields", "kpis", "ledger",
           "list_alerts", "list_reorder", "reorder", "reorder_for_items", "series", "sync_alerts"]
