"""Read-only helpers the inventory pages need beyond the inventory services: never writes.

Every query is bounded (a page, a set of ids, or an aggregate), so a page costs a fixed number
of queries however many rows the organization has.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func

from ..extensions import db
from ..models.inventory import InventoryItem, InventoryLot
from ..models.types import exact_product_sum
from ..models.units import ItemUnitMapping
from .fifo import usable_condition
from .timezones import org_today
from .pagination import Page
from .tenancy import scoped


def list_supplier_lots(org, supplier_id: int, *, page: int = 1, per_page: int = 25) -> Page:
    """Lots received from one supplier, most recent first, with their items loaded (two queries)."""
    base = scoped(InventoryLot, org).where(InventoryLot.supplier_id == supplier_id)
    total = db.session.scalar(
        scoped(InventoryLot, org, func.count(InventoryLot.id)).where(InventoryLot.supplier_id == supplier_id)
    ) or 0
    rows = db.session.execute(
        base.add_columns(InventoryItem.name, InventoryItem.unit)
        .join(InventoryItem, InventoryItem.id == InventoryLot.item_id)
        .order_by(InventoryLot.received_at.desc(), InventoryLot.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    items = [{"lot": lot, "item_name": name, "item_unit": unit} for lot, name, unit in rows]
    return Page(items=items, total=total, page=page, per_page=per_page)


def list_org_unit_mappings(org) -> list[dict]:
    """Every item custom unit of the organization with its item's name, in one query."""
    rows = db.session.execute(
        scoped(ItemUnitMapping, org, ItemUnitMapping, InventoryItem.name, InventoryItem.unit)
        .join(InventoryItem, InventoryItem.id == ItemUnitMapping.item_id)
        .order_by(InventoryItem.name, ItemUnitMapping.unit_name)
    ).all()
    return [{"mapping": m, "item_name": name, "item_unit": unit} for m, name, unit in rows]


def list_items_for_units(org, *, page: int = 1, per_page: int = 50) -> Page:
    """Active items with their unit and density (the unit manager's density table)."""
    active = scoped(InventoryItem, org).where(InventoryItem.archived_at.is_(None))
    total = db.session.scalar(
        scoped(InventoryItem, org, func.count(InventoryItem.id)).where(InventoryItem.archived_at.is_(None))
    ) or 0
    items = list(db.session.scalars(
        active.order_by(func.lower(InventoryItem.name), InventoryItem.id).limit(per_page).offset((page - 1) * per_page)
    ))
    return Page(items=items, total=total, page=page, per_page=per_page)


def item_choices(org) -> list[tuple[int, str, str]]:
    """(id, name, unit) of every active item, for pickers (one query, columns only)."""
    rows = db.session.execute(
        scoped(InventoryItem, org, InventoryItem.id, InventoryItem.name, InventoryItem.unit)
        .where(InventoryItem.archived_at.is_(None))
        .order_by(func.lower(InventoryItem.name))
    ).all()
    return [(row.id, row.name, row.unit) for row in rows]


def items_linked_to_library(org, global_item_ids) -> dict[int, int]:
    """{library entry id: item id} for the organization's active items linked to these entries (one query)."""
    ids = sorted({int(i) for i in global_item_ids})
    if not ids:
        return {}
    rows = db.session.execute(
        scoped(InventoryItem, org, InventoryItem.global_item_id, InventoryItem.id)
        .where(InventoryItem.global_item_id.in_(ids), InventoryItem.archived_at.is_(None))
    )
    return {global_id: item_id for global_id, item_id in rows}


def inventory_stats(org, now: datetime, days: int) -> dict:
    """Dashboard numbers in four aggregate queries: items, value, low stock, expiring and expired lots.

    Low stock matches item_summaries: usable stock (not expired, not on hold) at or below the reorder point.
    """
    today = org_today(org, now)
    active = InventoryItem.archived_at.is_(None)
    items = db.session.scalar(scoped(InventoryItem, org, func.count(InventoryItem.id)).where(active)) or 0
    usable = (scoped(InventoryLot, org, InventoryLot.item_id.label("item_id"),
                     func.sum(InventoryLot.remaining_quantity).label("usable"))
              .where(usable_condition(now, today)).group_by(InventoryLot.item_id).subquery())
    low_stock = db.session.scalar(
        scoped(InventoryItem, org, func.count(InventoryItem.id))
        .outerjoin(usable, usable.c.item_id == InventoryItem.id)
        .where(active, InventoryItem.reorder_point.is_not(None),
               func.coalesce(usable.c.usable, 0) <= InventoryItem.reorder_point)
    ) or 0
    in_stock = InventoryLot.remaining_quantity > 0
    value = db.session.scalar(
        scoped(InventoryLot, org, exact_product_sum(InventoryLot.remaining_quantity, InventoryLot.unit_cost))
        .join(InventoryItem, InventoryItem.id == InventoryLot.item_id)
        .where(in_stock, active)
    )
    horizon = today + timedelta(days=days)
    row = db.session.execute(
        scoped(InventoryLot, org,
               func.count(InventoryLot.id).filter(InventoryLot.expires_on < today),
               func.count(InventoryLot.id).filter(InventoryLot.expires_on >= today, InventoryLot.expires_on <= horizon))
        .where(in_stock, InventoryLot.expires_on.is_not(None))
    ).one()
    return {"items": items, "value": Decimal(value or 0), "low_stock": low_stock, "expired": row[0] or 0,
            "expiring": row[1] or 0, "days": days}
