"""Sales, returns and reservations JSON API (API.md, "Sales"); products are in blueprints/products/api.py."""
from __future__ import annotations

from dataclasses import replace

from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields, validate

from ...models import RESERVATION_STATUSES
from ...services import products, reservations, sales
from ..api_v1 import DecimalString, Id, PageArgs, QuantityInput, api_actor, page_schema
from ..decorators import require_permission
from ..idempotency import idempotent
from ..inventory.api import EventSchema, UTCTime

blp = Blueprint("sales_api", __name__, url_prefix="/api/v1", description="Sales, returns, reservations")


# ---- output ------------------------------------------------------------------------------------------

class SaleConsumptionSchema(Schema):
    """A lot the sale drew from (services.sales.SaleLine); cost = quantity × the lot's unit cost, exactly."""

    lot_code = fields.String()
    lot_id = fields.Integer(attribute="row.lot_id")
    quantity = DecimalString(attribute="row.quantity")
    unit_cost = DecimalString(attribute="row.unit_cost")
    cost = DecimalString()
    returned_quantity = DecimalString(attribute="row.returned_quantity")


class SaleSchema(Schema):
    """A sale (services.sales.SaleRow / SaleRecord) with revenue, cogs and margin exactly from its factors."""

    id = fields.Integer(attribute="sale.id")
    item_id = fields.Integer(attribute="sale.item_id")
    sku_id = fields.Integer(attribute="sale.sku_id", allow_none=True)
    sku_code = fields.String(attribute="sku_code", allow_none=True)
    quantity = DecimalString(attribute="sale.quantity")
    unit_price = DecimalString(attribute="sale.unit_price")
    revenue = DecimalString()
    cogs = DecimalString()
    margin = DecimalString(metadata={"description": "revenue − cogs, exactly"})
    below_cost = fields.Function(lambda row: row.revenue < row.cogs, metadata={
        "type": "boolean", "description": "Sold below its cost of goods (revenue < cogs); allowed, flagged"})
    order_ref = fields.String(attribute="sale.order_ref", allow_none=True)
    channel = fields.String(attribute="sale.channel", allow_none=True)
    customer = fields.String(attribute="sale.customer", allow_none=True)
    reservation_id = fields.Integer(attribute="sale.reservation_id", allow_none=True)
    returned_quantity = DecimalString(attribute="sale.returned_quantity")
    returned_revenue = DecimalString(attribute="sale.returned_revenue")
    returned_cogs = DecimalString(attribute="sale.returned_cogs")
    consumption = fields.List(fields.Nested(SaleConsumptionSchema), attribute="lines")
    created_at = UTCTime(attribute="sale.created_at")
    user_id = fields.Integer(attribute="sale.user_id", allow_none=True)


class SaleTotalsSchema(Schema):
    count = fields.Integer()
    quantity = DecimalString()
    revenue = DecimalString()
    cogs = DecimalString()
    margin = DecimalString()
    returned_revenue = DecimalString()
    returned_cogs = DecimalString()


class SaleList(page_schema(SaleSchema)):
    totals = fields.Nested(SaleTotalsSchema)


class ReturnResponse(Schema):
    events = fields.List(fields.Nested(EventSchema))
    sale = fields.Nested(SaleSchema)


class ReservationSchema(Schema):
    id = fields.Integer()
    item_id = fields.Integer()
    quantity = DecimalString()
    order_ref = fields.String()
    customer = fields.String()
    status = fields.String(attribute="current_status", metadata={"enum": ["open", "released", "converted", "expired"]})
    expires_at = UTCTime()
    sale_id = fields.Integer(allow_none=True)
    created_at = UTCTime()
    closed_at = UTCTime(allow_none=True)


ReservationList = page_schema(ReservationSchema)


# ---- input -------------------------------------------------------------------------------------------

class SaleCreate(Schema):
    class Meta:
        unknown = EXCLUDE

    item_id = fields.Raw(load_default=None, allow_none=True, metadata={"type": "integer"})
    sku_id = fields.Raw(load_default=None, allow_none=True, metadata={"type": "integer"})
    quantity = QuantityInput(required=True)
    unit = fields.String(load_default=None, allow_none=True)
    unit_price = DecimalString(load_default=None, allow_none=True,
                               metadata={"description": "Per unit sold; blank uses the SKU's retail price"})
    order_ref = fields.String(load_default=None, allow_none=True)
    channel = fields.String(load_default=None, allow_none=True)
    customer = fields.String(load_default=None, allow_none=True)
    reservation_id = fields.Raw(load_default=None, allow_none=True, metadata={"type": "integer"})
    notes = fields.String(load_default="", allow_none=True)


class SaleListArgs(PageArgs):
    q = fields.String(load_default=None)
    channel = fields.String(load_default=None)
    order_ref = fields.String(load_default=None, metadata={"description": "Exactly this order reference"})
    item_id = Id(load_default=None)
    sku_id = Id(load_default=None)
    date_from = fields.String(load_default=None, metadata={"format": "date"})
    date_to = fields.String(load_default=None, metadata={"format": "date"})


class ReturnCreate(Schema):
    class Meta:
        unknown = EXCLUDE

    quantity = QuantityInput(load_default=None, allow_none=True,
                             metadata={"description": "Default: everything not yet returned"})
    notes = fields.String(load_default="", allow_none=True)


class ReservationCreate(Schema):
    class Meta:
        unknown = EXCLUDE

    item_id = fields.Raw(load_default=None, allow_none=True, metadata={"type": "integer"})
    sku_id = fields.Raw(load_default=None, allow_none=True, metadata={"type": "integer"})
    quantity = QuantityInput(required=True)
    unit = fields.String(load_default=None, allow_none=True)
    order_ref = fields.String(load_default=None, allow_none=True)
    customer = fields.String(load_default="", allow_none=True)
    expires_at = fields.String(load_default=None, allow_none=True, metadata={"format": "date-time"})
    notes = fields.String(load_default="", allow_none=True)


class ReservationConvert(Schema):
    class Meta:
        unknown = EXCLUDE

    unit_price = DecimalString(load_default=None, allow_none=True)
    channel = fields.String(load_default=None, allow_none=True)
    quantity = QuantityInput(load_default=None, allow_none=True)


class ReservationListArgs(PageArgs):
    status = fields.String(load_default=None, validate=validate.OneOf(RESERVATION_STATUSES))
    item_id = Id(load_default=None)
    q = fields.String(load_default=None)


# ---- sales -------------------------------------------------------------------------------------------

@blp.route("/sales", methods=["POST"])
@idempotent
@blp.arguments(SaleCreate)
@blp.response(201, SaleSchema)
@blp.alt_response(422, description="insufficient_stock, invalid_quantity, or validation_error (e.g. unit_price)")
@require_permission("products.sell")
def sale_create(data):
    """Record a sale: oldest usable lots first; cogs from exactly those lots; margin = revenue − cogs."""
    org, user = api_actor()
    sale = sales.record_sale(org, user, item_id=data["item_id"], sku_id=data["sku_id"], quantity=data["quantity"],
                             unit=data["unit"], unit_price=data["unit_price"], order_ref=data["order_ref"],
                             channel=data["channel"], customer=data["customer"],
                             reservation_id=data["reservation_id"], notes=data.get("notes") or "")
    return sales.sale_record(org, user, sale.id)


@blp.route("/sales", methods=["GET"])
@blp.arguments(SaleListArgs, location="query")
@blp.response(200, SaleList)
@require_permission("sales.view")
def sale_list(args):
    """Sales newest first, with totals (revenue, cogs, margin) over the whole filter."""
    org, user = api_actor()
    page = sales.list_sales(org, user, q=args["q"], channel=args["channel"], order_ref=args["order_ref"],
                            item_id=args["item_id"],
                            sku_id=args["sku_id"], date_from=args["date_from"], date_to=args["date_to"],
                            page=args["page"], per_page=args["per_page"], with_lots=True)
    return page


@blp.route("/sales/<int:sale_id>", methods=["GET"])
@blp.response(200, SaleSchema)
@require_permission("sales.view")
def sale_detail(sale_id: int):
    """One sale with the lots it drew from."""
    org, user = api_actor()
    return sales.sale_record(org, user, sale_id)


@blp.route("/sales/<int:sale_id>/returns", methods=["POST"])
@idempotent
@blp.arguments(ReturnCreate)
@blp.response(201, ReturnResponse)
@blp.alt_response(409, description="Everything was already returned")
@require_permission("sales.return")
def sale_return(data, sale_id: int):
    """Return (part of) a sale: the stock goes back to the exact lots it came from."""
    org, user = api_actor()
    events = sales.return_sale(org, user, sale_id, quantity=data.get("quantity"), notes=data.get("notes") or "")
    return {"events": events, "sale": sales.sale_record(org, user, sale_id)}


# ---- reservations ------------------------------------------------------------------------------------

@blp.route("/reservations", methods=["POST"])
@blp.arguments(ReservationCreate)
@blp.response(201, ReservationSchema)
@blp.alt_response(422, description="insufficient_stock when more than is available is asked for")
@require_permission("reservations.manage")
def reservation_create(data):
    """Hold available stock for an open order (default 7 days)."""
    org, user = api_actor()
    item_id = data["item_id"]
    if item_id in (None, "") and data["sku_id"] not in (None, ""):
        item_id = products.get_sku(org, user, data["sku_id"]).item_id
    reservation = reservations.create_reservation(
        org, user, item_id=item_id, quantity=data["quantity"], unit=data["unit"], order_ref=data["order_ref"],
        customer=data.get("customer") or "", expires_at=data["expires_at"], notes=data.get("notes") or "")
    return reservation


@blp.route("/reservations", methods=["GET"])
@blp.arguments(ReservationListArgs, location="query")
@blp.response(200, ReservationList)
@require_permission("sales.view")
def reservation_list(args):
    """Reservations: open ones first by expiry; ?status=open|released|converted|expired."""
    org, user = api_actor()
    page = reservations.list_reservations(org, user, status=args["status"], item_id=args["item_id"], q=args["q"],
                                          page=args["page"], per_page=args["per_page"])
    return replace(page, items=[row.reservation for row in page.items])


@blp.route("/reservations/<int:reservation_id>", methods=["GET"])
@blp.response(200, ReservationSchema)
@require_permission("sales.view")
def reservation_detail(reservation_id: int):
    """One reservation."""
    org, user = api_actor()
    return reservations.get_reservation(org, user, reservation_id)


@blp.route("/reservations/<int:reservation_id>/release", methods=["POST"])
@blp.response(200, ReservationSchema)
@blp.alt_response(409, description="The reservation is not open")
@require_permission("reservations.manage")
def reservation_release(reservation_id: int):
    """Release the held stock back to available."""
    org, user = api_actor()
    return reservations.release_reservation(org, user, reservation_id)


@blp.route("/reservations/<int:reservation_id>/convert", methods=["POST"])
@blp.arguments(ReservationConvert)
@blp.response(201, SaleSchema)
@blp.alt_response(409, description="The reservation is not open")
@require_permission("reservations.manage")
def reservation_convert(data, reservation_id: int):
    """Turn the reservation into a sale (its held stock is this sale's to take)."""
    org, user = api_actor()
    sale = reservations.convert_reservation(org, user, reservation_id, unit_price=data["unit_price"],
                                            channel=data["channel"], quantity=data["quantity"])
    return sales.sale_record(org, user, sale.id)
