"""Inventory JSON API: items, their lots, adjustments and the ledger (API.md, "Inventory")."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timezone

from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields, validate

from ...models import ITEM_KINDS
from ...models.types import utcnow
from ...services import control_tower, inventory
from ...services.timezones import org_today
from ..api_v1 import BoundedInteger, DecimalString, Id, PageArgs, QuantityInput, api_actor, page_envelope, page_schema
from ..decorators import require_permission
from ..idempotency import idempotent
from ..reports.schemas import ReorderFigures

blp = Blueprint("inventory_api", __name__, url_prefix="/api/v1/inventory", description="Inventory")


class UTCTime(fields.Field):
    """An aware time as ISO 8601 UTC with a Z (2026-11-21T14:03:00Z)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).update({"type": "string", "format": "date-time"})
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


# ---- output ----------------------------------------------------------------------------------------

class _Computed:
    """A field whose value is computed from the whole object being dumped (`value(obj)`)."""

    def __init__(self, value, **kwargs):
        self.value = value
        super().__init__(**kwargs)

    def serialize(self, attr, obj, accessor=None, **kwargs):
        return self._serialize(self.value(obj), attr, obj, **kwargs)


class _ComputedString(_Computed, fields.String):
    pass


class _ComputedBoolean(_Computed, fields.Boolean):
    pass


def _lot_status(lot) -> str:
    now = utcnow()
    return lot.status(org_today(lot.organization_id, now), now)


class LotSchema(Schema):
    """Dumps an InventoryLot (status derived now)."""

    id = fields.Integer()
    code = fields.String()
    item_id = fields.Integer()
    remaining = DecimalString(attribute="remaining_quantity")
    original = DecimalString(attribute="original_quantity")
    unit_cost = DecimalString()
    received_at = UTCTime()
    expires_at = fields.Date(attribute="expires_on", allow_none=True)
    status = _ComputedString(_lot_status, metadata={"enum": ["active", "expired", "on_hold", "depleted"]})
    supplier_lot_code = fields.String(allow_none=True)
    hold_until = fields.Date(allow_none=True, metadata={"description": "Cure / hold date (YYYY-MM-DD, the "
                                                             "organization's calendar date): on hold before it"})
    location_id = fields.Integer(allow_none=True, metadata={"description": "Where the lot is (null: the default "
                                                                           "location, on rows from before locations)"})
    in_transit = fields.Boolean(metadata={"description": "On its way to location_id (a transfer not yet received)"})
    source_lot_id = fields.Integer(allow_none=True, metadata={"description": "The lot this one was transferred from"})


class LotWith:
    """A lot with extra attributes, for schemas that extend LotSchema (a recall line adds level and item_name)."""

    def __init__(self, lot, **extra):
        self._lot = lot
        self.__dict__.update(extra)

    def __getattr__(self, name):
        return getattr(self._lot, name)


@dataclass
class ItemView:
    """What ItemSchema dumps: the item, its figures (inventory.item_summaries) and, for one item, its lots."""

    item: object
    summary: inventory.ItemSummary
    lots: list | None = None
    reorder: dict | None = None  # the reorder engine's figures (services.control_tower)

    def __getattr__(self, name):
        return getattr(self.item, name)


class LocationStock(Schema):
    """An item's stock at one location (in-transit stock counts at none)."""

    location_id = fields.Integer(allow_none=True)
    quantity = DecimalString()
    available = DecimalString(metadata={"description": "Usable there (not expired, not on hold)"})


class ItemSchema(Schema):
    """Dumps an ItemView."""

    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    unit = fields.String()
    quantity = DecimalString()
    available = DecimalString(attribute="summary.available")
    density = DecimalString(allow_none=True)
    shelf_life_days = fields.Integer(allow_none=True)
    reorder_point = DecimalString(allow_none=True)
    safety_stock = DecimalString(allow_none=True)
    unit_cost = DecimalString(attribute="summary.avg_unit_cost", allow_none=True,
                              metadata={"description": "Weighted average of remaining lots"})
    value = DecimalString(attribute="summary.value")
    inci_name = fields.String(allow_none=True)
    allergens = _ComputedString(lambda view: view.allergens or "")
    capacity = DecimalString(allow_none=True)
    capacity_unit = fields.String(allow_none=True)
    supplier_id = fields.Integer(allow_none=True)
    global_item_id = fields.Integer(allow_none=True)
    archived = _ComputedBoolean(lambda view: view.archived_at is not None)
    low_stock = fields.Boolean(attribute="summary.low_stock")
    allow_fractions = _ComputedBoolean(lambda view: bool(view.allow_fractions))
    sku = fields.String(allow_none=True, metadata={"description": "The shop SKU code shop orders match"})
    barcode = fields.String(allow_none=True, metadata={
        "description": "The scannable code on what is received (EAN, UPC…), spaces removed; unique per organization"})
    lead_time_days = fields.Integer(allow_none=True, metadata={"description": "null: the supplier's, else 7"})
    reorder = fields.Nested(ReorderFigures, allow_none=True)
    in_transit = DecimalString(attribute="summary.in_transit", metadata={
        "description": "Stock in transfers not yet received (in no location's available)"})
    by_location = fields.List(fields.Nested(LocationStock), attribute="summary.by_location")
    lots = fields.List(fields.Nested(LotSchema))


class ItemBrief(ItemSchema):
    """An Item without its lots (list responses)."""

    class Meta:
        exclude = ("lots",)


ItemList = page_schema(ItemBrief)


class EventSchema(Schema):
    """Dumps an InventoryEvent (its lot loaded)."""

    id = fields.Integer()
    code = fields.String()
    change_type = fields.String()
    quantity = DecimalString()
    lot_code = _ComputedString(lambda event: event.lot.code if event.lot is not None else None, allow_none=True)
    unit_cost = DecimalString(allow_none=True)
    batch_id = fields.Integer(allow_none=True)
    sale_id = fields.Integer(allow_none=True)
    created_at = UTCTime()
    user_id = fields.Integer(allow_none=True)
    notes = _ComputedString(lambda event: event.notes or "")
    reverses_event_id = fields.Integer(allow_none=True)


EventList = page_schema(EventSchema)


class AdjustmentResponse(Schema):
    events = fields.List(fields.Nested(EventSchema))
    item = fields.Nested(ItemSchema)


# ---- input -----------------------------------------------------------------------------------------

class ItemCreate(Schema):
    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True)
    kind = fields.String(required=True, metadata={"enum": ["ingredient", "container", "packaging", "consumable",
                                                           "product"]})
    unit = fields.String(required=True)
    density = DecimalString(allow_none=True, load_default=None)
    shelf_life_days = BoundedInteger(allow_none=True, load_default=None)
    reorder_point = DecimalString(allow_none=True, load_default=None)
    safety_stock = DecimalString(allow_none=True, load_default=None)
    inci_name = fields.String(allow_none=True, load_default=None)
    allergens = fields.String(allow_none=True, load_default="")
    capacity = DecimalString(allow_none=True, load_default=None)
    capacity_unit = fields.String(allow_none=True, load_default=None)
    supplier_id = Id(allow_none=True, load_default=None)
    notes = fields.String(allow_none=True, load_default="")
    global_item_id = Id(allow_none=True, load_default=None)
    allow_fractions = fields.Boolean(load_default=False, metadata={
        "description": "Count-unit items (each, dozen) take whole numbers unless this is true"})
    sku = fields.String(allow_none=True, load_default=None, metadata={
        "description": "The shop's SKU code (unique per organization); shop orders match it exactly after trimming"})
    lead_time_days = BoundedInteger(minimum=0, maximum=365, allow_none=True, load_default=None, metadata={
        "description": "Days from order to delivery; null: the supplier's lead time, else 7"})
    barcode = fields.String(allow_none=True, load_default=None, metadata={
        "description": "The scannable code on what is received (EAN, UPC…): spaces are removed, blank is none; "
                       "unique per organization across items and SKUs (a duplicate → 422 with fields.barcode)"})


class ItemListArgs(PageArgs):
    kind = fields.String(load_default=None, validate=validate.OneOf(ITEM_KINDS))
    q = fields.String(load_default=None)
    sort = fields.String(load_default="name", validate=validate.OneOf(inventory.LIST_SORTS))
    include_archived = fields.Boolean(load_default=False)


class AdjustmentRequest(Schema):
    class Meta:
        unknown = EXCLUDE

    change_type = fields.Raw(required=True, metadata={"type": "string", "enum": sorted(inventory.ALL_CHANGE_TYPES)})
    quantity = QuantityInput(load_default=None)
    unit = fields.String(allow_none=True, load_default=None)
    unit_cost = DecimalString(allow_none=True, load_default=None)
    expires_at = fields.String(allow_none=True, load_default=None, metadata={"format": "date"})
    received_at = fields.String(allow_none=True, load_default=None, metadata={"format": "date-time"})
    supplier_id = Id(allow_none=True, load_default=None)
    supplier_lot_code = fields.String(allow_none=True, load_default=None)
    lot_code = fields.String(allow_none=True, load_default=None)
    notes = fields.String(allow_none=True, load_default="")
    location_id = Id(allow_none=True, load_default=None, metadata={
        "description": "Restock: where the lot goes (default location when absent); deduction: the only location "
                       "it takes from (absent: FIFO across all locations)"})


# ---- views -----------------------------------------------------------------------------------------

@blp.route("", methods=["POST"])
@require_permission("inventory.edit")
@blp.arguments(ItemCreate)
@blp.response(201, ItemSchema)
@blp.alt_response(422, description="Invalid field, unknown unit or kind")
def item_create(data):
    """Create an item (no stock yet: record stock with a restock adjustment)."""
    org, user = api_actor()
    data["notes"] = data.get("notes") or ""
    data["allergens"] = data.get("allergens") or ""
    item = inventory.create_item(org, user, **data)
    return _item_view(org, user, item)


@blp.route("", methods=["GET"])
@require_permission("inventory.view")
@blp.arguments(ItemListArgs, location="query")
@blp.response(200, ItemList)
def item_list(args):
    """Items (without lots), filtered by ?kind= and ?q=, paginated."""
    org, user = api_actor()
    page = inventory.list_items(org, user, q=args["q"], kind=args["kind"], sort=args["sort"],
                                include_archived=args["include_archived"], page=args["page"],
                                per_page=args["per_page"])
    summaries = inventory.item_summaries(org, page.items)
    reorder = control_tower.reorder_for_items(org, page.items, summaries=summaries)
    rows = [ItemView(item, summaries[item.id], reorder=reorder[item.id].as_json()) for item in page.items]
    return page_envelope(rows, page.page, page.per_page, page.total)


@blp.route("/<int:item_id>", methods=["GET"])
@require_permission("inventory.view")
@blp.response(200, ItemSchema)
def item_detail(item_id: int):
    """One item with its lots that hold stock, in consumption order."""
    org, user = api_actor()
    return _item_view(org, user, inventory.get_item(org, user, item_id))


@blp.route("/<int:item_id>/adjustments", methods=["POST"])
@idempotent
@require_permission("inventory.adjust")
@blp.arguments(AdjustmentRequest)
@blp.response(201, AdjustmentResponse)
@blp.alt_response(422, description="insufficient_stock, invalid_quantity, unknown_unit, unknown_change_type …")
def adjustment_create(data, item_id: int):
    """Restock, deduct, recount, dispose or credit stock; one event per lot touched."""
    org, user = api_actor()
    data["notes"] = data.get("notes") or ""
    result = inventory.adjust(org, user, item_id, **data)
    return {"events": result.events, "item": _item_view(org, user, result.item)}


@blp.route("/<int:item_id>/events", methods=["GET"])
@require_permission("inventory.view")
@blp.arguments(PageArgs, location="query")
@blp.response(200, EventList)
def event_list(args, item_id: int):
    """The item's ledger, newest first."""
    org, user = api_actor()
    page = inventory.list_events(org, user, item_id, page=args["page"], per_page=args["per_page"])
    return page_envelope(page.items, page.page, page.per_page, page.total)


def _item_view(org, actor, item) -> ItemView:
    """One item with its figures, its reorder figures and the lots that hold stock, in consumption order."""
    summary = inventory.item_summary(org, item)
    reorder = control_tower.reorder_for_items(org, [item], summaries={item.id: summary})[item.id].as_json()
    return ItemView(item, summary, inventory.lots_in_consumption_order(org, actor, item.id), reorder=reorder)
