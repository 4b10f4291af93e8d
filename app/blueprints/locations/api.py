"""Locations and transfers JSON API (API.md, Control tower → Locations, Transfers)."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields, validate

from ...models import LOCATION_KINDS
from ...services import inventory
from ..api_v1 import DecimalString, Id, PageArgs, QuantityInput, api_actor, page_envelope, page_schema
from ..decorators import require_permission
from ..idempotency import idempotent
from ..inventory.api import LotSchema, UTCTime

blp = Blueprint("locations_api", __name__, url_prefix="/api/v1", description="Locations and transfers")


class LocationSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String(metadata={"enum": list(LOCATION_KINDS)})
    is_default = fields.Boolean()


class LocationCreate(Schema):
    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(LOCATION_KINDS))


class TransferSchema(Schema):
    id = fields.Integer()
    status = fields.String(metadata={"enum": ["received", "in_transit"]})
    item_id = fields.Integer()
    quantity = DecimalString()
    from_location_id = fields.Integer()
    to_location_id = fields.Integer()
    created_at = UTCTime()
    received_at = UTCTime(allow_none=True)
    lots = fields.List(fields.Nested(LotSchema))


class TransferCreate(Schema):
    class Meta:
        unknown = EXCLUDE

    item_id = Id(required=True)
    quantity = QuantityInput(required=True)
    unit = fields.String(load_default=None, allow_none=True)
    from_location_id = Id(required=True)
    to_location_id = Id(required=True)
    in_transit = fields.Boolean(load_default=False)
    notes = fields.String(load_default="", allow_none=True)


class _TransferView:
    def __init__(self, transfer, lots):
        self._transfer = transfer
        self.lots = lots

    def __getattr__(self, name):
        return getattr(self._transfer, name)


LocationPage = page_schema(LocationSchema)


@blp.route("/locations", methods=["GET"])
@require_permission("inventory.view")
@blp.arguments(PageArgs, location="query")
@blp.response(200, LocationPage)
def location_list(args):
    """The organization's locations, the default first, in the API.md list envelope."""
    org, user = api_actor()
    rows = inventory.list_locations(org, user)
    start = (args["page"] - 1) * args["per_page"]
    return page_envelope(rows[start:start + args["per_page"]], args["page"], args["per_page"], len(rows))


@blp.route("/locations", methods=["POST"])
@require_permission("inventory.edit")
@blp.arguments(LocationCreate)
@blp.response(201, LocationSchema)
@blp.alt_response(422, description="Missing name, name already used, unknown kind")
def location_create(data):
    """Add a location (workshop, warehouse, store or market)."""
    org, user = api_actor()
    return inventory.create_location(org, user, name=data["name"], kind=data["kind"])


@blp.route("/transfers", methods=["POST"])
@idempotent
@require_permission("inventory.adjust")
@blp.arguments(TransferCreate)
@blp.response(201, TransferSchema)
@blp.alt_response(422, description="Same location, too little usable stock at the source, invalid quantity")
def transfer_create(data):
    """Move stock between locations (FIFO over the source's usable lots); `in_transit` until received."""
    org, user = api_actor()
    transfer, lots = inventory.transfer_stock(
        org, user, item_id=data["item_id"], quantity=data["quantity"], unit=data["unit"],
        from_location_id=data["from_location_id"], to_location_id=data["to_location_id"],
        in_transit=data["in_transit"], notes=data.get("notes") or "")
    return _TransferView(transfer, lots)


@blp.route("/transfers/<int:transfer_id>", methods=["GET"])
@require_permission("inventory.view")
@blp.response(200, TransferSchema)
def transfer_detail(transfer_id: int):
    """One transfer with the lots it created at the destination."""
    org, user = api_actor()
    transfer = inventory.get_transfer(org, user, transfer_id)
    return _TransferView(transfer, inventory.transfer_lots(org, transfer))


@blp.route("/transfers/<int:transfer_id>/receive", methods=["POST"])
@require_permission("inventory.adjust")
@blp.response(200, TransferSchema)
@blp.alt_response(409, description="invalid_state: already received")
def transfer_receive(transfer_id: int):
    """Stock in transit arrives: its lots become available at the destination."""
    org, user = api_actor()
    transfer, lots = inventory.receive_transfer(org, user, transfer_id)
    return _TransferView(transfer, lots)
