"""Transfers: stock of one item moved between two locations, at once or in transit (shipped, then received).

FIFO over the source location's usable lots; each source lot taken gets a `transfer_out` event and a new
destination lot (same unit cost, expiry, received date, supplier and hold; `source_lot_id` traces back to it)
with its `transfer_in` event, so the pair sums to zero and the item's quantity never changes. A destination lot
in transit is usable nowhere (fifo.usable_condition) until the transfer is received.
"""
from __future__ import annotations

from sqlalchemy import func

from ...extensions import db
from ...models import InventoryLot, Location, Transfer
from ...models.types import utcnow
from .. import tenancy, units
from ..authz import authorize
from ..base import unit_of_work
from ..errors import InvalidState, ValidationFailed
from ..pagination import Page, paginate
from ..validation import clean_text
from .common import insufficient, lock_item, require_whole_count
from .fifo import apply_plan, new_lot, plan_consumption
from .locations import location_for
from .movements import _respect_reservations

TRANSFER_OUT = "transfer_out"
TRANSFER_IN = "transfer_in"
TRANSFER_CHANGES = frozenset({TRANSFER_OUT, TRANSFER_IN})


@unit_of_work
def transfer_stock(org, actor, *, item_id, quantity, from_location_id, to_location_id, unit=None,
                   in_transit=False, notes="") -> tuple[Transfer, list[InventoryLot]]:
    """Move `quantity` of the item from one location to another; returns the transfer and its new lots."""
    authorize(actor, org, "inventory.adjust")
    requested = units.parse_quantity(quantity)
    source = _required_location(org, from_location_id, "from_location_id")
    destination = _required_location(org, to_location_id, "to_location_id")
    if source.id == destination.id:
        message = "Choose two different locations."
        raise ValidationFailed(message, fields={"to_location_id": message})
    if destination.archived_at is not None:
        message = f"{destination.name} is archived."
        raise ValidationFailed(message, fields={"to_location_id": message})
    item = lock_item(org, item_id)  # serializes with sales, uses and other transfers of this item
    qty = units.to_item_quantity(org, item, requested, unit)
    require_whole_count(org, item, qty)
    now = utcnow()
    plan = plan_consumption(org, item, qty, now=now, location=source)
    if plan.short > 0:
        error = insufficient([(item, qty, plan.total)], org, now)
        error.message = (f"Not enough usable stock of {item.name} at {source.name}: "
                         f"{units.clean_decimal(plan.total)} {item.unit} there.")
        error.args = (error.message,)
        raise error
    in_transit = bool(in_transit)
    if in_transit:  # stock on the road is not available: it may not take what reservations hold
        _respect_reservations(org, {item.id: (item, qty)}, "use", now)
    notes = clean_text(notes, "notes", 500)
    transfer = Transfer(organization_id=org.id, item_id=item.id, quantity=qty, from_location_id=source.id,
                        to_location_id=destination.id, status="in_transit" if in_transit else "received",
                        user_id=getattr(actor, "id", None), received_at=None if in_transit else now,
                        notes=notes)
    db.session.add(transfer)
    db.session.flush()
    note = f"Transfer #{transfer.id}: {source.name} → {destination.name}"
    takes = list(plan.takes)
    apply_plan(org, actor, item, plan, change_type=TRANSFER_OUT, notes=note)
    for lot, take in takes:
        new_lot(org, actor, item, take, lot.unit_cost, change_type=TRANSFER_IN, received_at=lot.received_at,
                expires_on=lot.expires_on, supplier_id=lot.supplier_id, supplier_lot_code=lot.supplier_lot_code,
                hold_until=lot.hold_until, notes=note, location_id=destination.id, in_transit=in_transit,
                source_lot_id=lot.id, transfer_id=transfer.id, purchase_unit=lot.purchase_unit)
    lots = transfer_lots(org, transfer)
    return transfer, lots


@unit_of_work
def receive_transfer(org, actor, transfer_id) -> tuple[Transfer, list[InventoryLot]]:
    """Stock in transit arrives: its lots become usable at the destination (no quantity changes)."""
    authorize(actor, org, "inventory.adjust")
    transfer = tenancy.get_for_org_for_update(Transfer, transfer_id, org)
    lock_item(org, transfer.item_id)
    if transfer.status != "in_transit":
        raise InvalidState(f"Transfer #{transfer.id} has already been received.")
    lots = transfer_lots(org, transfer)
    for lot in lots:
        lot.in_transit = False
    transfer.status = "received"
    transfer.received_at = utcnow()
    db.session.flush()
    return transfer, lots


def get_transfer(org, actor, transfer_id) -> Transfer:
    """One transfer of this organization (NotFound otherwise)."""
    authorize(actor, org, "inventory.view")
    return tenancy.get_for_org(Transfer, transfer_id, org)


def transfer_lots(org, transfer) -> list[InventoryLot]:
    """The destination lots a transfer created, in id order."""
    stmt = (tenancy.scoped(InventoryLot, org).where(InventoryLot.transfer_id == transfer.id)
            .order_by(InventoryLot.id).execution_options(populate_existing=True))
    return list(db.session.scalars(stmt))


def list_transfers(org, actor, *, status=None, page=1, per_page=50) -> Page:
    """Transfers, newest first (in transit first when no status is given)."""
    authorize(actor, org, "inventory.view")
    filters = []
    if status:
        filters.append(Transfer.status == status)
    stmt = (tenancy.scoped(Transfer, org).where(*filters)
            .order_by((Transfer.status == "in_transit").desc(), Transfer.created_at.desc(), Transfer.id.desc()))
    count = tenancy.scoped(Transfer, org, func.count(Transfer.id)).where(*filters)
    return paginate(stmt, count, page, per_page)


def _required_location(org, value, field: str) -> Location:
    location = location_for(org, value, field)
    if location is None:
        message = "Choose a location."
        raise ValidationFailed(message, fields={field: message})
    return location


