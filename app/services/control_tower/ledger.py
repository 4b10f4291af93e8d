"""Ledger figures the control tower is built on: usage, usage cost, sales and returns, value at a time.

"Usage" (API.md, Control tower) = Σ deduction events (use, sale, sample, tester, gift, batch) minus Σ
returned and batch_cancelled credits; a reversal of one of those events cancels it. Disposals are losses,
not usage. Every function here is one query (or a fixed few), grouped in SQL, exact on SQLite and PostgreSQL.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, String, cast, func, literal, null, or_, select, union_all

from ...extensions import db
from ...models import InventoryEvent, InventoryLot, Sale, SaleConsumption
from ...models.types import exact_product_sum
from .. import tenancy

USAGE_DEDUCTIONS = ("use", "sale", "sample", "tester", "gift", "batch")
USAGE_CREDITS = ("returned", "batch_cancelled")
USAGE_TYPES = USAGE_DEDUCTIONS + USAGE_CREDITS
REVERSAL = "reversal"
RETURNED = "returned"


def usage_clause(org):
    """Events that count as usage: the usage change types, and reversals of them."""
    reversed_usage = (tenancy.scoped(InventoryEvent, org, InventoryEvent.id)
                      .where(InventoryEvent.change_type.in_(USAGE_TYPES)).correlate(None))
    return or_(InventoryEvent.change_type.in_(USAGE_TYPES),
               (InventoryEvent.change_type == REVERSAL) & InventoryEvent.reverses_event_id.in_(reversed_usage))


def usage_by_item(org, since: datetime, item_ids=None) -> dict[int, Decimal]:
    """Net usage per item since `since`, in each item's unit (positive = consumed). Items without events are
    absent."""
    stmt = usage_select(org, since, item_ids)
    return {item_id: -(total or Decimal(0)) for item_id, total in db.session.execute(stmt)}


def usage_select(org, since: datetime, item_ids=None):
    """SELECT item_id, total: Σ usage event quantities per item since `since` (negative = consumed), for
    usage_by_item or, as a subquery, joined to the items a read loads."""
    stmt = (tenancy.scoped(InventoryEvent, org, InventoryEvent.item_id.label("item_id"),
                           func.sum(InventoryEvent.quantity).label("total"))
            .where(usage_clause(org), InventoryEvent.created_at >= since)
            .group_by(InventoryEvent.item_id))
    if item_ids is not None:
        stmt = stmt.where(InventoryEvent.item_id.in_(list(item_ids)))
    return stmt


def usage_cost(org, since: datetime) -> Decimal:
    """The cost of all usage since `since`, at each lot's unit cost."""
    return -(scalars(usage_cost_stmt(org, since))[0] or Decimal(0))


def value_at(org, moment: datetime) -> Decimal:
    """Inventory value at `moment` rebuilt from the ledger: Σ quantity × unit cost of the events until then
    (each event carries its lot's unit cost, so this is Σ remaining × cost as it stood)."""
    return scalars(value_at_stmt(org, moment))[0] or Decimal(0)


# The one-aggregate SELECTs behind the figures above; scalars() runs any of them together in one query.

def usage_cost_stmt(org, since: datetime):
    """Σ quantity × unit cost of usage events since `since` (negative = consumed)."""
    return (tenancy.scoped(InventoryEvent, org, exact_product_sum(InventoryEvent.quantity, InventoryEvent.unit_cost))
            .where(usage_clause(org), InventoryEvent.created_at >= since))


def sales_revenue_stmt(org, since: datetime):
    """Σ quantity × unit price of the sales dated since `since`."""
    return tenancy.scoped(Sale, org, exact_product_sum(Sale.quantity, Sale.unit_price)).where(Sale.created_at >= since)


def sales_cogs_stmt(org, since: datetime):
    """Σ consumed quantity × lot unit cost of the sales dated since `since`."""
    return (tenancy.scoped(SaleConsumption, org, exact_product_sum(SaleConsumption.quantity, SaleConsumption.unit_cost))
            .join(Sale, Sale.id == SaleConsumption.sale_id)
            .where(Sale.organization_id == _org_id(org), Sale.created_at >= since))


def _returns_stmt(org, *entities):
    return (tenancy.scoped(InventoryEvent, org, *entities)
            .join(Sale, Sale.id == InventoryEvent.sale_id)
            .where(Sale.organization_id == _org_id(org), InventoryEvent.change_type == RETURNED))


def returns_revenue_stmt(org, since: datetime):
    """Σ returned quantity × its sale's unit price, returns recorded since `since`."""
    return (_returns_stmt(org, exact_product_sum(InventoryEvent.quantity, Sale.unit_price))
            .where(InventoryEvent.created_at >= since))


def returns_cost_stmt(org, since: datetime):
    """Σ returned quantity × its lot's unit cost, returns recorded since `since`."""
    return (_returns_stmt(org, exact_product_sum(InventoryEvent.quantity, InventoryEvent.unit_cost))
            .where(InventoryEvent.created_at >= since))


def value_at_stmt(org, moment: datetime):
    """Σ quantity × unit cost of the events until `moment`."""
    return (tenancy.scoped(InventoryEvent, org, exact_product_sum(InventoryEvent.quantity, InventoryEvent.unit_cost))
            .where(InventoryEvent.created_at <= moment))


def scalars(*stmts) -> list:
    """The single values of several one-aggregate SELECTs, in one query (each a scalar subquery)."""
    return list(db.session.execute(select(*(stmt.scalar_subquery() for stmt in stmts))).one())


def open_lot_rows(org):
    """(item_id, remaining, unit_cost, expires_on) of every lot holding stock."""
    stmt = (tenancy.scoped(InventoryLot, org, InventoryLot.item_id, InventoryLot.remaining_quantity,
                           InventoryLot.unit_cost, InventoryLot.expires_on)
            .where(InventoryLot.remaining_quantity > 0))
    return db.session.execute(stmt).all()


# ---- per UTC day ---------------------------------------------------------------------------------------

def utc_day(column):
    """The UTC calendar date of a timestamp column, in SQL (SQLite stores naive UTC; PostgreSQL converts)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _day_parts(org, since: datetime) -> dict[str, list[tuple[object, int]]]:
    """Per metric, its (SELECT day, total GROUP BY day, sign) parts: inventory_value is the change in value."""
    event_day, sale_day = utc_day(InventoryEvent.created_at), utc_day(Sale.created_at)
    event_value = exact_product_sum(InventoryEvent.quantity, InventoryEvent.unit_cost)
    changes = (tenancy.scoped(InventoryEvent, org, event_day, event_value)
               .where(InventoryEvent.created_at >= since).group_by(event_day))
    usage = (tenancy.scoped(InventoryEvent, org, event_day, event_value)
             .where(usage_clause(org), InventoryEvent.created_at >= since).group_by(event_day))
    sold = (tenancy.scoped(Sale, org, sale_day, exact_product_sum(Sale.quantity, Sale.unit_price))
            .where(Sale.created_at >= since).group_by(sale_day))
    returned = (_returns_stmt(org, event_day, exact_product_sum(InventoryEvent.quantity, Sale.unit_price))
                .where(InventoryEvent.created_at >= since).group_by(event_day))
    sold_cost = (tenancy.scoped(SaleConsumption, org, sale_day,
                                exact_product_sum(SaleConsumption.quantity, SaleConsumption.unit_cost))
                 .join(Sale, Sale.id == SaleConsumption.sale_id)
                 .where(Sale.organization_id == _org_id(org), Sale.created_at >= since).group_by(sale_day))
    returned_cost = (_returns_stmt(org, event_day, event_value)
                     .where(InventoryEvent.created_at >= since).group_by(event_day))
    return {"inventory_value": [(changes, 1)], "usage_cost": [(usage, -1)], "revenue": [(sold, 1), (returned, -1)],
            "cogs": [(sold_cost, 1), (returned_cost, -1)]}


def by_day(org, since: datetime, metrics, *, value_before: datetime | None = None) -> dict:
    """{metric: {UTC day: figure}} for these metrics (inventory_value, usage_cost, revenue, cogs) since `since`,
    all in one query (UNION ALL of each metric's grouped parts). With `value_before`, the result's
    "value_before" is value_at(value_before), read in the same query."""
    parts = _day_parts(org, since)
    selects, signs = [], {}
    for metric in metrics:
        for index, (stmt, sign) in enumerate(parts[metric]):
            tag = f"{metric}:{index}"
            signs[tag] = (metric, sign)
            day, total = stmt.selected_columns
            selects.append(stmt.with_only_columns(literal(tag, String).label("part"), day.label("day"),
                                                  total.label("total")))
    if value_before is not None:
        total = value_at_stmt(org, value_before).selected_columns[0]
        selects.append(value_at_stmt(org, value_before).with_only_columns(
            literal("value_before", String).label("part"), null().label("day"), total.label("total")))
    result: dict = {metric: {} for metric in metrics}
    if value_before is not None:
        result["value_before"] = Decimal(0)
    if not selects:
        return result
    for part, day, total in db.session.execute(union_all(*selects) if len(selects) > 1 else selects[0]):
        if part == "value_before":
            result["value_before"] = total or Decimal(0)
            continue
        if day is None:
            continue
        metric, sign = signs[part]
        key = _as_date(day)
        result[metric][key] = result[metric].get(key, Decimal(0)) + sign * (total or Decimal(0))
    return result


def _org_id(org) -> int:
    return org if isinstance(org, int) else org.id


def usage_cost_by_item(org, since: datetime) -> dict[int, Decimal]:
    """The cost of each item's usage since `since` (positive = consumed)."""
    stmt = (tenancy.scoped(InventoryEvent, org, InventoryEvent.item_id,
                           exact_product_sum(InventoryEvent.quantity, InventoryEvent.unit_cost))
            .where(usage_clause(org), InventoryEvent.created_at >= since).group_by(InventoryEvent.item_id))
    return {item_id: -(total or Decimal(0)) for item_id, total in db.session.execute(stmt)}
