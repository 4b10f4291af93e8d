"""Steps every batch verb shares: the timeline entry, consumption rows, item locks, the in-progress guard."""
from __future__ import annotations

from decimal import Decimal

from ...extensions import db
from ...models import (
    Batch,
    BatchConsumption,
    BatchLogEntry,
    InventoryEvent,
    InventoryItem,
)
from ...models.types import utcnow
from .. import tenancy
from ..errors import InsufficientStock, InvalidState


def _log(org, actor, batch: Batch, kind: str, message: str) -> None:
    db.session.add(BatchLogEntry(organization_id=org.id, batch_id=batch.id, kind=kind, message=message,
                                 user_id=getattr(actor, "id", None), created_at=utcnow()))


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


def _named_shortages(error: InsufficientStock) -> InsufficientStock:
    """Name every short line by item name and by item id, so people and scripts can both read it."""
    fields = dict(error.fields or {})
    for shortage in getattr(error, "shortages", []):
        fields[str(shortage["item_id"])] = fields.get(shortage["name"], "Not enough usable stock.")
    error.fields = fields
    return error


def _consumption_rows(org, batch: Batch) -> list[BatchConsumption]:
    stmt = tenancy.scoped(BatchConsumption, org).where(BatchConsumption.batch_id == batch.id)
    return list(db.session.scalars(stmt.order_by(BatchConsumption.id)))
