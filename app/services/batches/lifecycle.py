"""Batch lifecycle: start (FIFO deduction of every line), in progress (notes, timers, extras,
substitutions), finish (output lots at the true cost), fail, cancel (credit the exact lots back).
Each public call is one transaction: it happens completely or leaves no trace."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

from sqlalchemy import func, or_

from ..extensions import db
from ..models import (Batch, BatchConsumption, BatchLogEntry, BatchOutput, BatchTimer, InventoryEvent,
                      InventoryItem, InventoryLot, Recipe, RecipeVersion, User)
from ..models.types import COST_QUANTUM, QUANTUM
from . import expiration, fifo, inventory, recipes, sequences, tenancy, units
from .authz import authorize
from .base import unit_of_work
from .errors import InsufficientStock, InvalidState, NotFound, ValidationFailed
from .pagination import Page, paginate

OUTPUT_CHANGE_TYPE = "produced"
FINISH_ROLES = ("container", "packaging")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _log(org, actor, batch: Batch, kind: str, message: str) -> None:
    db.session.add(BatchLogEntry(organization_id=org.id, batch_id=batch.id, kind=kind, message=message,
                                 user_id=getattr(actor, "id", None), created_at=_now()))


def _record_consumption(org, batch: Batch, events: list[InventoryEvent], kind: str) -> Decimal:
    """One consumption row per ledger event; returns the cost added."""
    total = Decimal(0)
    for event in events:
        quantity = -event.quantity
        cost = quantity * event.unit_cost
        db.session.add(BatchConsumption(organization_id=org.id, batch_id=batch.id, item_id=event.item_id,
                                        lot_id=event.lot_id, event_id=event.id, kind=kind, quantity=quantity,
                                        unit_cost=event.unit_cost, cost=cost))
        total += cost
    return total


def _lock_items(org, item_ids) -> None:
    """Lock every item a multi-step change touches, up front and in id order (no deadlocks, no lost
    updates: later steps re-lock rows this transaction already holds)."""
    tenancy.lock_for_org(InventoryItem, list(item_ids), org)


def _in_progress(org, batch_id, *, for_update: bool = True) -> Batch:
    batch = (tenancy.get_for_org_for_update(Batch, batch_id, org) if for_update
             else tenancy.get_for_org(Batch, batch_id, org))
    if batch.status != "in_progress":
        raise InvalidState(f"Batch {batch.label} is {batch.status.replace('_', ' ')}; only a batch in progress "
                           "can do that.")
    return batch


def _label(org, recipe: Recipe, when: datetime) -> str:
    number = sequences.next_value(org, f"batch-label:{when.year}")
    return f"{recipe.label_prefix}-{when.year}-{number:03d}"


def _named_shortages(error: InsufficientStock) -> InsufficientStock:
    """Name every short line by item name and by item id, so people and scripts can both read it."""
    fields = dict(error.fields or {})
    for shortage in getattr(error, "shortages", []):
        fields[str(shortage["item_id"])] = fields.get(shortage["name"], "Not enough usable stock.")
    error.fields = fields
    return error


@unit_of_work
def start_batch(org, actor, recipe_id, scale, *, notes: str = "") -> Batch:
    """Check stock and deduct every ingredient line oldest-lot-first; label PREFIX-YYYY-NNN."""
    authorize(actor, org, "batches.start")
    recipe = tenancy.get_for_org(Recipe, recipe_id, org)
    if recipe.archived_at is not None:
        raise InvalidState(f"Recipe {recipe.name} is archived; restore it to start a batch.")
    scale = recipes.parse_scale(scale)
    version = recipes.get_version(org, recipe)
    lines = recipes.scaled_lines(org, version, scale, roles=recipes.START_ROLES)
    now = _now()
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


@unit_of_work
def add_note(org, actor, batch_id, text: str) -> BatchLogEntry:
    """Add a note to the batch timeline."""
    authorize(actor, org, "batches.start")
    batch = tenancy.get_for_org(Batch, batch_id, org)
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("Write the note first.", fields={"note": "Required."})
    if len(text) > 5000:
        raise ValidationFailed("Notes are at most 5,000 characters.", fields={"note": "Too long."})
    entry = BatchLogEntry(organization_id=org.id, batch_id=batch.id, kind="note", message=text,
                          user_id=getattr(actor, "id", None), created_at=_now())
    db.session.add(entry)
    return entry


@unit_of_work
def start_timer(org, actor, batch_id, *, label: str, duration_minutes=None) -> BatchTimer:
    """Start a named timer on a batch in progress (e.g. "Trace", "Cure in mold 48 h")."""
    authorize(actor, org, "batches.start")
    batch = _in_progress(org, batch_id, for_update=False)
    label = (label or "").strip()
    if not label or len(label) > 80:
        raise ValidationFailed("Name the timer (up to 80 characters).", fields={"label": "Required."})
    minutes = None
    if duration_minutes not in (None, ""):
        try:
            minutes = int(duration_minutes)
        except (TypeError, ValueError):
            raise ValidationFailed("Minutes must be a whole number.", fields={"duration_minutes": "Whole number."}) \
                from None
        if not 1 <= minutes <= 60 * 24 * 90:
            raise ValidationFailed("Between 1 minute and 90 days.", fields={"duration_minutes": "Out of range."})
    timer = BatchTimer(organization_id=org.id, batch_id=batch.id, label=label, started_at=_now(),
                       duration_minutes=minutes)
    db.session.add(timer)
    _log(org, actor, batch, "timer", f"Timer “{label}” started.")
    return timer


@unit_of_work
def stop_timer(org, actor, timer_id, *, batch_id=None) -> BatchTimer:
    """Stop a running timer (of `batch_id`, when given: another batch's timer is NotFound)."""
    authorize(actor, org, "batches.start")
    timer = tenancy.get_for_org(BatchTimer, timer_id, org, label="Timer")
    if batch_id is not None and timer.batch_id != int(batch_id):
        raise NotFound(f"Timer {timer_id} not found on this batch.")
    if timer.stopped_at is not None:
        raise InvalidState("That timer is already stopped.")
    timer.stopped_at = _now()
    batch = tenancy.get_for_org(Batch, timer.batch_id, org)
    _log(org, actor, batch, "timer", f"Timer “{timer.label}” stopped.")
    return timer


@unit_of_work
def add_extra(org, actor, batch_id, *, item_id, quantity, unit=None, lot_code=None, notes: str = "") -> Batch:
    """Use an extra ingredient in a batch in progress (FIFO, or one named lot); its cost joins the batch."""
    authorize(actor, org, "batches.start")
    batch = _in_progress(org, batch_id)
    item = tenancy.get_for_org(InventoryItem, item_id, org)
    events = inventory.deduct(org, actor, item.id, quantity, unit, change_type="batch", lot_code=lot_code or None,
                              permission="batches.start",
                              notes=notes or f"Extra for batch {batch.label}", batch_id=batch.id)
    batch.input_cost += _record_consumption(org, batch, events, "extra")
    _log(org, actor, batch, "extra", f"Added {units.clean_decimal(-sum(e.quantity for e in events))} {item.unit} "
                                     f"of {item.name}.")
    return batch


@unit_of_work
def substitute(org, actor, batch_id, *, replace_item_id, with_item_id, quantity, unit=None) -> Batch:
    """Swap an ingredient: its consumption goes back to the exact lots, the substitute is deducted FIFO."""
    authorize(actor, org, "batches.start")
    batch = _in_progress(org, batch_id)
    original = tenancy.get_for_org(InventoryItem, replace_item_id, org)
    replacement = tenancy.get_for_org(InventoryItem, with_item_id, org)
    _lock_items(org, [original.id, replacement.id])
    rows = [row for row in _consumption_rows(org, batch) if row.item_id == original.id and
            row.credited_event_id is None]
    if not rows:
        raise ValidationFailed(f"{original.name} was not used in batch {batch.label}.",
                               fields={"replace_item_id": "Not used in this batch."})
    for row in rows:
        event = inventory.credit_lot(org, actor, row.lot_id, row.quantity, change_type="batch_cancelled",
                                     batch_id=batch.id, notes=f"Substituted in batch {batch.label}",
                                     permission="batches.start")
        row.credited_event_id = event.id
        batch.input_cost -= row.cost
    events = inventory.deduct(org, actor, replacement.id, quantity, unit, change_type="batch", batch_id=batch.id,
                              permission="batches.start",
                              notes=f"Substitute for {original.name} in batch {batch.label}")
    batch.input_cost += _record_consumption(org, batch, events, "substitution")
    _log(org, actor, batch, "substitution", f"Replaced {original.name} with {replacement.name}.")
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
                 hold_until=None, notes: str = "") -> Batch:
    """Complete a batch: output lot(s) whose unit cost = the batch cost ÷ output quantity (+ containers)."""
    authorize(actor, org, "batches.finish")
    batch = _in_progress(org, batch_id)
    recipe = tenancy.get_for_org(Recipe, batch.recipe_id, org)
    actual = units.parse_quantity(yield_quantity, "yield_quantity")
    waste = units.parse_quantity(waste_quantity, "waste_quantity", allow_zero=True) \
        if waste_quantity not in (None, "") else None
    hold = expiration.parse_date(hold_until, "hold_until") if hold_until not in (None, "") else None
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
    now = _now()
    total_units = sum((spec.quantity for spec in specs), Decimal(0))
    for spec in specs:
        with localcontext() as ctx:
            ctx.prec = 60
            unit_cost = batch.input_cost * spec.share / spec.quantity
            if container_cost and total_units:
                unit_cost += container_cost / total_units
            unit_cost = unit_cost.quantize(COST_QUANTUM, rounding=ROUND_HALF_EVEN)
        event = fifo.new_lot(org, actor, spec.item, spec.quantity, unit_cost, change_type=OUTPUT_CHANGE_TYPE,
                             received_at=now, expires_on=expiration.expiry_for_receipt(spec.item, now),
                             hold_until=hold, notes=f"Output of batch {batch.label}", batch_id=batch.id)
        db.session.add(BatchOutput(organization_id=org.id, batch_id=batch.id, item_id=spec.item.id,
                                   lot_id=event.lot_id, quantity=spec.quantity, unit_cost=unit_cost))
    batch.container_cost = container_cost
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
    batch.loss_cost = batch.input_cost
    batch.failure_reason = (reason or "").strip()[:255] or None
    batch.finished_at = _now()
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
    batch.finished_at = _now()
    batch.finished_by_id = getattr(actor, "id", None)
    _log(org, actor, batch, "cancelled", "Cancelled; all stock returned to its lots."
         + (f" Reason: {reason.strip()[:255]}" if reason and reason.strip() else ""))
    return batch


# ---- reads -----------------------------------------------------------------------------------------

def _consumption_rows(org, batch: Batch) -> list[BatchConsumption]:
    stmt = tenancy.scoped(BatchConsumption, org).where(BatchConsumption.batch_id == batch.id)
    return list(db.session.scalars(stmt.order_by(BatchConsumption.id)))


def get_batch(org, actor, batch_id) -> Batch:
    authorize(actor, org, "batches.view")
    return tenancy.get_for_org(Batch, batch_id, org)


@dataclass
class BatchRecord:
    """Everything the batch page and API show, loaded in a fixed number of queries."""

    batch: Batch
    recipe: Recipe
    consumption: list  # (row, item, lot)
    outputs: list  # (row, item, lot)
    timers: list
    log: list  # (entry, user name)
    version: RecipeVersion

    @property
    def net_cost(self) -> Decimal:
        """Cost still in the batch (credited consumption excluded)."""
        return sum((row.cost for row, _, _ in self.consumption if row.credited_event_id is None), Decimal(0))

    @property
    def consumed_cost(self) -> Decimal:
        """Everything the batch consumed (ingredients, extras, containers), exactly Σ quantity × lot unit cost.

        The money columns keep 10 places (SQLite: a float), which can round a 6-place quantity times a
        10-place unit cost; the factors are stored exactly. A cancelled batch gave everything back, so
        it reports the cost it had consumed as stored."""
        if self.batch.status == "cancelled":
            return self.batch.input_cost + (self.batch.container_cost or 0)
        return sum((consumption_cost(row) for row, _, _ in self.consumption if row.credited_event_id is None),
                   Decimal(0))


def consumption_cost(row: BatchConsumption) -> Decimal:
    """One consumption row's cost exactly: quantity × that lot's unit cost."""
    return row.quantity * row.unit_cost


def batch_record(org, actor, batch_id) -> BatchRecord:
    batch = get_batch(org, actor, batch_id)
    recipe = tenancy.get_for_org(Recipe, batch.recipe_id, org)
    version = tenancy.get_for_org(RecipeVersion, batch.recipe_version_id, org)
    rows = _consumption_rows(org, batch)
    outputs = list(db.session.scalars(tenancy.scoped(BatchOutput, org).where(BatchOutput.batch_id == batch.id)
                                      .order_by(BatchOutput.id)))
    item_ids = {r.item_id for r in rows} | {o.item_id for o in outputs}
    lot_ids = {r.lot_id for r in rows} | {o.lot_id for o in outputs}
    items = {i.id: i for i in db.session.scalars(tenancy.scoped(InventoryItem, org)
                                                 .where(InventoryItem.id.in_(sorted(item_ids))))} if item_ids else {}
    lots = {l.id: l for l in db.session.scalars(tenancy.scoped(InventoryLot, org)
                                                .where(InventoryLot.id.in_(sorted(lot_ids))))} if lot_ids else {}
    timers = list(db.session.scalars(tenancy.scoped(BatchTimer, org).where(BatchTimer.batch_id == batch.id)
                                     .order_by(BatchTimer.started_at)))
    entries = list(db.session.scalars(tenancy.scoped(BatchLogEntry, org).where(BatchLogEntry.batch_id == batch.id)
                                      .order_by(BatchLogEntry.created_at, BatchLogEntry.id)))
    user_ids = {e.user_id for e in entries if e.user_id}
    names = {u.id: u.display_name for u in db.session.scalars(
        db.select(User).where(User.id.in_(sorted(user_ids)), User.organization_id == org.id))} if user_ids else {}
    return BatchRecord(batch, recipe, [(r, items[r.item_id], lots[r.lot_id]) for r in rows],
                       [(o, items[o.item_id], lots[o.lot_id]) for o in outputs], timers,
                       [(e, names.get(e.user_id, "")) for e in entries], version)


def list_batches(org, actor, *, status=None, recipe_id=None, date_from=None, date_to=None, q=None,
                 page: int = 1, per_page: int = 50) -> Page:
    """Batches newest first, filtered by status / recipe / start date / label search."""
    authorize(actor, org, "batches.view")
    stmt = tenancy.scoped(Batch, org)
    if status:
        stmt = stmt.where(Batch.status == status)
    if recipe_id:
        stmt = stmt.where(Batch.recipe_id == int(recipe_id))
    if date_from:
        stmt = stmt.where(Batch.started_at >= date_from)
    if date_to:
        stmt = stmt.where(Batch.started_at < date_to)
    if q:
        stmt = stmt.where(or_(func.lower(Batch.label).like(f"%{q.strip().lower()}%")))
    return paginate(stmt.order_by(Batch.started_at.desc(), Batch.id.desc()),
                    stmt.with_only_columns(func.count(Batch.id)).order_by(None), page, per_page)


def running_timers(org, actor) -> list[tuple[BatchTimer, Batch]]:
    """Timers still running, with their batch (dashboard)."""
    authorize(actor, org, "batches.view")
    stmt = tenancy.scoped(BatchTimer, org).where(BatchTimer.stopped_at.is_(None)).order_by(BatchTimer.started_at)
    timers = list(db.session.scalars(stmt.limit(20)))
    ids = sorted({t.batch_id for t in timers})
    batches = {b.id: b for b in db.session.scalars(tenancy.scoped(Batch, org).where(Batch.id.in_(ids)))} if ids else {}
    return [(t, batches[t.batch_id]) for t in timers if t.batch_id in batches]

