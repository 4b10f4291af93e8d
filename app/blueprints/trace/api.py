"""Traceability and recall JSON API (API.md, "Traceability")."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields, validate

from ...models import RECALL_STATUSES
from ...models.types import utcnow
from ...services import inventory, recalls, traceability
from ..api_v1 import DecimalString, PageArgs, api_actor, page_envelope, page_schema
from ..decorators import require_permission
from ..inventory.api import LotSchema, UTCTime, lot_json

blp = Blueprint("trace_api", __name__, url_prefix="/api/v1", description="Traceability and recalls")


class TraceBatchSchema(Schema):
    id = fields.Integer()
    label = fields.String()
    quantity = DecimalString(metadata={"description": "Consumed from the traced lots"})
    status = fields.String()


class TraceSaleSchema(Schema):
    id = fields.Integer()
    order_ref = fields.String(allow_none=True)
    quantity = DecimalString(metadata={"description": "Drawn from the traced lots"})
    returned_quantity = DecimalString()
    item_id = fields.Integer()
    customer = fields.String(allow_none=True)
    channel = fields.String(allow_none=True)
    created_at = UTCTime()


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
    lot = fields.Nested(LotSchema)
    forward = fields.Nested(ForwardSchema)
    backward = fields.Nested(BackwardSchema)


class RecallLotSchema(LotSchema):
    level = fields.Integer()
    item_name = fields.String()


class RecallSchema(Schema):
    id = fields.Integer()
    lot_code = fields.String()
    reason = fields.String()
    status = fields.String(metadata={"enum": ["active", "released"]})
    created_at = UTCTime()
    released_at = UTCTime(allow_none=True)
    lots = fields.List(fields.Nested(RecallLotSchema))
    batches = fields.List(fields.Nested(TraceBatchSchema))
    sales = fields.List(fields.Nested(TraceSaleSchema))


class RecallBrief(Schema):
    id = fields.Integer()
    lot_code = fields.String(allow_none=True)
    reason = fields.String()
    status = fields.String()
    lots_held = fields.Integer()
    created_at = UTCTime()
    released_at = UTCTime(allow_none=True)


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
    lots = fields.List(fields.Nested(LotSchema), metadata={"description": "Lots to trace (choose one)"})
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
    trace = traceability.trace_lot(org, user, code)
    now = utcnow()
    return {
        "lot": lot_json(trace.lot, now),
        "forward": {
            "batches": [{"id": b.id, "label": b.label, "quantity": qty, "status": b.status}
                        for b, qty in trace.forward.batches],
            "lots": [lot_json(lot, now) for lot in trace.forward.lots],
            "sales": [_sale(s, qty, returned) for s, qty, returned in trace.forward.sales],
        },
        "backward": {
            "lots": [lot_json(lot, now) for lot in trace.backward.lots],
            "batches": [{"id": b.id, "label": b.label, "status": b.status} for b in trace.backward.batches],
        },
    }


@blp.route("/trace/lookup", methods=["GET"])
@blp.arguments(LookupArgs, location="query")
@blp.response(200, LookupSchema)
@blp.alt_response(404, description="not_found: no lot, batch or SKU has this code")
@require_permission("traceability.view")
def trace_lookup(args):
    """What a code from a label names: a lot, a batch (its output lots) or a SKU (its lots, newest first)."""
    org, user = api_actor()
    found = traceability.lookup_code(org, user, args["code"][:80])
    now = utcnow()
    return {
        "kind": found.kind, "code": found.code, "lots": [lot_json(lot, now) for lot, _ in found.lots],
        "batch": {"id": found.batch.id, "label": found.batch.label, "status": found.batch.status}
        if found.batch is not None else None,
        "sku": {"id": found.sku.id, "code": found.sku.code, "item_id": found.sku.item_id}
        if found.sku is not None else None,
        "message": found.message,
    }


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
    lot = inventory.get_lot_by_code(org, code, user)
    lot = inventory.set_lot_hold(org, user, lot.id, data["hold_until"])
    return lot_json(lot)


@blp.route("/lots/<string:code>/recall", methods=["POST"])
@blp.arguments(RecallCreate)
@blp.response(201, RecallSchema)
@blp.alt_response(422, description="validation_error: give a reason")
@require_permission("traceability.recall")
def lot_recall(data, code: str):
    """Put the lot and everything downstream of it on hold."""
    org, user = api_actor()
    recall = recalls.recall_lot(org, user, code, reason=data.get("reason") or "")
    return recall_json(org, user, recall.id)


@blp.route("/recalls", methods=["GET"])
@blp.arguments(RecallListArgs, location="query")
@blp.response(200, RecallList)
@require_permission("traceability.view")
def recall_list(args):
    """Recalls, newest first; ?status=active|released."""
    org, user = api_actor()
    page = recalls.list_recalls(org, user, status=args["status"], page=args["page"], per_page=args["per_page"])
    rows = [{"id": r.id, "lot_code": lot.code if lot else None, "reason": r.reason, "status": r.status,
             "lots_held": held, "created_at": r.created_at, "released_at": r.released_at}
            for r, lot, held in page.items]
    return page_envelope(rows, page.page, page.per_page, page.total)


@blp.route("/recalls/<int:recall_id>", methods=["GET"])
@blp.response(200, RecallSchema)
@require_permission("traceability.view")
def recall_detail(recall_id: int):
    """The recall report: held lots, batches that used them, sales with order references."""
    org, user = api_actor()
    return recall_json(org, user, recall_id)


@blp.route("/recalls/<int:recall_id>/release", methods=["POST"])
@blp.response(200, RecallSchema)
@blp.alt_response(409, description="Already released")
@require_permission("traceability.recall")
def recall_release(recall_id: int):
    """Lift the recall's holds."""
    org, user = api_actor()
    recalls.release_recall(org, user, recall_id)
    return recall_json(org, user, recall_id)


def recall_json(org, actor, recall_id) -> dict:
    report = recalls.recall_report(org, actor, recall_id)
    recall = report.recall
    now = utcnow()
    return {
        "id": recall.id, "lot_code": report.lot.code, "reason": recall.reason, "status": recall.status,
        "created_at": recall.created_at, "released_at": recall.released_at,
        "lots": [{**lot_json(line.lot, now), "level": line.level, "item_name": line.item.name}
                 for line in report.lots],
        "batches": [{"id": line.batch.id, "label": line.batch.label, "quantity": line.quantity,
                     "status": line.batch.status} for line in report.batches],
        "sales": [_sale(line.sale, line.quantity, line.returned_quantity) for line in report.sales],
    }


def _sale(sale, quantity, returned) -> dict:
    return {"id": sale.id, "order_ref": sale.order_ref, "quantity": quantity, "returned_quantity": returned,
            "item_id": sale.item_id, "customer": sale.customer, "channel": sale.channel,
            "created_at": sale.created_at}
