"""Products JSON API (API.md, "Sales"): products with their variants and SKUs, read only."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from ...services import products
from ..api_v1 import DecimalString, PageArgs, api_actor, page_schema
from ..decorators import require_permission

blp = Blueprint("products_api", __name__, url_prefix="/api/v1", description="Products, variants and SKUs")


class SkuSchema(Schema):
    """A SKU row (services.products.SkuRow) with its stock figures."""

    id = fields.Integer(attribute="sku.id")
    code = fields.String(attribute="sku.code")
    product_id = fields.Integer(attribute="sku.product_id")
    variant_id = fields.Integer(attribute="sku.variant_id", allow_none=True)
    variant = fields.String(attribute="variant_name", allow_none=True)
    item_id = fields.Integer(attribute="sku.item_id")
    size_label = fields.String(attribute="sku.size_label")
    retail_price = DecimalString(attribute="sku.retail_price", allow_none=True)
    wholesale_price = DecimalString(attribute="sku.wholesale_price", allow_none=True)
    barcode = fields.String(attribute="sku.barcode", allow_none=True)
    container_item_id = fields.Integer(attribute="sku.container_item_id", allow_none=True)
    quantity = DecimalString()
    available = DecimalString()
    value = DecimalString()


class VariantSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class ProductSchema(Schema):
    """A product row (services.products.ProductRow / ProductDetail) with its variants and SKUs."""

    id = fields.Integer(attribute="product.id")
    name = fields.String(attribute="product.name")
    description = fields.String(attribute="product.description")
    category = fields.String(attribute="product.category")
    archived = fields.Boolean()
    variants = fields.List(fields.Nested(VariantSchema))
    skus = fields.List(fields.Nested(SkuSchema))


ProductList = page_schema(ProductSchema)


class ProductListArgs(PageArgs):
    q = fields.String(load_default=None)
    category = fields.String(load_default=None)
    include_archived = fields.Boolean(load_default=False)


@blp.route("/products", methods=["GET"])
@blp.arguments(ProductListArgs, location="query")
@blp.response(200, ProductList)
@require_permission("products.view")
def product_list(args):
    """Products with their variants and SKUs (stock on hand, available, value)."""
    org, user = api_actor()
    return products.list_products(org, user, q=args["q"], category=args["category"],
                                  include_archived=args["include_archived"], page=args["page"],
                                  per_page=args["per_page"])


@blp.route("/products/<int:product_id>", methods=["GET"])
@blp.response(200, ProductSchema)
@require_permission("products.view")
def product_detail(product_id: int):
    """One product with its variants and SKUs."""
    org, user = api_actor()
    return products.get_product_detail(org, user, product_id)
