"""Traceability and recall JSON API (API.md, "Traceability")."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields, validate

from ...models import RECALL_STATUSES
from ...services import inventory, recalls, traceability
from ..api_v1 import DecimalString, PageArgs, api_actor, page_schema
from ..decorators import require_permission
from ..inventory.api import LotSchema, LotWith, UTCTime

blp = Blueprint("trace_api", __name__, url_prefix="/api/v1", description="Traceability and recalls")


class TraceBatchSchema(Schema):
    """A batch that used the traced (or recalled) lots: TraceBatch / RecallBatchLine."""

    id = fields.Integer(attribute="batch.id")
    label = fields.String(attribute="batch.label")
    quantity = DecimalString(metadata={"description": "Consumed from the traced lots"})
    status = fields.String(attribute="batch.status")


class TraceSaleSchema(Schema):
    """A sale from the traced (or recalled) lots: TraceSale / RecallSaleLine."""

    id = fields.Integer(attribute="sale.id")
    order_ref = fields.String(attribute="sale.order_ref", allow_none=True)
    quantity = DecimalString(metadata={"description": "Drawn from the traced lots"})
    returned_quantity = DecimalString()
    item_id = fields.Integer(attribute="sale.item_id")
    customer = fields.String(attribute="sale.customer", allow_none=True)
    channel = fields.String(attribute="sale.channel", allow_none=True)
    created_at = UTCTime(attribute="sale.created_at")


class BackwardBatchSchema(Schema):
    id = fields.Integer()
    label = fields.String()
    status = fields.String()


class ForwardSchema(Schema):
    batches = fields.List(fields.Nested(TraceBatchSchema))
    lots = fields.List(fields.Nested(LotSchema))
    sales = fields.List(fields.Nested(TraceSaleSchema))


class BackwardSchema(Schema):
    lots = fields.List(fields.Nested(LotSchema))
    batches = fields.List(fields.Nested(BackwardBatchSchema))


class TraceSchema(Schema):
    """services.traceability.Trace."""

    lot = fields.Nested(LotSchema)
    forward = fields.Nested(ForwardSchema)
    backward = fields.Nested(BackwardSchema)


class RecallLotSchema(LotSchema):
    level = fields.Integer()
    item_name = fields.String()


class RecallLotField(fields.Nested):
    """A RecallLotLine: the held lot in the Lot shape, with its level and item name."""

    def __init__(self, **kwargs):
        super().__init__(RecallLotSchema, **kwargs)

    def _serialize(self, line, attr, obj, **kwargs):
        return super()._serialize(LotWith(line.lot, level=line.level, item_name=line.item.name), attr, obj,
                                  **kwargs)


class RecallSchema(Schema):
    """services.recalls.RecallReport."""

    id = fields.Integer(attribute="recall.id")
    lot_code = fields.String(attribute="lot.code")
    reason = fields.String(attribute="recall.reason")
    status = fields.String(attribute="recall.status", metadata={"enum": ["active", "released"]})
    created_at = UTCTime(attribute="recall.created_at")
    released_at = UTCTime(attribute="recall.released_at", allow_none=True)
    lots = fields.List(RecallLotField())
    batches = fields.List(fields.Nested(TraceBatchSchema))
    sales = fields.List(fields.Nested(TraceSaleSchema))


class RecallBrief(Schema):
    """services.recalls.RecallRow."""

    id = fields.Integer(attribute="recall.id")
    lot_code = fields.String(allow_none=True)
    reason = fields.String(attribute="recall.reason")
    status = fields.String(attribute="recall.status")
    lots_held = fields.Integer()
    created_at = UTCTime(attribute="recall.created_at")
    released_at = UTCTime(attribute="recall.released_at", allow_none=True)


RecallList = page_schema(RecallBrief)


class RecallCreate(Schema):
    class Meta:
        unknown = EXCLUDE

    # the service refuses a recall without a reason (blank after trimming) or over 255 characters
    reason = fields.String(required=True, validate=validate.Length(min=1, max=255),
                           metadata={"description": "Why the lot is recalled (required)"})


class LotHoldInput(Schema):
    class Meta:
        unknown = EXCLUDE

    hold_until = fields.Raw(required=True, allow_none=True, metadata={
        "type": "string", "format": "date", "nullable": True,
        "description": "The date (YYYY-MM-DD, the organization's calendar) the lot can be used from; null releases"})


class LookupArgs(Schema):
    code = fields.String(required=True, metadata={"description": "A lot code, a batch code or a SKU code",
                                                  "maxLength": 80})


class LookupBatchSchema(Schema):
    id = fields.Integer()
    label = fields.String()
    status = fields.String()


class LookupSkuSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    item_id = fields.Integer()


class LookupSchema(Schema):
    kind = fields.String(metadata={"enum": ["lot", "batch", "sku"]})
    code = fields.String()
    lots = fields.List(fields.Nested(LotSchema), attribute="found_lots", metadata={"description": "Lots to trace (choose one)"})
    batch = fields.Nested(LookupBatchSchema, allow_none=True)
    sku = fields.Nested(LookupSkuSchema, allow_none=True)
    message = fields.String(metadata={"description": "Why there is no lot (a batch still in progress …)"})


class RecallListArgs(PageArgs):
    status = fields.String(load_default=None, validate=validate.OneOf(RECALL_STATUSES))


@blp.route("/lots/<string:code>/trace", methods=["GET"])
@blp.response(200, TraceSchema)
@require_permission("traceability.view")
def lot_trace(code: str):
    """Forward (batches, output lots, sales) and backward (input lots, batches) from a lot, any depth."""
    org, user = api_actor()
    return traceability.trace_lot(org, user, code)


@blp.route("/trace/lookup", methods=["GET"])
@blp.arguments(LookupArgs, location="query")
@blp.response(200, LookupSchema)
@blp.alt_response(404, description="not_found: no lot, batch or SKU has this code")
@require_permission("traceability.view")
def trace_lookup(args):
    """What a code from a label names: a lot, a batch (its output lots) or a SKU (its lots, newest first)."""
    org, user = api_actor()
    return traceability.lookup_code(org, user, args["code"][:80])


@blp.route("/lots/<string:code>/hold", methods=["POST"])
@blp.arguments(LotHoldInput)
@blp.response(200, LotSchema)
@blp.alt_response(404, description="not_found: no such lot")
@blp.alt_response(409, description="invalid_state: the lot is empty")
@blp.alt_response(422, description="validation_error: not a date")
@require_permission("inventory.adjust")
def lot_hold(data, code: str):
    """Change a lot's cure / hold date, or release it with null (recorded in the ledger as a `hold` event)."""
    org, user = api_actor()
    lot = inventory.get_lot_by_code(org, user, code)
    lot = inventory.set_lot_hold(org, user, lot.id, data["hold_until"])
    return lot


@blp.route("/lots/<string:code>/recall", methods=["POST"])
@blp.arguments(RecallCreate)
@blp.response(201, RecallSchema)
@blp.alt_response(422, description="validation_error: give a reason")
@require_permission("traceability.recall")
def lot_recall(data, code: str):
    """Put the lot and everything downstream of it on hold."""
    org, user = api_actor()
    recall = recalls.recall_lot(org, user, code, reason=data.get("reason") or "")
    return recalls.recall_report(org, user, recall.id)


@blp.route("/recalls", methods=["GET"])
@blp.arguments(RecallListArgs, location="query")
@blp.response(200, RecallList)
@require_permission("traceability.view")
def recall_list(args):
    """Recalls, newest first; ?status=active|released."""
    org, user = api_actor()
    page = recalls.list_recalls(org, user, status=args["status"], page=args["page"], per_page=args["per_page"])
    return page


@blp.route("/recalls/<int:recall_id>", methods=["GET"])
@blp.response(200, RecallSchema)
@require_permission("traceability.view")
def recall_detail(recall_id: int):
    """The recall report: held lots, batches that used them, sales with order references."""
    org, user = api_actor()
    return recalls.recall_report(org, user, recall_id)


@blp.route("/recalls/<int:recall_id>/release", methods=["POST"])
@blp.response(200, RecallSchema)
@blp.alt_response(409, description="Already released")
@require_permission("traceability.recall")
def recall_release(recall_id: int):
    """Lift the recall's holds."""
    org, user = api_actor()
    recalls.release_recall(org, user, recall_id)
    return recalls.recall_report(org, user, recall_id)
