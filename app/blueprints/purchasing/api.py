"""Purchase orders JSON API (API.md, Control tower → Purchase orders)."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields, validate

from ...models import PO_STATUSES
from ...services import purchasing
from ..api_v1 import DecimalString, Id, PageArgs, QuantityInput, api_actor, page_schema
from ..decorators import require_permission
from ..idempotency import idempotent
from ..inventory.api import UTCTime

blp = Blueprint("purchasing_api", __name__, url_prefix="/api/v1/purchase-orders",
                description="Purchase orders: draft, send, receive into lots")


# ---- output ------------------------------------------------------------------------------------------

class PurchaseOrderLineSchema(Schema):
    id = fields.Integer()
    item_id = fields.Integer()
    quantity = DecimalString(metadata={"description": "In the item's unit"})
    unit = fields.String(metadata={"description": "The item's unit"})
    unit_cost = DecimalString(metadata={"description": "Per `unit`; every lot received against the line costs this"})
    received_quantity = DecimalString()


class PurchaseOrderSchema(Schema):
    id = fields.Integer()
    number = fields.String(metadata={"example": "PO-2026-0001"})
    supplier_id = fields.Integer()
    status = fields.String(metadata={"enum": list(PO_STATUSES)})
    notes = fields.String()
    lines = fields.List(fields.Nested(PurchaseOrderLineSchema))
    total = fields.Function(lambda order: _decimal(purchasing.order_total(order)),
                            metadata={"type": "string", "format": "decimal",
                                      "description": "Σ quantity × unit cost over the lines"})
    created_at = UTCTime()
    sent_at = UTCTime(allow_none=True)
    received_at = UTCTime(allow_none=True)
    cancelled_at = UTCTime(allow_none=True)


def _decimal(value):
    from ..api_v1 import decimal_text

    return decimal_text(value)


PurchaseOrderPage = page_schema(PurchaseOrderSchema)


# ---- input -------------------------------------------------------------------------------------------

class PurchaseOrderLineInput(Schema):
    class Meta:
        unknown = EXCLUDE

    item_id = Id(required=True)
    quantity = QuantityInput(required=True)
    unit = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40),
                         metadata={"description": "Default: the item's unit (stored converted to it)"})
    unit_cost = DecimalString(load_default=None, allow_none=True,
                              metadata={"description": "Per `unit`; blank: the supplier's price for the item"})


class PurchaseOrderCreate(Schema):
    class Meta:
        unknown = EXCLUDE

    supplier_id = Id(required=True)
    lines = fields.List(fields.Nested(PurchaseOrderLineInput), required=True, validate=validate.Length(min=1, max=200))
    notes = fields.String(load_default="", allow_none=True, validate=validate.Length(max=5000))


class PurchaseOrderLineEdit(PurchaseOrderLineInput):
    id = Id(load_default=None, allow_none=True, metadata={"description": "A line of this order to change; "
                                                                         "absent: a new line"})


class PurchaseOrderUpdate(Schema):
    class Meta:
        unknown = EXCLUDE

    lines = fields.List(fields.Nested(PurchaseOrderLineEdit), load_default=None, validate=validate.Length(max=200),
                        metadata={"description": "Replaces the lines: lines left out are removed"})
    notes = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))


class PurchaseOrderReceiptLine(Schema):
    class Meta:
        unknown = EXCLUDE

    line_id = Id(required=True)
    quantity = QuantityInput(required=True, metadata={"description": "In the line's unit; at most what is open"})
    expires_at = fields.String(load_default=None, allow_none=True, metadata={"format": "date"})
    supplier_lot_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=80))
    location_id = Id(load_default=None, allow_none=True)


class PurchaseOrderReceipt(Schema):
    class Meta:
        unknown = EXCLUDE

    lines = fields.List(fields.Nested(PurchaseOrderReceiptLine), required=True, validate=validate.Length(min=1, max=200))


class PurchaseOrderListArgs(PageArgs):
    status = fields.String(load_default=None, validate=validate.OneOf([*PO_STATUSES, "open"]))
    supplier_id = Id(load_default=None)


# ---- endpoints ---------------------------------------------------------------------------------------

@blp.route("", methods=["POST"])
@idempotent
@require_permission("suppliers.manage")
@blp.arguments(PurchaseOrderCreate)
@blp.response(201, PurchaseOrderSchema)
def purchase_order_create(data):
    """Draft a purchase order to one supplier (quantities and unit costs per line)."""
    org, user = api_actor()
    return purchasing.create_purchase_order(org, user, supplier_id=data["supplier_id"], lines=data["lines"],
                                            notes=data["notes"] or "")


@blp.route("", methods=["GET"])
@require_permission("suppliers.view")
@blp.arguments(PurchaseOrderListArgs, location="query")
@blp.response(200, PurchaseOrderPage)
def purchase_order_list(args):
    """Purchase orders, newest first (?status=draft|sent|partially_received|received|cancelled|open)."""
    org, user = api_actor()
    result = purchasing.list_purchase_orders(org, user, status=args["status"], supplier_id=args["supplier_id"],
                                             page=args["page"], per_page=args["per_page"])
    return {"items": result.items, "page": result.page, "per_page": result.per_page, "total": result.total}


@blp.route("/<int:po_id>", methods=["GET"])
@require_permission("suppliers.view")
@blp.response(200, PurchaseOrderSchema)
def purchase_order_detail(po_id: int):
    """One purchase order with its lines."""
    org, user = api_actor()
    return purchasing.get_purchase_order(org, user, po_id)


@blp.route("/<int:po_id>", methods=["PATCH"])
@require_permission("suppliers.manage")
@blp.arguments(PurchaseOrderUpdate)
@blp.response(200, PurchaseOrderSchema)
@blp.alt_response(409, description="invalid_state: only a draft's lines can be changed")
def purchase_order_update(data, po_id: int):
    """Change a draft's lines (the list replaces them) and notes."""
    org, user = api_actor()
    return purchasing.update_purchase_order(org, user, po_id, lines=data["lines"], notes=data["notes"])


@blp.route("/<int:po_id>/send", methods=["POST"])
@require_permission("suppliers.manage")
@blp.response(200, PurchaseOrderSchema)
@blp.alt_response(409, description="invalid_state: only a draft can be sent")
def purchase_order_send(po_id: int):
    """Mark a draft as sent: its quantities now count as on order."""
    org, user = api_actor()
    return purchasing.send_purchase_order(org, user, po_id)


@blp.route("/<int:po_id>/cancel", methods=["POST"])
@require_permission("suppliers.manage")
@blp.response(200, PurchaseOrderSchema)
@blp.alt_response(409, description="invalid_state: already received or cancelled")
def purchase_order_cancel(po_id: int):
    """Cancel an order (what is still open of it); lots already received stay."""
    org, user = api_actor()
    return purchasing.cancel_purchase_order(org, user, po_id)


@blp.route("/<int:po_id>/receive", methods=["POST"])
@idempotent
@require_permission("inventory.adjust")
@blp.arguments(PurchaseOrderReceipt)
@blp.response(200, PurchaseOrderSchema)
@blp.alt_response(409, description="invalid_state: the order is a draft, cancelled or already received")
def purchase_order_receive(data, po_id: int):
    """Receive quantities against lines: each one a restock lot at the line's unit cost; more than a line's
    open quantity → 422."""
    org, user = api_actor()
    return purchasing.receive_purchase_order(org, user, po_id, data["lines"])
