"""Batches JSON API (API.md, "Batches")."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields, validate

from ...models import BATCH_STATUSES
from ...services import batches
from ..api_v1 import DecimalString, Id, PageArgs, QuantityInput, api_actor, page_envelope, page_schema
from ..decorators import require_permission
from ..idempotency import idempotent
from ..inventory.api import LotSchema, UTCTime

blp = Blueprint("batches_api", __name__, url_prefix="/api/v1/batches", description="Batches")


class ConsumptionSchema(Schema):
    """One lot a batch consumed (batches.Consumed)."""

    item_id = fields.Integer()
    lot_code = fields.String()
    quantity = DecimalString()
    unit_cost = DecimalString()
    cost = DecimalString()
    kind = fields.String()
    returned = fields.Boolean()


class OutputLot(fields.Nested):
    """A produced lot, in the Lot shape of the inventory API."""

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(value, attr, obj, **kwargs)


class BatchSchema(Schema):
    """A batch with the lots it consumed and produced: dumps a batches.BatchRecord."""

    id = fields.Integer(attribute="batch.id")
    label = fields.String(attribute="batch.label")
    recipe_id = fields.Integer(attribute="batch.recipe_id")
    recipe_version = fields.Integer(attribute="batch.recipe_version")
    scale = DecimalString(attribute="batch.scale")
    status = fields.String(attribute="batch.status",
                           metadata={"enum": ["in_progress", "completed", "failed", "cancelled"]})
    consumption = fields.List(fields.Nested(ConsumptionSchema))
    input_cost = DecimalString(attribute="consumed_cost",
                               metadata={"description": "Σ quantity × unit cost over every lot consumed"})
    container_cost = DecimalString(attribute="batch.container_cost",
                                   metadata={"description": "The containers' part of input_cost"})
    planned_yield = DecimalString(attribute="batch.planned_yield")
    yield_quantity = DecimalString(attribute="batch.yield_quantity", allow_none=True)
    yield_unit = fields.String(attribute="batch.yield_unit")
    yield_variance = DecimalString(attribute="batch.yield_variance", allow_none=True)
    waste_quantity = DecimalString(attribute="batch.waste_quantity", allow_none=True)
    output_lots = fields.List(OutputLot(LotSchema))
    labour_minutes = DecimalString(metadata={"description": "Actual labour minutes (in progress: the recipe's)"})
    labour_cost = DecimalString(metadata={"description": "labour_rate × labour_minutes ÷ 60"})
    overhead_cost = DecimalString(metadata={"description": "input_cost × overhead_percent ÷ 100 + overhead_per_batch"})
    total_cost = DecimalString(metadata={"description": "input_cost + labour_cost + overhead_cost: an estimate while "
                                                        "in progress, frozen at finish, fail or cancel"})
    started_at = UTCTime(attribute="batch.started_at")
    finished_at = UTCTime(attribute="batch.finished_at", allow_none=True)


class BatchBrief(Schema):
    """A batch in a list: API.md's input_cost is everything it consumed, as stored (Batch.materials_cost); a
    batch's own record computes it exactly from its consumption rows."""

    id = fields.Integer()
    label = fields.String()
    recipe_id = fields.Integer()
    recipe_version = fields.Integer()
    scale = DecimalString()
    status = fields.String(metadata={"enum": ["in_progress", "completed", "failed", "cancelled"]})
    input_cost = DecimalString(attribute="materials_cost")
    planned_yield = DecimalString()
    yield_quantity = DecimalString(allow_none=True)
    yield_unit = fields.String()
    started_at = UTCTime()
    finished_at = UTCTime(allow_none=True)


BatchList = page_schema(BatchBrief)


class BatchStart(Schema):
    class Meta:
        unknown = EXCLUDE

    recipe_id = fields.Raw(required=True, metadata={"type": "integer"})
    scale = QuantityInput(load_default="1")
    notes = fields.String(load_default="", allow_none=True)


class OutputInput(Schema):
    class Meta:
        unknown = EXCLUDE

    item_id = fields.Raw(required=True, metadata={"type": "integer"})
    quantity = QuantityInput(required=True)
    unit = fields.String(load_default=None, allow_none=True)
    yield_portion = QuantityInput(load_default=None, allow_none=True)


class BatchFinish(Schema):
    class Meta:
        unknown = EXCLUDE

    yield_quantity = QuantityInput(required=True)
    output_item_id = fields.Raw(load_default=None, allow_none=True, metadata={"type": "integer"})
    outputs = fields.List(fields.Nested(OutputInput), load_default=None, allow_none=True)
    waste_quantity = QuantityInput(load_default=None, allow_none=True)
    labour_minutes = QuantityInput(load_default=None, allow_none=True,
                                   metadata={"description": "Actual labour minutes (default: the recipe's)"})
    hold_until = fields.String(load_default=None, allow_none=True, metadata={
        "format": "date", "description": "Cure / hold date (YYYY-MM-DD): the output lots are usable from it"})
    notes = fields.String(load_default="", allow_none=True)


class ReasonInput(Schema):
    class Meta:
        unknown = EXCLUDE

    reason = fields.String(load_default="", allow_none=True)


class BatchListArgs(PageArgs):
    status = fields.String(load_default=None, validate=validate.OneOf(BATCH_STATUSES))
    recipe_id = Id(load_default=None)


@blp.route("", methods=["POST"])
@idempotent
@blp.arguments(BatchStart)
@blp.response(201, BatchSchema)
@blp.alt_response(422, description="insufficient_stock naming each short item; nothing is deducted")
@require_permission("batches.start")
def batch_start(data):
    """Start a batch: every ingredient line is deducted oldest-lot-first in one transaction."""
    org, user = api_actor()
    batch = batches.start_batch(org, user, data["recipe_id"], data["scale"], notes=data.get("notes") or "")
    return batches.batch_record(org, user, batch)  # the batch itself: its id needs no re-read


@blp.route("", methods=["GET"])
@blp.arguments(BatchListArgs, location="query")
@blp.response(200, BatchList)
@require_permission("batches.view")
def batch_list(args):
    """Batches, newest first; ?status= and ?recipe_id= filters."""
    org, user = api_actor()
    page = batches.list_batches(org, user, status=args["status"], recipe_id=args["recipe_id"], page=args["page"],
                                per_page=args["per_page"])
    return page_envelope(page.items, page.page, page.per_page, page.total)


@blp.route("/<int:batch_id>", methods=["GET"])
@blp.response(200, BatchSchema)
@require_permission("batches.view")
def batch_detail(batch_id: int):
    """One batch with the lots it consumed and produced."""
    org, user = api_actor()
    return batches.batch_record(org, user, batch_id)


@blp.route("/<int:batch_id>/finish", methods=["POST"])
@blp.arguments(BatchFinish)
@blp.response(200, BatchSchema)
@blp.alt_response(409, description="The batch is not in progress")
@require_permission("batches.finish")
def batch_finish(data, batch_id: int):
    """Finish: the output lot's unit cost = total cost (input + labour + overhead) ÷ output quantity."""
    org, user = api_actor()
    batches.finish_batch(org, user, batch_id, **data)
    return batches.batch_record(org, user, batch_id)


@blp.route("/<int:batch_id>/cancel", methods=["POST"])
@blp.arguments(ReasonInput)
@blp.response(200, BatchSchema)
@blp.alt_response(409, description="The batch is not in progress")
@require_permission("batches.cancel")
def batch_cancel(data, batch_id: int):
    """Cancel: each consumed quantity goes back to the lot it came from."""
    org, user = api_actor()
    batches.cancel_batch(org, user, batch_id, reason=data.get("reason") or "")
    return batches.batch_record(org, user, batch_id)


@blp.route("/<int:batch_id>/fail", methods=["POST"])
@blp.arguments(ReasonInput)
@blp.response(200, BatchSchema)
@blp.alt_response(409, description="The batch is not in progress")
@require_permission("batches.finish")
def batch_fail(data, batch_id: int):
    """Fail: consumption is kept and recorded as a loss."""
    org, user = api_actor()
    batches.fail_batch(org, user, batch_id, reason=data.get("reason") or "")
    return batches.batch_record(org, user, batch_id)
