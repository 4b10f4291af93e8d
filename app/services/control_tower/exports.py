"""CSV exports of every list (API.md: GET /api/v1/exports/<name>.csv): one flat table per file with a header
row; times in the organization's time zone (ISO 8601 with the offset), decimals exact; text cells that a
spreadsheet would run as a formula are neutralised. Reading only: works while the organization is read-only."""
from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal

from sqlalchemy.orm import lazyload

from ...extensions import db
from ...models import (
    Batch,
    InventoryEvent,
    InventoryItem,
    InventoryLot,
    PurchaseOrder,
    PurchaseOrderLine,
    Sale,
    Supplier,
)
from ...models.types import utcnow
from .. import org_settings, tenancy
from ..authz import authorize
from ..errors import NotFound
from ..timezones import org_today, org_zone
from .reorder import list_reorder

EXPORTS = ("items", "lots", "events", "batches", "sales", "suppliers", "reorder", "purchase_orders")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """Neutralise spreadsheet formulas in free text (CSV injection): a leading =, +, -, @, tab or CR gets a '."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in FORMULA_STARTS else text


def _cell(value, zone) -> str:
    """Numbers and times exactly as they are (a negative number stays a number); text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return org_settings.decimal_text(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(zone).isoformat(timespec="seconds")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return safe_cell(value)


def export_csv(org, actor, name: str, *, now: datetime | None = None) -> str:
    """The named export as CSV text (header row first)."""
    authorize(actor, org, "reports.export")
    if name not in EXPORTS:
        raise NotFound(f"There is no {name!r} export; exports: {', '.join(EXPORTS)}.")
    now = now or utcnow()
    header, rows = BUILDERS[name](org, actor, now)
    zone = org_zone(org)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value, zone) for value in row])
    return out.getvalue()


def _supplier_names(org) -> dict[int, str]:
    return dict(db.session.execute(tenancy.scoped(Supplier, org, Supplier.id, Supplier.name)).all())


def _items(org, actor, now):
    from .. import inventory

    items = list(db.session.scalars(tenancy.scoped(InventoryItem, org).order_by(InventoryItem.name, InventoryItem.id)))
    summaries = inventory.item_summaries(org, items, now=now)
    suppliers = _supplier_names(org)
    header = ["id", "name", "kind", "unit", "quantity", "available", "unit_cost", "value", "reorder_point",
              "safety_stock", "lead_time_days", "supplier_id", "supplier", "shelf_life_days", "density", "archived"]
    rows = ([i.id, i.name, i.kind, i.unit, i.quantity, summaries[i.id].available, summaries[i.id].avg_unit_cost,
             summaries[i.id].value, i.reorder_point, i.safety_stock, i.lead_time_days, i.supplier_id,
             suppliers.get(i.supplier_id), i.shelf_life_days, i.density, i.archived_at is not None] for i in items)
    return header, rows


def _lots(org, actor, now):
    today = org_today(org, now)
    stmt = (tenancy.scoped(InventoryLot, org, InventoryLot, InventoryItem.name, InventoryItem.unit)
            .join(InventoryItem, InventoryItem.id == InventoryLot.item_id)
            .order_by(InventoryItem.name, InventoryLot.received_at, InventoryLot.id))
    suppliers = _supplier_names(org)
    header = ["id", "code", "item_id", "item", "unit", "remaining", "original", "unit_cost", "value", "received_at",
              "expires_on", "hold_until", "status", "supplier", "supplier_lot_code"]
    rows = ([lot.id, lot.code, lot.item_id, name, unit, lot.remaining_quantity, lot.original_quantity, lot.unit_cost,
             lot.remaining_quantity * lot.unit_cost, lot.received_at, lot.expires_on, lot.hold_until,
             lot.status(today, now), suppliers.get(lot.supplier_id), lot.supplier_lot_code]
            for lot, name, unit in db.session.execute(stmt))
    return header, rows


def _events(org, actor, now):
    stmt = (tenancy.scoped(InventoryEvent, org, InventoryEvent, InventoryItem.name, InventoryItem.unit, InventoryLot.code)
            .join(InventoryItem, InventoryItem.id == InventoryEvent.item_id)
            .outerjoin(InventoryLot, InventoryLot.id == InventoryEvent.lot_id)
            .order_by(InventoryEvent.created_at, InventoryEvent.id))
    header = ["id", "code", "created_at", "item_id", "item", "unit", "lot_code", "change_type", "quantity", "unit_cost",
              "batch_id", "sale_id", "reverses_event_id", "user_id", "notes"]
    rows = ([e.id, e.code, e.created_at, e.item_id, name, unit, lot_code, e.change_type, e.quantity, e.unit_cost,
             e.batch_id, e.sale_id, e.reverses_event_id, e.user_id, e.notes]
            for e, name, unit, lot_code in db.session.execute(stmt))
    return header, rows


def _batches(org, actor, now):
    stmt = tenancy.scoped(Batch, org).order_by(Batch.started_at, Batch.id)
    header = ["id", "label", "recipe_id", "recipe_version", "status", "scale", "planned_yield", "yield_quantity",
              "yield_unit", "waste_quantity", "input_cost", "container_cost", "loss_cost", "started_at", "finished_at",
              "failure_reason", "notes", "labour_minutes", "labour_cost", "overhead_cost", "total_cost"]
    rows = ([b.id, b.label, b.recipe_id, b.recipe_version, b.status, b.scale, b.planned_yield, b.yield_quantity,
             b.yield_unit, b.waste_quantity, b.input_cost, b.container_cost, b.loss_cost, b.started_at, b.finished_at,
             b.failure_reason, b.notes, b.labour_minutes, b.labour_cost, b.overhead_cost, b.total_cost]
            for b in db.session.scalars(stmt.execution_options(yield_per=500)))
    return header, rows


def _sales(org, actor, now):
    stmt = (tenancy.scoped(Sale, org, Sale, InventoryItem.name, InventoryItem.unit)
            .join(InventoryItem, InventoryItem.id == Sale.item_id).order_by(Sale.created_at, Sale.id))
    header = ["id", "created_at", "item_id", "item", "unit", "sku_id", "quantity", "unit_price", "revenue", "cogs",
              "margin", "returned_quantity", "returned_revenue", "returned_cogs", "order_ref", "channel", "customer"]
    rows = ([s.id, s.created_at, s.item_id, name, unit, s.sku_id, s.quantity, s.unit_price, s.revenue, s.cogs,
             s.margin, s.returned_quantity, s.returned_revenue, s.returned_cogs, s.order_ref, s.channel, s.customer]
            for s, name, unit in db.session.execute(stmt))
    return header, rows


def _suppliers(org, actor, now):
    stmt = tenancy.scoped(Supplier, org).order_by(Supplier.name, Supplier.id)
    header = ["id", "name", "contact_name", "email", "phone", "website", "lead_time_days", "archived", "notes"]
    rows = ([s.id, s.name, s.contact_name, s.email, s.phone, s.website, s.lead_time_days, s.archived_at is not None,
             s.notes] for s in db.session.scalars(stmt))
    return header, rows


def _reorder(org, actor, now):
    header = ["item_id", "item", "unit", "supplier_id", "supplier", "available", "avg_daily_usage", "lead_time_days",
              "safety_stock", "reorder_point", "source", "suggested_quantity", "weeks_of_supply"]
    rows = ([line.item.id, line.item.name, line.item.unit, line.item.supplier_id,
             line.supplier.name if line.supplier else None, line.reorder.available,
             _rounded(line.reorder.avg_daily_usage, 6), line.reorder.lead_time_days,
             _rounded(line.reorder.safety_stock, 6), _rounded(line.reorder.reorder_point, 6), line.reorder.source,
             _rounded(line.reorder.suggested_quantity, 6, ROUND_CEILING), _rounded(line.reorder.weeks_of_supply, 2)]
            for line in list_reorder(org, actor, now=now))
    return header, rows


def _purchase_orders(org, actor, now):
    """One row per order line, orders oldest first: what was ordered, at what cost, and how much has arrived."""
    stmt = (tenancy.scoped(PurchaseOrderLine, org, PurchaseOrderLine, PurchaseOrder, InventoryItem.name)
            .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
            .join(InventoryItem, InventoryItem.id == PurchaseOrderLine.item_id)
            .order_by(PurchaseOrder.created_at, PurchaseOrder.id, PurchaseOrderLine.position, PurchaseOrderLine.id)
            .options(lazyload(PurchaseOrder.lines)))
    suppliers = _supplier_names(org)
    header = ["po_id", "po_number", "status", "supplier_id", "supplier", "created_at", "sent_at", "received_at",
              "cancelled_at", "item_id", "item", "quantity", "unit", "unit_cost", "line_total", "received_quantity",
              "open_quantity"]
    rows = ([order.id, order.number, order.status, order.supplier_id, suppliers.get(order.supplier_id),
             order.created_at, order.sent_at, order.received_at, order.cancelled_at, line.item_id, name, line.quantity,
             line.unit, line.unit_cost, line.quantity * line.unit_cost, line.received_quantity,
             Decimal(0) if order.status == "cancelled" else line.open_quantity]
            for line, order, name in db.session.execute(stmt))
    return header, rows


def _rounded(value: Decimal | None, places: int, rounding=ROUND_HALF_EVEN) -> Decimal | None:
    """A computed figure (a usage average, a division) to the places a stock quantity has (6) or a reading
    needs (2 for weeks), not the 28 digits of a repeating decimal; a suggestion rounds up, never short."""
    return None if value is None else value.quantize(Decimal(1).scaleb(-places), rounding=rounding)


BUILDERS = {"items": _items, "lots": _lots, "events": _events, "batches": _batches, "sales": _sales,
            "suppliers": _suppliers, "reorder": _reorder, "purchase_orders": _purchase_orders}
