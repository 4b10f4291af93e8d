"""Ledger figures the control tower is built on: usage, usage cost, sales and returns, value at a time.

"Usage" (API.md, Control tower) = Σ deduction events (use, sale, sample, tester, gift, batch) minus Σ
returned and batch_cancelled credits; a reversal of one of those events cancels it. Disposals are losses,
not usage. Every function here is one query (or a fixed few), grouped in SQL, exact on SQLite and PostgreSQL.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, cast, func, or_

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
    stmt = (tenancy.scoped(InventoryEvent, org, exact_product_sum(InventoryEvent.quantity, InventoryEvent.unit_cost))
            .where(usage_clause(org), InventoryEvent.created_at >= since))
    return -(db.session.scalar(stmt) or Decimal(0))


def sales_totals(org, since: datetime) -> tuple[Decimal, Decimal]:
    """(revenue, cogs) of the sales dated since `since`, before returns: Σ quantity × unit price and
    Σ consumed quantity × lot unit cost."""
    revenue = db.session.scalar(
        tenancy.scoped(Sale, org, exact_product_sum(Sale.quantity, Sale.unit_price)).where(Sale.created_at >= since))
    cogs = db.session.scalar(
        tenancy.scoped(SaleConsumption, org, exact_product_sum(SaleConsumption.quantity, SaleConsumption.unit_cost))
        .join(Sale, Sale.id == SaleConsumption.sale_id)
        .where(Sale.organization_id == _org_id(org), Sale.created_at >= since))
    return revenue or Decimal(0), cogs or Decimal(0)


def _returns_stmt(org, *entities):
    return (tenancy.scoped(InventoryEvent, org, *entities)
            .join(Sale, Sale.id == InventoryEvent.sale_id)
            .where(Sale.organization_id == _org_id(org), InventoryEvent.change_type == RETURNED))


def returns_totals(org, since: datetime) -> tuple[Decimal, Decimal]:
    """(returned revenue, returned cost) of the sale returns recorded since `since`: each returned quantity at
    its sale's unit price and at its lot's unit cost."""
    revenue, cost = db.session.execute(
        _returns_stmt(org, exact_product_sum(InventoryEvent.quantity, Sale.unit_price),
                      exact_product_sum(InventoryEvent.quantity, InventoryEvent.unit_cost))
        .where(InventoryEvent.created_at >= since)).one()
    return revenue or Decimal(0), cost or Decimal(0)


def value_at(org, moment: datetime) -> Decimal:
    """Inventory value at `moment` rebuilt from the ledger: Σ quantity × unit cost of the events until then
    (each event carries its lot's unit cost, so this is Σ remaining × cost as it stood)."""
    stmt = (tenancy.scoped(InventoryEvent, org, exact_product_sum(InventoryEvent.quantity, InventoryEvent.unit_cost))
            .where(InventoryEvent.created_at <= moment))
    return db.session.scalar(stmt) or Decimal(0)


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


def _by_day(stmt) -> dict[date, Decimal]:
    result: dict[date, Decimal] = {}
    for day, total in db.session.execute(stmt):
        if day is not None:
            result[_as_date(day)] = result.get(_as_date(day), Decimal(0)) + (total or Decimal(0))
    return result


def value_change_by_day(org, since: datetime) -> dict[date, Decimal]:
    """The change in inventory value per UTC day since `since` (Σ quantity × unit cost of that day's events)."""
    day = utc_day(InventoryEvent.created_at)
    return _by_day(tenancy.scoped(InventoryEvent, org, day,
                                  exact_product_sum(InventoryEvent.quantity, InventoryEvent.unit_cost))
                   .where(InventoryEvent.created_at >= since).group_by(day))


def usage_cost_by_day(org, since: datetime) -> dict[date, Decimal]:
    """The cost of usage per UTC day since `since`."""
    day = utc_day(InventoryEvent.created_at)
    rows = _by_day(tenancy.scoped(InventoryEvent, org, day,
                                  exact_product_sum(InventoryEvent.quantity, InventoryEvent.unit_cost))
                   .where(usage_clause(org), InventoryEvent.created_at >= since).group_by(day))
    return {key: -value for key, value in rows.items()}


def revenue_by_day(org, since: datetime) -> dict[date, Decimal]:
    """Revenue per UTC day: sales by their date, minus returns by the day they were recorded."""
    sale_day = utc_day(Sale.created_at)
    sold = _by_day(tenancy.scoped(Sale, org, sale_day, exact_product_sum(Sale.quantity, Sale.unit_price))
                   .where(Sale.created_at >= since).group_by(sale_day))
    day = utc_day(InventoryEvent.created_at)
    returned = _by_day(_returns_stmt(org, day, exact_product_sum(InventoryEvent.quantity, Sale.unit_price))
                       .where(InventoryEvent.created_at >= since).group_by(day))
    return _minus(sold, returned)


def cogs_by_day(org, since: datetime) -> dict[date, Decimal]:
    """COGS per UTC day: the lots sales consumed by the sale's date, minus returned cost by the return's day."""
    sale_day = utc_day(Sale.created_at)
    sold = _by_day(tenancy.scoped(SaleConsumption, org, sale_day,
                                  exact_product_sum(SaleConsumption.quantity, SaleConsumption.unit_cost))
                   .join(Sale, Sale.id == SaleConsumption.sale_id)
                   .where(Sale.organization_id == _org_id(org), Sale.created_at >= since).group_by(sale_day))
    day = utc_day(InventoryEvent.created_at)
    returned = _by_day(_returns_stmt(org, day, exact_product_sum(InventoryEvent.quantity, InventoryEvent.unit_cost))
                       .where(InventoryEvent.created_at >= since).group_by(day))
    return _minus(sold, returned)


def _minus(left: dict, right: dict) -> dict:
    result = dict(left)
    for key, value in right.items():
        result[key] = result.get(key, Decimal(0)) - value
    return result


def _org_id(org) -> int:
    return org if isinstance(org, int) else org.id


def usage_cost_by_item(org, since: datetime) -> dict[int, Decimal]:
    """The cost of each item's usage since `since` (positive = consumed)."""
    stmt = (tenancy.scoped(InventoryEvent, org, InventoryEvent.item_id,
                           exact_product_sum(InventoryEvent.quantity, InventoryEvent.unit_cost))
            .where(usage_clause(org), InventoryEvent.created_at >= since).group_by(InventoryEvent.item_id))
    return {item_id: -(total or Decimal(0)) for item_id, total in db.session.execute(stmt)}
