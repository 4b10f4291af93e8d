"""Suppliers JSON API (API.md, Control tower → Suppliers) and a supplier's per-item order details."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields, validate

from ...services import purchasing, suppliers
from ..api_v1 import BoundedInteger, DecimalString, Id, PageArgs, api_actor, page_envelope, page_schema
from ..decorators import require_permission

blp = Blueprint("suppliers_api", __name__, url_prefix="/api/v1/suppliers", description="Suppliers")


class SupplierSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    email = fields.Function(lambda s: s.email or None, metadata={"type": "string", "nullable": True})
    phone = fields.Function(lambda s: s.phone or None, metadata={"type": "string", "nullable": True})
    lead_time_days = fields.Integer(allow_none=True)


class SupplierCreate(Schema):
    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    email = fields.Email(load_default="", allow_none=True, validate=validate.Length(max=255))
    phone = fields.String(load_default="", allow_none=True, validate=validate.Length(max=60))
    lead_time_days = BoundedInteger(minimum=0, maximum=365, load_default=None, allow_none=True,
                                    metadata={"description": "Days from ordering to delivery (reorder points)"})


class SupplierListArgs(PageArgs):
    include_archived = fields.Boolean(load_default=False)


class SupplierItemSchema(Schema):
    id = fields.Integer()
    supplier_id = fields.Integer()
    item_id = fields.Integer()
    supplier_code = fields.String()
    pack_size = DecimalString(allow_none=True, metadata={"description": "In the item's unit"})
    unit_price = DecimalString(allow_none=True, metadata={"description": "Per item unit"})


class SupplierItemSet(Schema):
    class Meta:
        unknown = EXCLUDE

    item_id = Id(required=True)
    supplier_code = fields.String(load_default="", allow_none=True, validate=validate.Length(max=80))
    pack_size = DecimalString(load_default=None, allow_none=True)
    unit_price = DecimalString(load_default=None, allow_none=True)


SupplierPage = page_schema(SupplierSchema)
SupplierItemPage = page_schema(SupplierItemSchema)


@blp.route("", methods=["POST"])
@require_permission("suppliers.manage")
@blp.arguments(SupplierCreate)
@blp.response(201, SupplierSchema)
def supplier_create(data):
    """Add a supplier (name unique among the organization's current suppliers)."""
    org, user = api_actor()
    return suppliers.create_supplier(org, user, name=data["name"], email=data["email"] or "",
                                     phone=data["phone"] or "", lead_time_days=data["lead_time_days"])


@blp.route("", methods=["GET"])
@require_permission("suppliers.view")
@blp.arguments(SupplierListArgs, location="query")
@blp.response(200, SupplierPage)
def supplier_list(args):
    """The organization's suppliers by name (archived ones with ?include_archived=true)."""
    org, user = api_actor()
    return _page(suppliers.list_suppliers(org, user, include_archived=args["include_archived"]), args)


@blp.route("/<int:supplier_id>", methods=["GET"])
@require_permission("suppliers.view")
@blp.response(200, SupplierSchema)
def supplier_detail(supplier_id: int):
    """One supplier."""
    org, user = api_actor()
    return suppliers.get_supplier(org, user, supplier_id)


@blp.route("/<int:supplier_id>/items", methods=["GET"])
@require_permission("suppliers.view")
@blp.arguments(PageArgs, location="query")
@blp.response(200, SupplierItemPage)
def supplier_item_list(args, supplier_id: int):
    """This supplier's order details per item (code, pack size, price), by item name."""
    org, user = api_actor()
    return _page(purchasing.list_supplier_items(org, user, supplier_id), args)


def _page(rows: list, args: dict) -> dict:
    page, per_page = args["page"], args["per_page"]
    start = (page - 1) * per_page
    return page_envelope(rows[start:start + per_page], page, per_page, len(rows))


@blp.route("/<int:supplier_id>/items", methods=["PUT"])
@require_permission("suppliers.manage")
@blp.arguments(SupplierItemSet)
@blp.response(200, SupplierItemSchema)
def supplier_item_set(data, supplier_id: int):
    """Record (or replace) how this supplier sells one item: their code, pack size and price per item unit."""
    org, user = api_actor()
    return purchasing.set_supplier_item(org, user, supplier_id, data["item_id"],
                                        supplier_code=data["supplier_code"] or "", pack_size=data["pack_size"],
                                        unit_price=data["unit_price"])
