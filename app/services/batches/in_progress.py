"""A batch in progress: timeline notes, timers, extra ingredients and substitutions (each cost joins the batch)."""
from __future__ import annotations

from ...extensions import db
from ...models import Batch, BatchLogEntry, BatchTimer, InventoryItem
from ...models.types import utcnow
from .. import inventory, tenancy, units
from ..authz import authorize
from ..base import unit_of_work
from ..errors import InvalidState, NotFound, ValidationFailed
from .common import (
    _consumption_rows,
    _in_progress,
    _lock_items,
    _log,
    _record_consumption,
)


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
                          user_id=getattr(actor, "id", None), created_at=utcnow())
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
    timer = BatchTimer(organization_id=org.id, batch_id=batch.id, label=label, started_at=utcnow(),
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
    timer.stopped_at = utcnow()
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
