"""The reorder engine (API.md, Control tower → Reorder): reorder points from real usage, read-only.

`figures()` is the pure calculation for one item; `reorder_for_items()` gathers what it needs for many
items in a fixed number of queries. Stock in transit and on order (transfers, purchase orders) can be
passed in, or supplied by providers other domains register in IN_TRANSIT_PROVIDERS / ON_ORDER_PROVIDERS:
fn(org, item_ids) -> {item_id: quantity in the item's unit}.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import bindparam, func

from ...extensions import db
from ...models import InventoryItem, Supplier
from ...models.types import utcnow
from .. import org_settings, tenancy
from ..authz import authorize
from .ledger import usage_select

DEFAULT_LEAD_TIME_DAYS = 7


# Stock in lots of transfers not yet received comes with the items' summaries (inventory.item_summaries
# reads every lot holding stock, in transit or not), and what purchase orders still have on order comes in
# the query that reads the items' usage (purchasing.on_order_select): these lists are for other sources.
IN_TRANSIT_PROVIDERS: list = []
ON_ORDER_PROVIDERS: list = []
ZERO = Decimal(0)


@dataclass
class Reorder:
    avg_daily_usage: Decimal
    lead_time_days: int
    safety_stock: Decimal
    reorder_point: Decimal
    source: str  # manual | computed
    below: bool
    suggested_quantity: Decimal
    weeks_of_supply: Decimal | None
    usage: Decimal = ZERO
    available: Decimal = ZERO
    in_transit: Decimal = ZERO
    on_order: Decimal = ZERO

    def as_json(self) -> dict:
        """The API.md `reorder` object (decimals as strings)."""
        return {"avg_daily_usage": _text(self.avg_daily_usage), "lead_time_days": self.lead_time_days,
                "safety_stock": _text(self.safety_stock), "reorder_point": _text(self.reorder_point),
                "source": self.source, "below": self.below, "suggested_quantity": _text(self.suggested_quantity),
                "weeks_of_supply": _text(self.weeks_of_supply)}


def _text(value: Decimal | None) -> str | None:
    return None if value is None else org_settings.decimal_text(value)


def figures(*, usage: Decimal, available: Decimal, window_days: int, safety_days: Decimal, cover_days: int,
            item_reorder_point: Decimal | None = None, item_safety_stock: Decimal | None = None,
            item_lead_time_days: int | None = None, supplier_lead_time_days: int | None = None,
            in_transit: Decimal = ZERO, on_order: Decimal = ZERO) -> Reorder:
    """One item's reorder figures, exactly as API.md writes the formulas (in that order of operations)."""
    usage = max(usage, ZERO)  # more returned than used in the window is no usage, not negative usage
    avg = usage / window_days
    if item_lead_time_days is not None:
        lead = item_lead_time_days
    elif supplier_lead_time_days is not None:
        lead = supplier_lead_time_days
    else:
        lead = DEFAULT_LEAD_TIME_DAYS
    safety = item_safety_stock if item_safety_stock is not None else avg * safety_days
    if item_reorder_point is not None:
        point, source = item_reorder_point, "manual"
    else:
        point, source = avg * lead + safety, "computed"
    position = available + in_transit + on_order
    below = point > 0 and position <= point
    suggested = point + avg * cover_days - available - in_transit - on_order if below else ZERO
    weeks = available / (avg * 7) if avg > 0 else None
    return Reorder(avg_daily_usage=avg, lead_time_days=lead, safety_stock=safety, reorder_point=point, source=source,
                   below=below, suggested_quantity=suggested, weeks_of_supply=weeks, usage=usage,
                   available=available, in_transit=in_transit, on_order=on_order)


def _provided(providers, org, item_ids) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = {}
    for provider in providers:
        for item_id, quantity in (provider(org, item_ids) or {}).items():
            totals[item_id] = totals.get(item_id, ZERO) + Decimal(quantity)
    return totals


@dataclass
class ReorderInputs:
    """What the engine reads per item besides its stock: its supplier's lead time, its net usage in the
    window (positive = consumed) and what open purchase orders still bring."""

    supplier_lead_time_days: int | None = None
    usage: Decimal = ZERO
    on_order: Decimal = ZERO


def _inputs_select(org, since: datetime, item_ids=None, *, entities=()):
    """SELECT [entities,] item id, supplier lead time, usage total, ordered, received: one row per item of
    `org` (all of them, or these ids), usage and open orders joined as grouped subqueries."""
    from ..purchasing.queries import on_order_select

    usage = usage_select(org, since, item_ids).subquery()
    ordered = on_order_select(org, item_ids).subquery()
    org_id = org if isinstance(org, int) else org.id
    stmt = (tenancy.scoped(InventoryItem, org, *entities, InventoryItem.id, Supplier.lead_time_days, usage.c.total,
                           ordered.c.ordered, ordered.c.received)
            .outerjoin(Supplier, (Supplier.id == InventoryItem.supplier_id) & (Supplier.organization_id == org_id))
            .outerjoin(usage, usage.c.item_id == InventoryItem.id)
            .outerjoin(ordered, ordered.c.item_id == InventoryItem.id))
    if item_ids is not None:
        stmt = stmt.where(InventoryItem.id.in_(list(item_ids)))
    return stmt


def _inputs_row(lead_time, used, ordered, received) -> ReorderInputs:
    from ..purchasing.queries import open_quantity

    return ReorderInputs(supplier_lead_time_days=lead_time, usage=-(used or ZERO),
                         on_order=max(open_quantity(ordered, received), ZERO))


def inputs_columns(org, *, now: datetime | None = None) -> tuple[list, dict]:
    """reorder_inputs()' figures as columns correlated to InventoryItem (supplier lead time, usage total, open
    quantity) and the parameters to execute them with: to ride along a query that already reads a page of
    items, so a list page gets its items' reorder inputs without a statement of its own. Each column reads
    only its row's item (by index), so the cost follows the rows returned, not the organization's history.
    inputs_from_row() reads them."""
    since = (now or utcnow()) - timedelta(days=org_settings.get_settings(org)["window_days"])
    return _inputs_columns(org if isinstance(org, int) else org.id), {"reorder_since": since}


@lru_cache(maxsize=256)
def _inputs_columns(org_id: int) -> list:
    # Built once per organization (the window's start is a parameter): constructing the three subqueries
    # cost a quarter of a millisecond per list page.
    from ...models import OPEN_PO_STATUSES, InventoryEvent, PurchaseOrder, PurchaseOrderLine
    from .ledger import usage_clause

    lead = (tenancy.scoped(Supplier, org_id, Supplier.lead_time_days)
            .where(Supplier.id == InventoryItem.supplier_id).scalar_subquery())
    usage = (tenancy.scoped(InventoryEvent, org_id, func.sum(InventoryEvent.quantity))
             .where(InventoryEvent.item_id == InventoryItem.id, usage_clause(org_id),
                    InventoryEvent.created_at >= bindparam("reorder_since"))
             .scalar_subquery())
    ordered = (tenancy.scoped(PurchaseOrderLine, org_id,
                              func.sum(PurchaseOrderLine.quantity - PurchaseOrderLine.received_quantity))
               .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
               .where(PurchaseOrderLine.item_id == InventoryItem.id, PurchaseOrder.status.in_(OPEN_PO_STATUSES))
               .scalar_subquery())
    return [lead, usage, ordered]


def inputs_from_row(lead_time, used, open_quantity) -> ReorderInputs:
    """The ReorderInputs of one item from the values of inputs_columns()."""
    return _inputs_row(lead_time, used, open_quantity, ZERO)


def reorder_inputs(org, item_ids, *, now: datetime | None = None) -> dict[int, ReorderInputs]:
    """ReorderInputs of these items, one query."""
    ids = sorted({int(i) for i in item_ids})
    if not ids:
        return {}
    since = (now or utcnow()) - timedelta(days=org_settings.get_settings(org)["window_days"])
    rows = db.session.execute(_inputs_select(org, since, ids))
    return {item_id: _inputs_row(*rest) for item_id, *rest in rows}


def reorder_for_items(org, items, *, summaries=None, in_transit=None, on_order=None,
                      now: datetime | None = None, inputs: dict | None = None) -> dict[int, Reorder]:
    """Reorder figures for many items in a fixed number of queries (two: the items' summaries and their
    inputs). `summaries` (inventory.item_summaries) and `inputs` (reorder_inputs, active_items_with_inputs)
    may be passed when the caller already has them; `in_transit` / `on_order` map item id → quantity."""
    from .. import inventory

    items = list(items)
    if not items:
        return {}
    now = now or utcnow()
    ids = [item.id for item in items]
    settings = org_settings.get_settings(org)
    window = settings["window_days"]
    if summaries is None:
        summaries = inventory.item_summaries(org, items, now=now)
    if inputs is None:
        inputs = reorder_inputs(org, ids, now=now)
    if in_transit is None:
        in_transit = _provided(IN_TRANSIT_PROVIDERS, org, ids)
        for item_id in ids:
            in_transit[item_id] = in_transit.get(item_id, ZERO) + summaries[item_id].in_transit
    if on_order is None:
        on_order = _provided(ON_ORDER_PROVIDERS, org, ids)
        for item_id in ids:
            on_order[item_id] = on_order.get(item_id, ZERO) + inputs.get(item_id, ReorderInputs()).on_order
    result = {}
    for item in items:
        got = inputs.get(item.id, ReorderInputs())
        result[item.id] = figures(
            usage=got.usage, available=summaries[item.id].available, window_days=window,
            safety_days=settings["safety_days"], cover_days=settings["cover_days"],
            item_reorder_point=item.reorder_point, item_safety_stock=item.safety_stock,
            item_lead_time_days=getattr(item, "lead_time_days", None),
            supplier_lead_time_days=got.supplier_lead_time_days,
            in_transit=in_transit.get(item.id, ZERO), on_order=on_order.get(item.id, ZERO))
    return result


def active_items(org, item_ids=None) -> list[InventoryItem]:
    """Items not archived (optionally only these ids), by name."""
    stmt = tenancy.scoped(InventoryItem, org).where(InventoryItem.archived_at.is_(None))
    if item_ids is not None:
        stmt = stmt.where(InventoryItem.id.in_(list(item_ids)))
    return list(db.session.scalars(stmt.order_by(InventoryItem.name, InventoryItem.id)))


def active_items_with_inputs(org, item_ids=None, *, now: datetime | None = None
                             ) -> tuple[list[InventoryItem], dict[int, ReorderInputs]]:
    """active_items() and their reorder_inputs() in one query."""
    since = (now or utcnow()) - timedelta(days=org_settings.get_settings(org)["window_days"])
    stmt = (_inputs_select(org, since, item_ids, entities=(InventoryItem,))
            .where(InventoryItem.archived_at.is_(None)).order_by(InventoryItem.name, InventoryItem.id))
    items, inputs = [], {}
    for item, item_id, *rest in db.session.execute(stmt):
        items.append(item)
        inputs[item_id] = _inputs_row(*rest)
    return items, inputs


class ItemRow(NamedTuple):
    """The columns of an item the reorder figures, the summaries and the alerts read (no ORM object)."""

    id: int
    name: str
    unit: str
    reorder_point: Decimal | None
    safety_stock: Decimal | None
    lead_time_days: int | None
    supplier_id: int | None


def active_item_rows_with_inputs(org, item_ids=None, *, now: datetime | None = None
                                 ) -> tuple[list[ItemRow], dict[int, ReorderInputs]]:
    """active_items_with_inputs() with the items as ItemRow tuples: for readers of thousands of items that
    only compute from them (building 10,000 InventoryItem objects took ten times the query)."""
    since = (now or utcnow()) - timedelta(days=org_settings.get_settings(org)["window_days"])
    columns = [getattr(InventoryItem, name) for name in ItemRow._fields[1:]]  # the id follows them
    stmt = (_inputs_select(org, since, item_ids, entities=columns)
            .where(InventoryItem.archived_at.is_(None)).order_by(InventoryItem.name, InventoryItem.id))
    width = len(columns)
    items, inputs = [], {}
    for row in db.session.execute(stmt):
        item_id = row[width]
        items.append(ItemRow(item_id, *row[:width]))
        inputs[item_id] = _inputs_row(*row[width + 1:])
    return items, inputs


def item_reorder_fields(org, items, summaries=None, *, now=None) -> dict[int, dict]:
    """What an API Item carries for the reorder engine: {item_id: {"reorder", "supplier_id",
    "lead_time_days", "safety_stock"}} (the item's own values; `reorder` the computed figures)."""
    figures_by_item = reorder_for_items(org, items, summaries=summaries, now=now)
    return {item.id: {"reorder": figures_by_item[item.id].as_json(), "supplier_id": item.supplier_id,
                      "lead_time_days": getattr(item, "lead_time_days", None),
                      "safety_stock": _text(item.safety_stock)}
            for item in items}


def count_below(org, actor, *, now: datetime | None = None) -> int:
    """How many items (not archived) are at or below their reorder point: the Reorder page's lines, counted
    (manual and computed points, stock in transit and on order included)."""
    authorize(actor, org, "inventory.view")
    items, inputs = active_item_rows_with_inputs(org, now=now)
    return sum(1 for figures_ in reorder_for_items(org, items, now=now, inputs=inputs).values() if figures_.below)


@dataclass
class ReorderLine:
    item: InventoryItem
    supplier: Supplier | None
    reorder: Reorder

    def as_json(self) -> dict:
        return {"item_id": self.item.id, "name": self.item.name, "unit": self.item.unit,
                "available": _text(self.reorder.available), "supplier_id": self.item.supplier_id,
                "supplier_name": self.supplier.name if self.supplier else None, "reorder": self.reorder.as_json()}


def list_reorder(org, actor, *, now: datetime | None = None, item_rows: bool = False) -> list[ReorderLine]:
    """Items (not archived) at or below their reorder point, grouped by supplier (by name; none last) then
    by item name. `item_rows`: the lines' items are ItemRow tuples, not InventoryItem objects (for a reader
    of thousands that needs only their ids, names and units, or loads the objects of one page:
    with_item_objects())."""
    authorize(actor, org, "inventory.view")
    items, inputs = (active_item_rows_with_inputs if item_rows else active_items_with_inputs)(org, now=now)
    figures_by_item = reorder_for_items(org, items, now=now, inputs=inputs)
    below = [item for item in items if figures_by_item[item.id].below]
    supplier_ids = {item.supplier_id for item in below if item.supplier_id}
    suppliers = ({s.id: s for s in db.session.scalars(tenancy.scoped(Supplier, org).where(Supplier.id.in_(supplier_ids)))}
                 if supplier_ids else {})
    lines = [ReorderLine(item, suppliers.get(item.supplier_id), figures_by_item[item.id]) for item in below]

    def order(line: ReorderLine):
        supplier = line.supplier
        return (supplier is None, (supplier.name.casefold(), supplier.id) if supplier else ("", 0),
                line.item.name.casefold(), line.item.id)

    return sorted(lines, key=order)


def with_item_objects(org, lines: list[ReorderLine]) -> list[ReorderLine]:
    """These lines (of list_reorder(item_rows=True)) with their items as InventoryItem objects, one query."""
    ids = [line.item.id for line in lines]
    objects = ({item.id: item for item in db.session.scalars(tenancy.scoped(InventoryItem, org)
                                                               .where(InventoryItem.id.in_(ids)))} if ids else {})
    return [ReorderLine(objects[line.item.id], line.supplier, line.reorder) for line in lines]
