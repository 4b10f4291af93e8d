"""A supplier's order details per item: their product code, pack size (item unit) and price per item unit.

Used by the reorder suggestions (order quantity rounded up to the pack size) and by purchase orders (the
default unit cost of a line).
"""
from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal

from sqlalchemy import func

from ...extensions import db
from ...models import InventoryItem, Supplier, SupplierItem
from ...models.types import COST_QUANTUM, QUANTUM
from .. import tenancy, units
from ..authz import authorize
from ..base import unit_of_work
from ..errors import InvalidQuantity, ValidationFailed
from ..validation import clean_text

MAX_UNIT_PRICE = Decimal("1e7")
ZERO = Decimal(0)


@unit_of_work
def set_supplier_item(org, actor, supplier_id, item_id, *, supplier_code="", pack_size=None,
                      unit_price=None) -> SupplierItem:
    """Record (or change) how this supplier sells this item: code, pack size and price per item unit."""
    authorize(actor, org, "suppliers.manage")
    supplier = tenancy.get_for_org(Supplier, supplier_id, org)
    item = _item(org, item_id)
    row = tenancy.find_for_org(SupplierItem, org, supplier_id=supplier.id, item_id=item.id)
    if row is None:
        row = SupplierItem(organization_id=org.id, supplier_id=supplier.id, item_id=item.id)
        db.session.add(row)
    row.supplier_code = clean_text(supplier_code, "supplier_code", 80)
    row.pack_size = parse_pack_size(pack_size)
    row.unit_price = parse_unit_cost(unit_price, "unit_price", allow_blank=True)
    db.session.flush()
    return row


@unit_of_work
def remove_supplier_item(org, actor, supplier_item_id) -> int:
    """Forget a supplier's order details for one item; returns the supplier's id."""
    authorize(actor, org, "suppliers.manage")
    row = tenancy.get_for_org(SupplierItem, supplier_item_id, org)
    supplier_id = row.supplier_id
    db.session.delete(row)
    db.session.flush()
    return supplier_id


def list_supplier_items(org, actor, supplier_id) -> list[SupplierItem]:
    """This supplier's per-item order details, by item name."""
    authorize(actor, org, "suppliers.view")
    supplier = tenancy.get_for_org(Supplier, supplier_id, org)
    stmt = (tenancy.scoped(SupplierItem, org).join(InventoryItem, InventoryItem.id == SupplierItem.item_id)
            .where(SupplierItem.supplier_id == supplier.id)
            .order_by(func.lower(InventoryItem.name), SupplierItem.id))
    return list(db.session.scalars(stmt))


def supplier_items_for(org, pairs) -> dict[tuple[int, int], SupplierItem]:
    """{(supplier_id, item_id): SupplierItem} for these pairs, in one query."""
    pairs = {(s, i) for s, i in pairs if s is not None and i is not None}
    if not pairs:
        return {}
    stmt = tenancy.scoped(SupplierItem, org).where(SupplierItem.supplier_id.in_({s for s, _ in pairs}),
                                                   SupplierItem.item_id.in_({i for _, i in pairs}))
    return {(row.supplier_id, row.item_id): row for row in db.session.scalars(stmt)
            if (row.supplier_id, row.item_id) in pairs}


def order_quantity(org, item, suggested: Decimal, pack_size: Decimal | None) -> Decimal:
    """What to order for a suggestion: rounded up to the stock unit's 6 places, to a whole number for items
    counted in whole units, then up to a whole number of packs when the supplier's pack size is known."""
    if suggested <= 0:
        return ZERO
    quantity = suggested.quantize(QUANTUM, rounding=ROUND_CEILING)
    if not item.allow_fractions and units.unit_def(org, item.unit).dimension == "count":
        quantity = quantity.to_integral_value(rounding=ROUND_CEILING)
    if pack_size is not None and pack_size > 0:
        packs = (quantity / pack_size).to_integral_value(rounding=ROUND_CEILING)
        quantity = packs * pack_size
    return units.clean_decimal(quantity)


def parse_pack_size(value) -> Decimal | None:
    """A pack size in the item's unit (blank: none), greater than zero."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    size = units.parse_quantity(value, "pack_size")
    rounded = size.quantize(QUANTUM, rounding=ROUND_HALF_EVEN)
    if rounded == 0:
        raise InvalidQuantity("That pack size is too small.", fields={"pack_size": "Too small."})
    return rounded


def parse_unit_cost(value, field: str = "unit_cost", *, allow_blank: bool = False) -> Decimal | None:
    """A unit cost or price: zero or more, below 10,000,000, at most 10 decimal places."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if allow_blank:
            return None
        raise ValidationFailed("Enter a unit cost.", fields={field: "Enter a unit cost."})
    cost = units.parse_decimal(value, field)
    if cost < 0:
        raise ValidationFailed("A unit cost cannot be negative.", fields={field: "Zero or more."})
    if cost >= MAX_UNIT_PRICE:
        raise ValidationFailed("That unit cost is too large.", fields={field: "Must be below 10,000,000."})
    return cost.quantize(COST_QUANTUM, rounding=ROUND_HALF_EVEN)


def _item(org, item_id) -> InventoryItem:
    """Another organization's item (or none) is NotFound, like any other id."""
    return tenancy.get_for_org(InventoryItem, item_id, org)


def order_quantities_for(org, reorder_lines) -> dict[int, dict]:
    """For reorder suggestions (control_tower.list_reorder lines): {item_id: {"order_quantity", "pack_size",
    "supplier_code", "unit_price"}}, the suggestion rounded up to the item's supplier's pack size."""
    reorder_lines = list(reorder_lines)
    details = supplier_items_for(org, [(line.item.supplier_id, line.item.id) for line in reorder_lines])
    result = {}
    for line in reorder_lines:
        detail = details.get((line.item.supplier_id, line.item.id))
        pack = detail.pack_size if detail else None
        result[line.item.id] = {
            "order_quantity": order_quantity(org, line.item, line.reorder.suggested_quantity, pack),
            "pack_size": pack, "supplier_code": detail.supplier_code if detail else "",
            "unit_price": detail.unit_price if detail else None}
    return result
