"""Receiving a purchase order, fully or in part: each received quantity becomes a restock lot through the
inventory service, at the line's unit cost, with its expiry, supplier lot code and location."""
from __future__ import annotations

import inspect
from decimal import Decimal

from ...extensions import db
from ...models import PurchaseOrder
from ...models.types import utcnow
from .. import inventory, tenancy, units
from ..authz import authorize
from ..base import unit_of_work
from ..errors import InvalidQuantity, InvalidState, ValidationFailed
from .orders import _status_text, field_prefix

RECEIVABLE = ("sent", "partially_received")


@unit_of_work
def receive_purchase_order(org, actor, po_id, lines) -> PurchaseOrder:
    """Receive quantities against an order's lines ({line_id, quantity, expires_at?, supplier_lot_code?,
    location_id?}): one restock lot per entry at the line's unit cost; the order becomes partially_received
    or, once nothing is open, received. A draft, cancelled or received order is InvalidState."""
    authorize(actor, org, "inventory.adjust")
    order = tenancy.get_for_org_for_update(PurchaseOrder, po_id, org)
    if order.status not in RECEIVABLE:
        hint = " Send it first." if order.status == "draft" else ""
        raise InvalidState(f"{order.number} is {_status_text(order)}; nothing can be received against it.{hint}")
    if not isinstance(lines, (list, tuple)) or not lines:
        raise ValidationFailed("Enter at least one received quantity.", fields={"lines": "Receive at least one line."})
    by_id = {line.id: line for line in order.lines}
    planned: dict[int, Decimal] = {}
    receipts = []
    for index, raw in enumerate(lines):
        if not isinstance(raw, dict):
            raise ValidationFailed("Each line is an object.", fields={f"lines.{index}": "Must be an object."})
        with field_prefix(f"lines.{index}."):
            line = by_id.get(tenancy.parse_id(raw.get("line_id")))
            if line is None:
                raise ValidationFailed("That line is not on this purchase order.",
                                       fields={"line_id": "Not a line of this order."})
            quantity = units.parse_quantity(raw.get("quantity"))
            planned[line.id] = planned.get(line.id, Decimal(0)) + quantity
            if planned[line.id] > line.open_quantity:
                message = (f"Only {units.clean_decimal(line.open_quantity)} {line.unit} of {line.item.name} is still "
                           f"open on {order.number}.")
                raise InvalidQuantity(message, fields={"quantity": f"At most {units.clean_decimal(line.open_quantity)}."})
            receipts.append((index, line, quantity, raw))
    accepts_location = "location_id" in inspect.signature(inventory.restock).parameters
    for index, line, quantity, raw in receipts:
        extra = {}
        if accepts_location and raw.get("location_id") not in (None, ""):
            extra["location_id"] = raw.get("location_id")
        with field_prefix(f"lines.{index}."):
            inventory.restock(org, actor, line.item_id, quantity=quantity, unit=line.unit,
                              unit_cost=line.unit_cost, expires_at=raw.get("expires_at") or None,
                              supplier_id=order.supplier_id, supplier_lot_code=raw.get("supplier_lot_code"),
                              notes=f"Received on purchase order {order.number}.", **extra)
        line.received_quantity = line.received_quantity + quantity
    if all(line.open_quantity <= 0 for line in order.lines):
        order.status = "received"
        order.received_at = utcnow()
    else:
        order.status = "partially_received"
    db.session.flush()
    return order
