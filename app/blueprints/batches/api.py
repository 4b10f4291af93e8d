"""Batches JSON API (API.md, "Batches")."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields, validate

from ...models import BATCH_STATUSES
from ...services import batches
from ..api_v1 import DecimalString, Id, PageArgs, QuantityInput, api_actor, page_envelope, page_schema
from ..decorators import require_permission
from ..idempotency import idempotent
from ..inventory.api import LotSchema, UTCTime, lot_json

blp = Blueprint("batches_api", __name__, url_prefix="/api/v1/batches", description="Batches")


class ConsumptionSchema(Schema):
    item_id = fields.Integer()
    lot_code = fields.String()
    quantity = DecimalString()
    unit_cost = DecimalString()
    cost = DecimalString()
    kind = fields.String()
    returned = fields.Boolean()


class BatchSchema(Schema):
    id = fields.Integer()
    label = fields.String()
    recipe_id = fields.Integer()
    recipe_version = fields.Integer()
    scale = DecimalString()
    status = fields.String(metadata={"enum": ["in_progress", "completed", "failed", "cancelled"]})
    consumption = fields.List(fields.Nested(ConsumptionSchema))
    input_cost = DecimalString(metadata={"description": "Σ quantity × unit cost over every lot consumed"})
    container_cost = DecimalString(metadata={"description": "The containers' part of input_cost"})
    planned_yield = DecimalString()
    yield_quantity = DecimalString(allow_none=True)
    yield_unit = fields.String()
    yield_variance = DecimalString(allow_none=True)
    waste_quantity = DecimalString(allow_none=True)
    output_lots = fields.List(fields.Nested(LotSchema))
    started_at = UTCTime()
    finished_at = UTCTime(allow_none=True)


BatchList = page_schema(BatchSchema)


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


def total_cost(batch):
    """API.md's input_cost: everything the batch consumed (ingredients at start, containers at finish),
    as stored (list rows); a batch's own page computes it exactly from its consumption rows."""
    return batch.input_cost + (batch.container_cost or 0)


def batch_json(org, actor, batch_id) -> dict:
    record = batches.batch_record(org, actor, batch_id)
    batch = record.batch
    return {
        "id": batch.id, "label": batch.label, "recipe_id": batch.recipe_id, "recipe_version": batch.recipe_version,
        "scale": batch.scale, "status": batch.status,
        "consumption": [{"item_id": row.item_id, "lot_code": lot.code, "quantity": row.quantity,
                         "unit_cost": row.unit_cost, "cost": batches.consumption_cost(row), "kind": row.kind,
                         "returned": row.credited_event_id is not None}
                        for row, _, lot in record.consumption],
        "input_cost": record.consumed_cost, "container_cost": batch.container_cost,
        "planned_yield": batch.planned_yield, "yield_quantity": batch.yield_quantity, "yield_unit": batch.yield_unit,
        "yield_variance": batch.yield_variance, "waste_quantity": batch.waste_quantity,
        "output_lots": [lot_json(lot) for _, _, lot in record.outputs],
        "started_at": batch.started_at, "finished_at": batch.finished_at,
    }


def _brief(batch) -> dict:
    return {"id": batch.id, "label": batch.label, "recipe_id": batch.recipe_id,
            "recipe_version": batch.recipe_version, "scale": batch.scale, "status": batch.status,
            "input_cost": total_cost(batch), "planned_yield": batch.planned_yield,
            "yield_quantity": batch.yield_quantity, "yield_unit": batch.yield_unit,
            "started_at": batch.started_at, "finished_at": batch.finished_at}


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
    return batch_json(org, user, batch.id)


@blp.route("", methods=["GET"])
@blp.arguments(BatchListArgs, location="query")
@blp.response(200, BatchList)
@require_permission("batches.view")
def batch_list(args):
    """Batches, newest first; ?status= and ?recipe_id= filters."""
    org, user = api_actor()
    page = batches.list_batches(org, user, status=args["status"], recipe_id=args["recipe_id"], page=args["page"],
                                per_page=args["per_page"])
    return page_envelope([_brief(b) for b in page.items], page.page, page.per_page, page.total)


@blp.route("/<int:batch_id>", methods=["GET"])
@blp.response(200, BatchSchema)
@require_permission("batches.view")
def batch_detail(batch_id: int):
    """One batch with the lots it consumed and produced."""
    org, user = api_actor()
    return batch_json(org, user, batch_id)


@blp.route("/<int:batch_id>/finish", methods=["POST"])
@blp.arguments(BatchFinish)
@blp.response(200, BatchSchema)
@blp.alt_response(409, description="The batch is not in progress")
@require_permission("batches.finish")
def batch_finish(data, batch_id: int):
    """Finish: the output lot's unit cost = input cost ÷ output quantity."""
    org, user = api_actor()
    batches.finish_batch(org, user, batch_id, **data)
    return batch_json(org, user, batch_id)


@blp.route("/<int:batch_id>/cancel", methods=["POST"])
@blp.arguments(ReasonInput)
@blp.response(200, BatchSchema)
@blp.alt_response(409, description="The batch is not in progress")
@require_permission("batches.cancel")
def batch_cancel(data, batch_id: int):
    """Cancel: each consumed quantity goes back to the lot it came from."""
    org, user = api_actor()
    batches.cancel_batch(org, user, batch_id, reason=data.get("reason") or "")
    return batch_json(org, user, batch_id)


@blp.route("/<int:batch_id>/fail", methods=["POST"])
@blp.arguments(ReasonInput)
@blp.response(200, BatchSchema)
@blp.alt_response(409, description="The batch is not in progress")
@require_permission("batches.finish")
def batch_fail(data, batch_id: int):
    """Fail: consumption is kept and recorded as a loss."""
    org, user = api_actor()
    batches.fail_batch(org, user, batch_id, reason=data.get("reason") or "")
    return batch_json(org, user, batch_id)
