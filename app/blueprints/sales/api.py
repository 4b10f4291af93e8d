"""Sales, returns, reservations and products JSON API (API.md, "Sales")."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields, validate

from ...models import RESERVATION_STATUSES
from ...models.types import utcnow
from ...services import products, reservations, sales
from ..api_v1 import DecimalString, Id, PageArgs, QuantityInput, api_actor, page_envelope, page_schema
from ..decorators import require_permission
from ..idempotency import idempotent
from ..inventory.api import EventSchema, UTCTime, event_json

blp = Blueprint("sales_api", __name__, url_prefix="/api/v1", description="Sales, returns, reservations, products")


# ---- output ------------------------------------------------------------------------------------------

class SaleConsumptionSchema(Schema):
    lot_code = fields.String()
    lot_id = fields.Integer()
    quantity = DecimalString()
    unit_cost = DecimalString()
    cost = DecimalString()
    returned_quantity = DecimalString()


class SaleSchema(Schema):
    id = fields.Integer()
    item_id = fields.Integer()
    sku_id = fields.Integer(allow_none=True)
    sku_code = fields.String(allow_none=True)
    quantity = DecimalString()
    unit_price = DecimalString()
    revenue = DecimalString()
    cogs = DecimalString()
    margin = DecimalString(metadata={"description": "revenue − cogs, exactly"})
    order_ref = fields.String(allow_none=True)
    channel = fields.String(allow_none=True)
    customer = fields.String(allow_none=True)
    reservation_id = fields.Integer(allow_none=True)
    returned_quantity = DecimalString()
    returned_revenue = DecimalString()
    returned_cogs = DecimalString()
    consumption = fields.List(fields.Nested(SaleConsumptionSchema))
    created_at = UTCTime()
    user_id = fields.Integer(allow_none=True)


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
    status = fields.String(metadata={"enum": ["open", "released", "converted", "expired"]})
    expires_at = UTCTime()
    sale_id = fields.Integer(allow_none=True)
    created_at = UTCTime()
    closed_at = UTCTime(allow_none=True)


ReservationList = page_schema(ReservationSchema)


class SkuSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    product_id = fields.Integer()
    variant_id = fields.Integer(allow_none=True)
    variant = fields.String(allow_none=True)
    item_id = fields.Integer()
    size_label = fields.String()
    retail_price = DecimalString(allow_none=True)
    wholesale_price = DecimalString(allow_none=True)
    barcode = fields.String(allow_none=True)
    container_item_id = fields.Integer(allow_none=True)
    quantity = DecimalString()
    available = DecimalString()
    value = DecimalString()


class ProductSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    description = fields.String()
    category = fields.String()
    archived = fields.Boolean()
    variants = fields.List(fields.Dict())
    skus = fields.List(fields.Nested(SkuSchema))


ProductList = page_schema(ProductSchema)


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


class ProductListArgs(PageArgs):
    q = fields.String(load_default=None)
    category = fields.String(load_default=None)
    include_archived = fields.Boolean(load_default=False)


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
    return sale_json(org, user, sale.id)


@blp.route("/sales", methods=["GET"])
@blp.arguments(SaleListArgs, location="query")
@blp.response(200, SaleList)
@require_permission("sales.view")
def sale_list(args):
    """Sales newest first, with totals (revenue, cogs, margin) over the whole filter."""
    org, user = api_actor()
    page = sales.list_sales(org, user, q=args["q"], channel=args["channel"], item_id=args["item_id"],
                            sku_id=args["sku_id"], date_from=args["date_from"], date_to=args["date_to"],
                            page=args["page"], per_page=args["per_page"])
    lot_codes = sales.lot_codes(org, [row.sale for row in page.items])
    body = page_envelope([_sale_dict(row.sale, row.sku, lot_codes) for row in page.items], page.page,
                         page.per_page, page.total)
    totals = page.totals
    body["totals"] = {"count": totals.count, "quantity": totals.quantity, "revenue": totals.revenue,
                      "cogs": totals.cogs, "margin": totals.margin, "returned_revenue": totals.returned_revenue,
                      "returned_cogs": totals.returned_cogs}
    return body


@blp.route("/sales/<int:sale_id>", methods=["GET"])
@blp.response(200, SaleSchema)
@require_permission("sales.view")
def sale_detail(sale_id: int):
    """One sale with the lots it drew from."""
    org, user = api_actor()
    return sale_json(org, user, sale_id)


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
    return {"events": [event_json(event) for event in events], "sale": sale_json(org, user, sale_id)}


def sale_json(org, actor, sale_id) -> dict:
    """The API.md Sale."""
    record = sales.sale_record(org, actor, sale_id)
    codes = {lot.id: lot.code for _, lot in record.consumption}
    return _sale_dict(record.sale, record.sku, codes)


def _sale_dict(sale, sku, lot_codes: dict[int, str]) -> dict:
    revenue, cogs, margin = sales.exact_figures(sale)
    return {
        "id": sale.id, "item_id": sale.item_id, "sku_id": sale.sku_id, "sku_code": sku.code if sku else None,
        "quantity": sale.quantity, "unit_price": sale.unit_price, "revenue": revenue, "cogs": cogs,
        "margin": margin, "order_ref": sale.order_ref, "channel": sale.channel, "customer": sale.customer,
        "reservation_id": sale.reservation_id, "returned_quantity": sale.returned_quantity,
        "returned_revenue": sale.returned_revenue, "returned_cogs": sale.returned_cogs,
        "consumption": [{"lot_code": lot_codes.get(row.lot_id), "lot_id": row.lot_id, "quantity": row.quantity,
                         "unit_cost": row.unit_cost, "cost": sales.line_cost(row),
                         "returned_quantity": row.returned_quantity}
                        for row in sale.consumption],
        "created_at": sale.created_at, "user_id": sale.user_id,
    }


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
    return reservation_json(reservation)


@blp.route("/reservations", methods=["GET"])
@blp.arguments(ReservationListArgs, location="query")
@blp.response(200, ReservationList)
@require_permission("sales.view")
def reservation_list(args):
    """Reservations: open ones first by expiry; ?status=open|released|converted|expired."""
    org, user = api_actor()
    page = reservations.list_reservations(org, user, status=args["status"], item_id=args["item_id"], q=args["q"],
                                          page=args["page"], per_page=args["per_page"])
    return page_envelope([reservation_json(row.reservation, row.status) for row in page.items], page.page,
                         page.per_page, page.total)


@blp.route("/reservations/<int:reservation_id>", methods=["GET"])
@blp.response(200, ReservationSchema)
@require_permission("sales.view")
def reservation_detail(reservation_id: int):
    """One reservation."""
    org, user = api_actor()
    return reservation_json(reservations.get_reservation(org, user, reservation_id))


@blp.route("/reservations/<int:reservation_id>/release", methods=["POST"])
@blp.response(200, ReservationSchema)
@blp.alt_response(409, description="The reservation is not open")
@require_permission("reservations.manage")
def reservation_release(reservation_id: int):
    """Release the held stock back to available."""
    org, user = api_actor()
    return reservation_json(reservations.release_reservation(org, user, reservation_id))


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
    return sale_json(org, user, sale.id)


def reservation_json(reservation, status: str | None = None) -> dict:
    return {"id": reservation.id, "item_id": reservation.item_id, "quantity": reservation.quantity,
            "order_ref": reservation.order_ref, "customer": reservation.customer or "",
            "status": status or reservation.effective_status(utcnow()), "expires_at": reservation.expires_at,
            "sale_id": reservation.sale_id, "created_at": reservation.created_at,
            "closed_at": reservation.closed_at}


# ---- products (read) ---------------------------------------------------------------------------------

@blp.route("/products", methods=["GET"])
@blp.arguments(ProductListArgs, location="query")
@blp.response(200, ProductList)
@require_permission("products.view")
def product_list(args):
    """Products with their variants and SKUs (stock on hand, available, value)."""
    org, user = api_actor()
    page = products.list_products(org, user, q=args["q"], category=args["category"],
                                  include_archived=args["include_archived"], page=args["page"],
                                  per_page=args["per_page"])
    return page_envelope([_product_dict(row) for row in page.items], page.page, page.per_page, page.total)


@blp.route("/products/<int:product_id>", methods=["GET"])
@blp.response(200, ProductSchema)
@require_permission("products.view")
def product_detail(product_id: int):
    """One product with its variants and SKUs."""
    org, user = api_actor()
    return _product_dict(products.get_product_detail(org, user, product_id))


def _product_dict(row) -> dict:
    product = row.product
    return {"id": product.id, "name": product.name, "description": product.description or "",
            "category": product.category or "", "archived": product.archived_at is not None,
            "variants": [{"id": v.id, "name": v.name} for v in row.variants],
            "skus": [{"id": s.sku.id, "code": s.sku.code, "product_id": s.sku.product_id,
                      "variant_id": s.sku.variant_id, "variant": s.variant.name if s.variant else None,
                      "item_id": s.sku.item_id,
                      "size_label": s.sku.size_label or "", "retail_price": s.sku.retail_price,
                      "wholesale_price": s.sku.wholesale_price, "barcode": s.sku.barcode,
                      "container_item_id": s.sku.container_item_id, "quantity": s.quantity,
                      "available": s.available, "value": s.value}
                     for s in row.skus]}
