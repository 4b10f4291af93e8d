"""Batch lifecycle: start (FIFO deduction of every line), finish (output lots at the true cost), fail, cancel
(credit the exact lots back). Each public call is one transaction: it happens completely or leaves no trace."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

from ...extensions import db
from ...models import Batch, BatchOutput, InventoryItem, Recipe, RecipeVersion
from ...models.types import COST_QUANTUM, QUANTUM, utcnow
from .. import inventory, recipes, sequences, tenancy, units
from ..authz import authorize
from ..base import unit_of_work
from ..errors import InsufficientStock, InvalidState, ValidationFailed
from ..inventory import expiration
from ..recipes.versions import _version
from . import costing
from .common import (
    _consumption_rows,
    _in_progress,
    _lock_items,
    _log,
    _named_shortages,
    _record_consumption,
)

OUTPUT_CHANGE_TYPE = "produced"


FINISH_ROLES = ("container", "packaging")


def _label(org, recipe: Recipe, when: datetime) -> str:
    number = sequences.next_value(org, f"batch-label:{when.year}")
    return f"{recipe.label_prefix}-{when.year}-{number:03d}"


@unit_of_work
def start_batch(org, actor, recipe_id, scale, *, notes: str = "") -> Batch:
    """Check stock and deduct every ingredient line oldest-lot-first; label PREFIX-YYYY-NNN."""
    authorize(actor, org, "batches.start")
    recipe = tenancy.get_for_org(Recipe, recipe_id, org)
    if recipe.archived_at is not None:
        raise InvalidState(f"Recipe {recipe.name} is archived; restore it to start a batch.")
    scale = recipes.parse_scale(scale)
    version = _version(org, recipe)
    # Lock the items the batch deducts now (the deduction below finds them locked and does not read them
    # again), then scale the lines with them.
    locked = tenancy.lock_for_org(InventoryItem, [line.item_id for line in version.lines  # noqa: F841 (held)
                                                  if line.role in recipes.START_ROLES], org)
    lines = recipes.scaled_lines(org, version, scale, roles=recipes.START_ROLES)
    now = utcnow()
    batch = Batch(organization_id=org.id, label=_label(org, recipe, now), recipe_id=recipe.id,
                  recipe_version_id=version.id, recipe_version=version.version, scale=scale, status="in_progress",
                  planned_yield=(version.yield_quantity * scale).quantize(QUANTUM, rounding=ROUND_HALF_EVEN),
                  yield_unit=version.yield_unit, notes=(notes or "").strip()[:5000], started_at=now,
                  started_by_id=getattr(actor, "id", None))
    db.session.add(batch)
    db.session.flush()
    needs = [(line.item.id, line.item_quantity, line.item.unit) for line in lines]
    if needs:
        try:
            events = inventory.deduct_many(org, actor, needs, change_type="batch", batch_id=batch.id,
                                           notes=f"Batch {batch.label}", permission="batches.start")
        except InsufficientStock as error:
            raise _named_shortages(error) from None
        batch.input_cost = sum((_record_consumption(org, batch, item_events, "recipe")
                                for item_events in events.values()), Decimal(0))
    version.locked_at = version.locked_at or now
    _log(org, actor, batch, "started", f"Started {recipe.name} v{version.version} at scale "
                                       f"{units.clean_decimal(scale)}.")
    db.session.flush()
    return batch


@dataclass
class OutputSpec:
    item: InventoryItem
    quantity: Decimal  # in the output item's unit
    share: Decimal  # fraction of the batch cost it carries


def _parse_outputs(org, batch: Batch, recipe: Recipe, yield_quantity: Decimal, output_item_id, outputs):
    if outputs:
        if not isinstance(outputs, (list, tuple)) or len(outputs) > 50:
            raise ValidationFailed("Give up to 50 outputs.", fields={"outputs": "Invalid."})
        parsed, portions = [], []
        for index, raw in enumerate(outputs):
            if not isinstance(raw, dict):
                raise ValidationFailed("Each output needs an item and a quantity.", fields={f"outputs.{index}": "Invalid."})
            item = tenancy.get_for_org(InventoryItem, raw.get("item_id"), org, label="Output item")
            quantity = units.to_item_quantity(org, item, units.parse_quantity(raw.get("quantity"),
                                                                              f"outputs.{index}.quantity"),
                                              raw.get("unit") or item.unit)
            portion = raw.get("yield_portion")
            portions.append(units.parse_quantity(portion, f"outputs.{index}.yield_portion") if portion not in
                            (None, "") else None)
            parsed.append((item, quantity))
        if all(p is None for p in portions):  # split the cost by quantity
            total = sum((q for _, q in parsed), Decimal(0))
            shares = [q / total for _, q in parsed]
        elif any(p is None for p in portions):
            raise ValidationFailed("Give every output its share of the yield, or none of them.",
                                   fields={"outputs": "Missing yield_portion."})
        else:
            total = sum(portions, Decimal(0))
            shares = [p / total for p in portions]
        return [OutputSpec(item, quantity, share) for (item, quantity), share in zip(parsed, shares)]
    item_id = output_item_id if output_item_id not in (None, "") else recipe.output_item_id
    if item_id in (None, ""):
        raise ValidationFailed("Choose the item this batch produces (the recipe has no output item).",
                               fields={"output_item_id": "Required."})
    item = tenancy.get_for_org(InventoryItem, item_id, org, label="Output item")
    quantity = units.to_item_quantity(org, item, yield_quantity, batch.yield_unit)
    return [OutputSpec(item, quantity, Decimal(1))]


def _container_needs(org, batch: Batch, specs: list[OutputSpec]) -> list:
    version = tenancy.get_for_org(RecipeVersion, batch.recipe_version_id, org)
    if not any(line.role in FINISH_ROLES for line in version.lines):
        return []
    count_units = {spec.item.id: units.resolve_unit(org, spec.item.unit).dimension == "count" for spec in specs}
    portions = sum((spec.quantity for spec in specs if count_units[spec.item.id]), Decimal(0))
    lines = recipes.scaled_lines(org, version, batch.scale, roles=FINISH_ROLES,
                                 portions=int(portions) if portions else None)
    return [(line.item.id, line.item_quantity, line.item.unit) for line in lines]


@unit_of_work
def finish_batch(org, actor, batch_id, *, yield_quantity, output_item_id=None, outputs=None, waste_quantity=None,
                 hold_until=None, notes: str = "", labour_minutes=None, new_product: bool = False) -> Batch:
    """Complete a batch: output lot(s) whose unit cost = the batch's full cost ÷ output quantity (+ containers);
    labour and overhead (costing) are frozen on the batch. `new_product` (the batch page's "New product /
    SKU…") first makes a product named after the recipe with one SKU in the yield unit, and outputs to it."""
    authorize(actor, org, "batches.finish")
    batch = _in_progress(org, batch_id)
    recipe = tenancy.get_for_org(Recipe, batch.recipe_id, org)
    if new_product and not outputs:
        from .. import products

        product = products.create_product(org, actor, name=recipe.name, category=recipe.category or "")
        output_item_id = products.create_sku(org, actor, product.id, unit=batch.yield_unit).item_id
    actual = units.parse_quantity(yield_quantity, "yield_quantity")
    waste = units.parse_quantity(waste_quantity, "waste_quantity", allow_zero=True) \
        if waste_quantity not in (None, "") else None
    hold = expiration.parse_date(hold_until, "hold_until") if hold_until not in (None, "") else None
    minutes = costing.parse_minutes(labour_minutes)
    specs = _parse_outputs(org, batch, recipe, actual, output_item_id, outputs)
    container_cost = Decimal(0)
    needs = _container_needs(org, batch, specs)
    _lock_items(org, [spec.item.id for spec in specs] + [item_id for item_id, _, _ in needs])
    if needs:
        try:
            events = inventory.deduct_many(org, actor, needs, change_type="batch", batch_id=batch.id,
                                           notes=f"Containers for batch {batch.label}",
                                           permission="batches.finish")
        except InsufficientStock as error:
            raise _named_shortages(error) from None
        container_cost = sum((_record_consumption(org, batch, item_events, "container")
                              for item_events in events.values()), Decimal(0))
    now = utcnow()
    batch.container_cost = container_cost
    full = costing.freeze(org, batch, recipe, batch.input_cost + container_cost, minutes)
    extra = full.labour_cost + full.overhead_cost  # shared like the ingredients (by share)
    total_units = sum((spec.quantity for spec in specs), Decimal(0))
    for spec in specs:
        with localcontext() as ctx:
            ctx.prec = 60
            unit_cost = (batch.input_cost + extra) * spec.share / spec.quantity
            if container_cost and total_units:
                unit_cost += container_cost / total_units
            unit_cost = unit_cost.quantize(COST_QUANTUM, rounding=ROUND_HALF_EVEN)
        event = inventory.receive_produced(org, actor, spec.item.id, spec.quantity, unit_cost, batch_id=batch.id,
                                           hold_until=hold, received_at=now, notes=f"Output of batch {batch.label}")
        db.session.add(BatchOutput(organization_id=org.id, batch_id=batch.id, item_id=spec.item.id,
                                   lot_id=event.lot_id, quantity=spec.quantity, unit_cost=unit_cost))
    if recipe.output_item_id is None and len(specs) == 1:  # the recipe remembers its output for next time
        recipe.output_item_id = specs[0].item.id
    batch.yield_quantity = actual
    batch.waste_quantity = waste
    batch.yield_variance = actual - batch.planned_yield
    batch.status = "completed"
    batch.finished_at = now
    batch.finished_by_id = getattr(actor, "id", None)
    if notes:
        batch.notes = "\n".join(filter(None, [batch.notes, notes.strip()[:5000]]))
    _log(org, actor, batch, "finished", f"Finished: {units.clean_decimal(actual)} {batch.yield_unit} "
                                        f"(planned {units.clean_decimal(batch.planned_yield)}).")
    db.session.flush()
    return batch


@unit_of_work
def fail_batch(org, actor, batch_id, *, reason: str = "") -> Batch:
    """Mark a batch failed: what it consumed stays consumed and is recorded as a loss."""
    authorize(actor, org, "batches.finish")
    batch = _in_progress(org, batch_id)
    batch.status = "failed"
    full = costing.freeze(org, batch, tenancy.get_for_org(Recipe, batch.recipe_id, org), batch.input_cost)
    batch.loss_cost = full.total_cost  # materials (+ labour and overhead when set)
    batch.failure_reason = (reason or "").strip()[:255] or None
    batch.finished_at = utcnow()
    batch.finished_by_id = getattr(actor, "id", None)
    _log(org, actor, batch, "failed", "Failed" + (f": {batch.failure_reason}" if batch.failure_reason else "."))
    return batch


@unit_of_work
def cancel_batch(org, actor, batch_id, *, reason: str = "") -> Batch:
    """Cancel a batch in progress: every consumed quantity goes back to the exact lot it came from."""
    authorize(actor, org, "batches.cancel")
    batch = _in_progress(org, batch_id)
    rows = _consumption_rows(org, batch)
    _lock_items(org, [row.item_id for row in rows])
    for row in rows:
        if row.credited_event_id is not None:
            continue
        event = inventory.credit_lot(org, actor, row.lot_id, row.quantity, change_type="batch_cancelled",
                                     batch_id=batch.id, notes=f"Batch {batch.label} cancelled",
                                     permission="batches.cancel")
        row.credited_event_id = event.id
    batch.status = "cancelled"
    costing.freeze(org, batch, tenancy.get_for_org(Recipe, batch.recipe_id, org), batch.materials_cost)
    batch.finished_at = utcnow()
    batch.finished_by_id = getattr(actor, "id", None)
    _log(org, actor, batch, "cancelled", "Cancelled; all stock returned to its lots."
         + (f" Reason: {reason.strip()[:255]}" if reason and reason.strip() else ""))
    return batch
