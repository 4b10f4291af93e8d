"""Inventory reads: items, lots, the ledger, and the bounded queries the inventory, units, supplier, library
and dashboard pages need. Every public read takes (org, actor, …) and authorizes; nothing here writes.

Every query is bounded (a page, a set of ids, or an aggregate), so a page costs a fixed number of queries
however many rows the organization has.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import bindparam, func, select
from sqlalchemy import true as sa_true
from sqlalchemy.orm import joinedload, lazyload

from ...extensions import db
from ...models import (
    ITEM_KINDS,
    InventoryEvent,
    InventoryItem,
    InventoryLot,
    ItemUnitMapping,
    Location,
    User,
)
from ...models.types import COST_QUANTUM, QUANTUM, exact_product_sum, ordering_product_sum, utcnow
from .. import tenancy
from ..authz import authorize
from ..errors import NotFound, ValidationFailed
from ..pagination import Page, page_args, paginate
from ..text_search import contains
from ..timezones import org_today
from .fifo import consumption_order, usable_condition
from .stock_check import reserved_subquery

LIST_SORTS = ("name", "quantity", "value", "kind", "updated")


@dataclass
class ItemSummary:
    available: Decimal
    value: Decimal
    avg_unit_cost: Decimal | None
    expired_qty: Decimal
    expiring_qty: Decimal
    low_stock: bool
    lots_count: int
    in_transit: Decimal = Decimal(0)  # in lots of transfers not yet received: in no location's available
    # [{location_id, quantity, available}] for the locations holding stock (in-transit lots count at none)
    by_location: list = field(default_factory=list)

    def __getitem__(self, key):  # templates may use summary["available"] as well as summary.available
        return getattr(self, key)


class LotRow(NamedTuple):
    """A lot holding stock as item_summaries read it."""

    id: int
    item_id: int
    code: str
    remaining_quantity: Decimal
    expires_on: date | None
    created_at: datetime


# ---- items, lots and the ledger --------------------------------------------------------------------

def get_item(org, actor, item_id) -> InventoryItem:
    """The organization's item, or NotFound (its supplier and library entry loaded in the same query)."""
    authorize(actor, org, "inventory.view")
    return tenancy.get_for_org(InventoryItem, item_id, org,
                               options=(joinedload(InventoryItem.supplier), joinedload(InventoryItem.global_item)))


class OpenOrder(NamedTuple):
    """A purchase order still bringing some of an item: sent or partially received, its open quantity (Σ
    ordered − received over its lines of the item, in the item's unit) above zero."""

    id: int
    number: str
    status: str
    quantity: Decimal


def get_item_with_open_orders(org, actor, item_id, columns=(), params=None
                              ) -> tuple[InventoryItem, list[OpenOrder], tuple]:
    """get_item(), the item's open purchase orders (oldest first) and the values of `columns` (correlated to
    InventoryItem, e.g. reorder.inputs_columns(); `params` their bound parameters) in one query: the item row
    comes once per open order, outer-joined to its order lines grouped per order (the item page's "On order")."""
    from ...models import OPEN_PO_STATUSES, PurchaseOrder, PurchaseOrderLine

    authorize(actor, org, "inventory.view")
    item_id = tenancy.parse_id(item_id)
    if item_id is None:
        return get_item(org, actor, item_id), [], ()  # NotFound, as get_item says it
    lines = (tenancy.scoped(PurchaseOrderLine, org, PurchaseOrderLine.purchase_order_id.label("po_id"),
                            func.sum(PurchaseOrderLine.quantity).label("ordered"),
                            func.sum(PurchaseOrderLine.received_quantity).label("received"))
             .where(PurchaseOrderLine.item_id == item_id).group_by(PurchaseOrderLine.purchase_order_id).subquery())
    orders = (tenancy.scoped(PurchaseOrder, org, PurchaseOrder.id, PurchaseOrder.number, PurchaseOrder.status,
                             lines.c.ordered, lines.c.received)
              .join(lines, lines.c.po_id == PurchaseOrder.id)
              .where(PurchaseOrder.status.in_(OPEN_PO_STATUSES))
              .subquery())
    stmt = (tenancy.scoped(InventoryItem, org, InventoryItem, orders.c.id, orders.c.number, orders.c.status,
                           orders.c.ordered, orders.c.received, *columns)
            .outerjoin(orders, sa_true())
            .where(InventoryItem.id == item_id)
            .options(joinedload(InventoryItem.supplier), joinedload(InventoryItem.global_item))
            .order_by(orders.c.id))
    item, open_orders, extra = None, [], ()
    for row_item, po_id, number, status, ordered, received, *values in db.session.execute(stmt, params or {}):
        item, extra = row_item, tuple(values)
        quantity = Decimal(ordered or 0) - Decimal(received or 0)
        if po_id is not None and quantity > 0:
            open_orders.append(OpenOrder(po_id, number, status, quantity))
    if item is None:
        return get_item(org, actor, item_id), [], ()  # NotFound, as get_item says it
    return item, open_orders, extra


def get_lot(org, actor, lot_id) -> InventoryLot:
    """The organization's lot, or NotFound."""
    authorize(actor, org, "inventory.view")
    return tenancy.get_for_org(InventoryLot, lot_id, org)


def get_lot_by_code(org, actor, code) -> InventoryLot:
    """The organization's lot with this code, or NotFound."""
    authorize(actor, org, "inventory.view")
    lot = db.session.scalars(
        tenancy.scoped(InventoryLot, org).where(InventoryLot.code == str(code or "").strip())
        .options(joinedload(InventoryLot.item), joinedload(InventoryLot.supplier)).limit(1)).first()
    if lot is None:
        raise NotFound(f"Lot {code} not found.")
    return lot


def list_items(org, actor, *, q=None, kind=None, sort="name", include_archived=False, page=1,
               per_page=50) -> Page:
    """A page of items (search, kind filter, sort) in two queries."""
    authorize(actor, org, "inventory.view")
    stmt, count = _items_page_select(org, q=q, kind=kind, sort=sort, include_archived=include_archived)
    return paginate(stmt, count, page, per_page)


def list_items_with_columns(org, actor, columns, params=None, *, q=None, kind=None, sort="name", include_archived=False,
                            page=1, per_page=50) -> tuple[Page, dict[int, tuple]]:
    """list_items() with `columns` (correlated to InventoryItem, e.g. reorder.inputs_columns(); `params` the
    values of their bound parameters) read in the same query as the page's items: (the page, {item id: the
    columns' values}), still two queries."""
    authorize(actor, org, "inventory.view")
    stmt, count = _items_page_select(org, q=q, kind=kind, sort=sort, include_archived=include_archived)
    page, per_page = page_args(page, per_page)
    total = db.session.scalar(count) or 0
    items, extra = [], {}
    for item, *values in db.session.execute(stmt.add_columns(*columns).limit(per_page)
                                            .offset((page - 1) * per_page), params or {}):
        items.append(item)
        extra[item.id] = tuple(values)
    return Page(items=items, total=total, page=page, per_page=per_page), extra


def _items_page_select(org, *, q, kind, sort, include_archived):
    """The items query of list_items (search, kind, sort) and its count."""
    filters = []
    if not include_archived:
        filters.append(InventoryItem.archived_at.is_(None))
    if kind:
        if kind not in ITEM_KINDS:
            raise ValidationFailed("Unknown kind.", fields={"kind": f"One of {', '.join(ITEM_KINDS)}."})
        filters.append(InventoryItem.kind == kind)
    if q and str(q).strip():
        filters.append(contains(q, InventoryItem.name, InventoryItem.inci_name))
    stmt = tenancy.scoped(InventoryItem, org).where(*filters)
    name_order = (func.lower(InventoryItem.name), InventoryItem.id)
    if sort == "quantity":
        stmt = stmt.order_by(InventoryItem.quantity.desc(), *name_order)
    elif sort == "value":
        # One pass over the organization's open lots, grouped per item, joined to the page of items.
        values = (tenancy.scoped(InventoryLot, org, InventoryLot.item_id.label("item_id"),
                                 ordering_product_sum(InventoryLot.remaining_quantity, InventoryLot.unit_cost).label("value"))
                  .where(InventoryLot.remaining_quantity > 0)
                  .group_by(InventoryLot.item_id).subquery())
        stmt = (stmt.outerjoin(values, values.c.item_id == InventoryItem.id)
                .order_by(func.coalesce(values.c.value, 0).desc(), *name_order))
    elif sort == "kind":
        stmt = stmt.order_by(InventoryItem.kind, *name_order)
    elif sort == "updated":
        stmt = stmt.order_by(InventoryItem.updated_at.desc(), InventoryItem.id.desc())
    else:
        stmt = stmt.order_by(*name_order)
    count = tenancy.scoped(InventoryItem, org, func.count(InventoryItem.id)).where(*filters)
    return stmt, count


@lru_cache(maxsize=256)
def _summaries_statement(org_id: int):
    """item_summaries' query for one organization, built once (building it was more than half of the call on
    every inventory page); the items and the time are bound parameters."""
    # Lots from before locations (no location_id) are at the default location: resolved in the same query.
    default_location_id = (tenancy.scoped(Location, org_id, Location.id).where(Location.is_default.is_(True))
                           .limit(1).scalar_subquery())
    ids = bindparam("summary_ids", expanding=True)
    # Open reservations ride along on each lot row of their item (reserved_quantities' figures, same query):
    # an item without stock in lots has nothing available whatever is reserved.
    reserved_by_item = reserved_subquery(org_id, ids, now=bindparam("summary_now"))
    return (tenancy.scoped(InventoryLot, org_id, InventoryLot.item_id, InventoryLot.remaining_quantity,
                           InventoryLot.unit_cost, InventoryLot.expires_on, InventoryLot.hold_until,
                           InventoryLot.hold_reason, func.coalesce(InventoryLot.location_id, default_location_id),
                           InventoryLot.in_transit, reserved_by_item.c.reserved,
                           InventoryLot.id, InventoryLot.code, InventoryLot.created_at)
            .outerjoin(reserved_by_item, reserved_by_item.c.item_id == InventoryLot.item_id)
            .where(InventoryLot.item_id.in_(ids), InventoryLot.remaining_quantity > 0))


def item_summaries(org, items, *, now: datetime | None = None, lot_rows: list | None = None
                   ) -> dict[int, ItemSummary]:
    """Availability, value, expiry and low-stock figures for many items in one query (items the caller has
    already read through an authorized call). `lot_rows`, a list, receives the lots read (those holding stock)
    as LotRow tuples, for a caller that needs them as well (the control tower's expiry alerts)."""
    items = list(items)
    ids = [item.id for item in items]
    if not ids:
        return {}
    now = now or utcnow()
    today = org_today(org, now)
    soon = today + timedelta(days=org.expiring_soon_days or 0)
    acc = {item_id: {"usable": Decimal(0), "value": Decimal(0), "total": Decimal(0), "expired": Decimal(0),
                     "expiring": Decimal(0), "lots": 0, "transit": Decimal(0), "places": {}} for item_id in ids}
    rows = db.session.execute(_summaries_statement(org.id), {"summary_ids": ids, "summary_now": now})
    reserved: dict[int, Decimal] = {}
    for (item_id, remaining, cost, expires_on, hold_until, hold_reason, location_id, in_transit, held,
         lot_id, code, created_at) in rows:
        if lot_rows is not None:
            lot_rows.append(LotRow(lot_id, item_id, code, remaining, expires_on, created_at))
        if held is not None:
            reserved[item_id] = Decimal(held).quantize(QUANTUM)
        row = acc[item_id]
        row["lots"] += 1
        row["total"] += remaining
        row["value"] += remaining * cost
        expired = expires_on is not None and expires_on < today
        if expired:
            row["expired"] += remaining
        elif expires_on is not None and expires_on <= soon:
            row["expiring"] += remaining
        held = bool(hold_reason) or (hold_until is not None and hold_until > today)
        if in_transit:
            row["transit"] += remaining
            continue
        place = row["places"].setdefault(location_id, [Decimal(0), Decimal(0)])
        place[0] += remaining
        if not expired and not held:
            row["usable"] += remaining
            place[1] += remaining
    result = {}
    for item in items:
        row = acc[item.id]
        available = max(row["usable"] - reserved.get(item.id, Decimal(0)), Decimal(0))
        average = (row["value"] / row["total"]).quantize(COST_QUANTUM) if row["total"] > 0 else None
        result[item.id] = ItemSummary(
            available=available, value=row["value"], avg_unit_cost=average, expired_qty=row["expired"],
            expiring_qty=row["expiring"], lots_count=row["lots"],
            low_stock=item.reorder_point is not None and available <= item.reorder_point,
            in_transit=row["transit"],
            by_location=[{"location_id": location_id, "quantity": quantity, "available": usable}
                         for location_id, (quantity, usable) in sorted(row["places"].items(),
                                                                       key=lambda pair: pair[0] or 0)])
    return result


def item_summary(org, item, *, now: datetime | None = None) -> ItemSummary:
    """item_summaries for one item."""
    return item_summaries(org, [item], now=now)[item.id]


def lots_in_consumption_order(org, actor, item_id, *, include_depleted=False) -> list[InventoryLot]:
    """The item's lots in the organization's consumption order (remaining > 0 unless include_depleted)."""
    item = get_item(org, actor, item_id)
    stmt = tenancy.scoped(InventoryLot, org).where(InventoryLot.item_id == item.id)
    if not include_depleted:
        stmt = stmt.where(InventoryLot.remaining_quantity > 0)
    return list(db.session.scalars(stmt.order_by(*consumption_order(org))))


def list_events(org, actor, item_id, *, page=1, per_page=50) -> Page:
    """The item's ledger, newest first, with lot and user loaded in the same query (the user's columns only:
    no organization, role or permissions for a name in a column)."""
    item = get_item(org, actor, item_id)
    where = InventoryEvent.item_id == item.id
    stmt = (tenancy.scoped(InventoryEvent, org).where(where)
            .options(joinedload(InventoryEvent.lot),
                     joinedload(InventoryEvent.user).options(lazyload(User.organization), lazyload(User.role)))
            .order_by(InventoryEvent.created_at.desc(), InventoryEvent.id.desc()))
    count = tenancy.scoped(InventoryEvent, org, func.count(InventoryEvent.id)).where(where)
    return paginate(stmt, count, page, per_page)


# ---- page queries ---------------------------------------------------------------------------------

def list_supplier_lots(org, actor, supplier_id: int, *, page: int = 1, per_page: int = 25) -> Page:
    """Lots received from one supplier, most recent first, with their items loaded (two queries)."""
    authorize(actor, org, "suppliers.view")
    base = tenancy.scoped(InventoryLot, org).where(InventoryLot.supplier_id == supplier_id)
    total = db.session.scalar(
        tenancy.scoped(InventoryLot, org, func.count(InventoryLot.id)).where(InventoryLot.supplier_id == supplier_id)
    ) or 0
    rows = db.session.execute(
        base.add_columns(InventoryItem.name, InventoryItem.unit)
        .join(InventoryItem, InventoryItem.id == InventoryLot.item_id)
        .order_by(InventoryLot.received_at.desc(), InventoryLot.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    items = [{"lot": lot, "item_name": name, "item_unit": unit} for lot, name, unit in rows]
    return Page(items=items, total=total, page=page, per_page=per_page)


def list_org_unit_mappings(org, actor) -> list[dict]:
    """Every item custom unit of the organization with its item's name, in one query."""
    authorize(actor, org, "inventory.view")
    rows = db.session.execute(
        tenancy.scoped(ItemUnitMapping, org, ItemUnitMapping, InventoryItem.name, InventoryItem.unit)
        .join(InventoryItem, InventoryItem.id == ItemUnitMapping.item_id)
        .order_by(InventoryItem.name, ItemUnitMapping.unit_name)
    ).all()
    return [{"mapping": m, "item_name": name, "item_unit": unit} for m, name, unit in rows]


def list_items_for_units(org, actor, *, page: int = 1, per_page: int = 50) -> Page:
    """Active items with their unit and density (the unit manager's density table)."""
    authorize(actor, org, "inventory.view")
    active = tenancy.scoped(InventoryItem, org).where(InventoryItem.archived_at.is_(None))
    total = db.session.scalar(
        tenancy.scoped(InventoryItem, org, func.count(InventoryItem.id)).where(InventoryItem.archived_at.is_(None))
    ) or 0
    items = list(db.session.scalars(
        active.order_by(func.lower(InventoryItem.name), InventoryItem.id).limit(per_page).offset((page - 1) * per_page)
    ))
    return Page(items=items, total=total, page=page, per_page=per_page)


def item_choices(org, actor) -> list[tuple[int, str, str]]:
    """(id, name, unit) of every active item, for pickers (one query, columns only)."""
    authorize(actor, org, "inventory.view")
    rows = db.session.execute(
        tenancy.scoped(InventoryItem, org, InventoryItem.id, InventoryItem.name, InventoryItem.unit)
        .where(InventoryItem.archived_at.is_(None))
        .order_by(func.lower(InventoryItem.name))
    ).all()
    return [(row.id, row.name, row.unit) for row in rows]


def items_linked_to_library(org, actor, global_item_ids) -> dict[int, int]:
    """{library entry id: item id} for the organization's active items linked to these entries (one query)."""
    authorize(actor, org, "inventory.view")
    ids = sorted({int(i) for i in global_item_ids})
    if not ids:
        return {}
    rows = db.session.execute(
        tenancy.scoped(InventoryItem, org, InventoryItem.global_item_id, InventoryItem.id)
        .where(InventoryItem.global_item_id.in_(ids), InventoryItem.archived_at.is_(None))
    )
    return {global_id: item_id for global_id, item_id in rows}


def inventory_stats(org, actor, now: datetime, days: int) -> dict:
    """Dashboard numbers in one query (four aggregates as scalar subqueries): items, value, low stock,
    expiring and expired lots.

    Low stock matches item_summaries: usable stock (not expired, not on hold) at or below the reorder point.
    """
    authorize(actor, org, "inventory.view")
    today = org_today(org, now)
    active = InventoryItem.archived_at.is_(None)
    items = tenancy.scoped(InventoryItem, org, func.count(InventoryItem.id)).where(active)
    usable = (tenancy.scoped(InventoryLot, org, InventoryLot.item_id.label("item_id"),
                     func.sum(InventoryLot.remaining_quantity).label("usable"))
              .where(usable_condition(now, today)).group_by(InventoryLot.item_id).subquery())
    low_stock = (tenancy.scoped(InventoryItem, org, func.count(InventoryItem.id))
                 .outerjoin(usable, usable.c.item_id == InventoryItem.id)
                 .where(active, InventoryItem.reorder_point.is_not(None),
                        func.coalesce(usable.c.usable, 0) <= InventoryItem.reorder_point))
    in_stock = InventoryLot.remaining_quantity > 0
    value = (tenancy.scoped(InventoryLot, org, exact_product_sum(InventoryLot.remaining_quantity, InventoryLot.unit_cost))
             .join(InventoryItem, InventoryItem.id == InventoryLot.item_id)
             .where(in_stock, active))
    horizon = today + timedelta(days=days)
    dated = tenancy.scoped(InventoryLot, org, func.count(InventoryLot.id)).where(in_stock,
                                                                                 InventoryLot.expires_on.is_not(None))
    expired = dated.where(InventoryLot.expires_on < today)
    expiring = dated.where(InventoryLot.expires_on >= today, InventoryLot.expires_on <= horizon)
    row = db.session.execute(select(*(part.scalar_subquery() for part in (items, low_stock, value, expired,
                                                                          expiring)))).one()
    return {"items": row[0] or 0, "value": Decimal(row[2] or 0), "low_stock": row[1] or 0, "expired": row[3] or 0,
            "expiring": row[4] or 0, "days": days}
