"""Read-only helpers the product, sales and trace pages need beyond their services: never writes.

Every query is bounded (an aggregate, a set of ids, or a limit), so a page costs a fixed number of
queries however many products, sales or lots the organization has.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import func

from ..extensions import db
from ..models import InventoryItem, Sale, Sku
from . import tenancy
from .authz import authorize


def sku_item_ids(org) -> set[int]:
    """Ids of the inventory items that already back a SKU (one query, ids only)."""
    return set(db.session.scalars(tenancy.scoped(Sku, org, Sku.item_id)))


def sales_between(org, actor, start: datetime, end: datetime) -> dict:
    """Count, net revenue, net COGS and margin of the sales made in [start, end): one aggregate query."""
    authorize(actor, org, "sales.view")
    count, revenue, cogs, returned_revenue, returned_cogs = db.session.execute(
        tenancy.scoped(Sale, org, func.count(Sale.id), func.sum(Sale.revenue), func.sum(Sale.cogs),
                       func.sum(Sale.returned_revenue), func.sum(Sale.returned_cogs))
        .where(Sale.created_at >= start, Sale.created_at < end)
    ).one()
    revenue = Decimal(revenue or 0) - Decimal(returned_revenue or 0)
    cogs = Decimal(cogs or 0) - Decimal(returned_cogs or 0)
    margin = revenue - cogs
    return {"count": count or 0, "revenue": revenue, "cogs": cogs, "margin": margin,
            "margin_percent": margin_percent(revenue, margin)}


def margin_percent(revenue, margin) -> Decimal | None:
    """Margin as a percentage of revenue (one decimal place), or None when there is no revenue."""
    revenue = Decimal(revenue or 0)
    if revenue <= 0:
        return None
    return (Decimal(margin or 0) * 100 / revenue).quantize(Decimal("0.1"))


def sellable_items(org, *, exclude_ids=()) -> list[tuple[int, str, str]]:
    """(id, name, unit) of active product items that back no SKU (they can still be sold): one query."""
    skip = {int(i) for i in exclude_ids}
    rows = db.session.execute(
        tenancy.scoped(InventoryItem, org, InventoryItem.id, InventoryItem.name, InventoryItem.unit)
        .where(InventoryItem.kind == "product", InventoryItem.archived_at.is_(None))
        .order_by(func.lower(InventoryItem.name), InventoryItem.id)
    ).all()
    return [(row.id, row.name, row.unit) for row in rows if row.id not in skip]


def sell_options(org, actor) -> list[dict]:
    """What can be sold or reserved: every active SKU (with product, variant, retail price and available
    stock), then product items that back no SKU. A fixed number of queries (SKUs, items, lots, reservations)."""
    from . import inventory, products

    rows = products.sku_choices(org, actor)
    loose = sellable_items(org, exclude_ids={item.id for _, _, _, item in rows})
    items = [item for _, _, _, item in rows]
    loose_items = list(production_items(org, [item_id for item_id, _, _ in loose]).values())
    summaries = inventory.item_summaries(org, items + loose_items)
    options = []
    for sku, product, variant, item in rows:
        detail = " · ".join(part for part in (variant.name if variant else "", sku.size_label) if part)
        options.append({
            "value": f"sku-{sku.id}", "sku": sku, "item": item, "price": sku.retail_price,
            "available": summaries[item.id].available, "unit": item.unit, "group": product.name,
            "label": f"{sku.code} — {product.name}{' · ' + detail if detail else ''}",
        })
    for item in loose_items:
        options.append({"value": f"item-{item.id}", "sku": None, "item": item, "price": None,
                        "available": summaries[item.id].available, "unit": item.unit, "group": "Other products",
                        "label": item.name})
    return options


def production_items(org, ids) -> dict[int, InventoryItem]:
    """The organization's items with these ids, in one query."""
    from .production_views import items_by_id

    return items_by_id(org, ids)


def parse_sell_choice(value) -> tuple[str, int] | None:
    """("sku", 12) / ("item", 7) from a picker value "sku-12" / "item-7"; None when it is not one."""
    kind, _, raw = str(value or "").partition("-")
    if kind in ("sku", "item") and raw.isdigit() and len(raw) < 12:
        return kind, int(raw)
    return None


def skus_for_items(org, item_ids) -> dict[int, Sku]:
    """The SKU backing each of these items (items without one are absent): one query."""
    ids = sorted({int(i) for i in item_ids if i is not None})
    if not ids:
        return {}
    return {sku.item_id: sku for sku in db.session.scalars(tenancy.scoped(Sku, org).where(Sku.item_id.in_(ids)))}


def search_lots(org, actor, q: str, *, limit: int = 25) -> list[tuple]:
    """Lots whose code or supplier lot code contains `q`, newest first, with their item: one query."""
    from ..models import InventoryLot

    authorize(actor, org, "traceability.view")
    text = str(q or "").strip()
    if not text:
        return []
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    stmt = (tenancy.scoped(InventoryLot, org, InventoryLot, InventoryItem)
            .join(InventoryItem, InventoryItem.id == InventoryLot.item_id)
            .where(InventoryLot.code.ilike(pattern, escape="\\") |
                   InventoryLot.supplier_lot_code.ilike(pattern, escape="\\"))
            .order_by(InventoryLot.received_at.desc(), InventoryLot.id.desc()).limit(limit))
    return [(lot, item) for lot, item in db.session.execute(stmt)]


def recalls_for_lot(org, lot_id) -> list[tuple]:
    """Every recall that holds (or held) this lot, newest first, with the lot's level in it: one query."""
    from ..models import Recall, RecallLot

    stmt = (tenancy.scoped(RecallLot, org, Recall, RecallLot.level)
            .join(Recall, Recall.id == RecallLot.recall_id)
            .where(RecallLot.lot_id == int(lot_id), Recall.organization_id == org.id)
            .order_by(Recall.created_at.desc(), Recall.id.desc()))
    return [(recall, level) for recall, level in db.session.execute(stmt)]
