"""KPIs and their daily series (API.md, Control tower → KPIs), computed from the ledger and the lots in a
fixed number of queries."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from ...models.types import utcnow
from .. import org_settings
from ..authz import authorize
from ..errors import ValidationFailed
from ..timezones import org_today
from . import ledger
from .reorder import active_item_rows_with_inputs, reorder_for_items

PERIODS = (7, 30, 90, 365)
MAX_DAYS = 3660
METRICS = ("inventory_value", "revenue", "cogs", "usage_cost")
ZERO = Decimal(0)


def check_days(days) -> int:
    """A period in days: a whole number from 1 to 3660 (the pages offer 7, 30, 90 and 365)."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ValidationFailed(f"The period is a whole number of days from 1 to {MAX_DAYS}.",
                               fields={"days": f"A whole number from 1 to {MAX_DAYS}."})
    return days


def stock_values(org, now: datetime, lot_rows=None) -> tuple[Decimal, Decimal, Decimal]:
    """(inventory value, expiring value, expired value) of the lots holding stock, all statuses (`lot_rows`:
    ledger.open_lot_rows() when the caller has read them already)."""
    today = org_today(org, now)
    soon = today + timedelta(days=org_settings.get_settings(org)["expiring_days"])
    total = expiring = expired = ZERO
    for _item_id, remaining, cost, expires_on in (ledger.open_lot_rows(org) if lot_rows is None else lot_rows):
        value = remaining * cost
        total += value
        if expires_on is not None and expires_on < today:
            expired += value
        elif expires_on is not None and expires_on <= soon:
            expiring += value
    return total, expiring, expired


def compute_kpis(org, actor, days: int = 30, *, now: datetime | None = None, lot_rows=None) -> dict:
    """Every KPI of API.md for the last `days` days (Decimals; None where API.md says null): the lots, the
    ledger totals (one query), the items with their reorder figures (two)."""
    authorize(actor, org, "reports.view")
    days = check_days(days)
    now = now or utcnow()
    since = now - timedelta(days=days)
    value, expiring, expired = stock_values(org, now, lot_rows)
    totals = ledger.scalars(ledger.sales_revenue_stmt(org, since), ledger.sales_cogs_stmt(org, since),
                            ledger.returns_revenue_stmt(org, since), ledger.returns_cost_stmt(org, since),
                            ledger.usage_cost_stmt(org, since), ledger.value_at_stmt(org, since))
    sold_revenue, sold_cogs, returned_revenue, returned_cost, used, value_then = (t or ZERO for t in totals)
    revenue = sold_revenue - returned_revenue
    cogs = sold_cogs - returned_cost
    margin = revenue - cogs
    usage = -used
    average_value = (value_then + value) / 2
    items, inputs = active_item_rows_with_inputs(org, now=now)
    reorder = reorder_for_items(org, items, now=now, inputs=inputs)
    # "usage in the window": the usage definition's window (the org's window_days), as the reorder engine uses
    stockouts = sum(1 for figures in reorder.values() if figures.usage > 0 and figures.available <= 0)
    return {
        "days": days, "inventory_value": value, "expiring_value": expiring, "expired_value": expired,
        "revenue": revenue, "cogs": cogs, "gross_margin": margin,
        "gross_margin_pct": margin / revenue * 100 if revenue != 0 else None,
        "usage_cost": usage,
        "weeks_of_supply": value / (usage / days * 7) if usage > 0 else None,
        "inventory_turnover": cogs / average_value if average_value != 0 else None,
        "stockouts": stockouts,
        "below_reorder": sum(1 for figures in reorder.values() if figures.below),
    }


def series(org, actor, metric: str, days: int = 30, *, now: datetime | None = None) -> list[tuple[date, Decimal]]:
    """One point per UTC day, oldest first, the last being today: the inventory value at the end of each day
    (the last point is the value now), or the day's revenue, COGS or usage cost."""
    authorize(actor, org, "reports.view")
    if metric not in METRICS:
        raise ValidationFailed(f"Unknown metric; one of {', '.join(METRICS)}.",
                               fields={"metric": f"One of {', '.join(METRICS)}."})
    return all_series(org, [metric], check_days(days), now=now)[metric]


def all_series(org, metrics, days: int, *, now: datetime | None = None, lot_rows=None) -> dict:
    """series() of several metrics (the caller has authorized and checked them): every metric's days in one
    query, plus the lots for the last inventory value (`lot_rows` when already read)."""
    now = now or utcnow()
    today = now.astimezone(timezone.utc).date()
    first = today - timedelta(days=days - 1)
    start = datetime.combine(first, time(0), tzinfo=timezone.utc)
    dates = [first + timedelta(days=n) for n in range(days)]
    opening = start - timedelta(microseconds=1) if "inventory_value" in metrics else None
    per_day = ledger.by_day(org, start, metrics, value_before=opening)
    result = {}
    for metric in metrics:
        if metric == "inventory_value":
            running = per_day["value_before"]
            points = []
            for day in dates:
                running += per_day[metric].get(day, ZERO)
                points.append((day, running))
            points[-1] = (today, stock_values(org, now, lot_rows)[0])  # the value now, from the lots themselves
            result[metric] = points
        else:
            result[metric] = [(day, per_day[metric].get(day, ZERO)) for day in dates]
    return result


def weekly(points: list[tuple[date, Decimal]]) -> list[tuple[date, Decimal]]:
    """Daily points summed per week (each week labelled by its first day in the series)."""
    weeks: list[tuple[date, Decimal]] = []
    for index, (day, value) in enumerate(points):
        if index % 7 == 0:
            weeks.append((day, value))
        else:
            weeks[-1] = (weeks[-1][0], weeks[-1][1] + value)
    return weeks


def dashboard(org, actor, days: int = 30, *, now: datetime | None = None, top: int = 8) -> dict:
    """Everything the KPI dashboard page draws: the KPIs, the daily series, top items by value and by usage
    cost, and the value of stock expiring per week over the next eight weeks (a fixed number of queries)."""
    from ...extensions import db
    from ...models import InventoryItem
    from .. import tenancy

    now = now or utcnow()
    lot_rows = ledger.open_lot_rows(org)  # read once: the KPIs, the last inventory value and the tops use them
    result = {"kpis": compute_kpis(org, actor, days, now=now, lot_rows=lot_rows)}
    result.update(all_series(org, METRICS, check_days(days), now=now, lot_rows=lot_rows))
    names = dict(db.session.execute(tenancy.scoped(InventoryItem, org, InventoryItem.id, InventoryItem.name)).all())
    values: dict[int, Decimal] = {}
    today = org_today(org, now)
    weeks = [ZERO] * 8
    for item_id, remaining, cost, expires_on in lot_rows:
        values[item_id] = values.get(item_id, ZERO) + remaining * cost
        if expires_on is not None and today <= expires_on < today + timedelta(weeks=8):
            weeks[(expires_on - today).days // 7] += remaining * cost
    result["top_value"] = sorted(((names.get(i, "?"), v) for i, v in values.items() if v > 0),
                                 key=lambda row: (-row[1], row[0]))[:top]
    usage = ledger.usage_cost_by_item(org, now - timedelta(days=check_days(days)))
    result["top_usage"] = sorted(((names.get(i, "?"), v) for i, v in usage.items() if v > 0),
                                 key=lambda row: (-row[1], row[0]))[:top]
    result["expiring_weeks"] = [(today + timedelta(weeks=n), value) for n, value in enumerate(weeks)]
    return result
