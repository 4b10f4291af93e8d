"""Holds and write-offs: a lot's cure / hold date, a recall's hold, disposing of what is left in a lot."""
from __future__ import annotations

from decimal import Decimal

from ...extensions import db
from ...models import InventoryEvent, InventoryItem, InventoryLot
from .. import tenancy
from ..authz import authorize
from ..base import unit_of_work
from ..errors import InvalidState, NotFound
from ..validation import clean_text
from .common import DISPOSALS, HOLD_CHANGE, check_change_type, lock_item, reload_lot
from .expiration import is_expired, parse_date
from .fifo import move_lot


@unit_of_work
def dispose_lot(org, actor, lot_id, *, change_type="expired", notes="") -> InventoryEvent:
    """Write off everything left in one lot (expired, spoiled, damaged …)."""
    authorize(actor, org, "inventory.adjust")
    check_change_type(change_type, DISPOSALS)
    found = tenancy.get_for_org(InventoryLot, lot_id, org)
    item = lock_item(org, found.item_id)
    lot = reload_lot(org, found.id)
    if lot.remaining_quantity <= 0:
        raise InvalidState(f"Lot {lot.code} is already empty.")
    return move_lot(org, actor, item, lot, -lot.remaining_quantity, change_type=change_type,
                    notes=clean_text(notes, "notes", 5000))


@unit_of_work
def set_lot_hold(org, actor, lot_id, hold_until, *, notes="") -> InventoryLot:
    """Change a lot's cure / hold date, or release it (None): the lot is usable from that date (the org's
    calendar). Recorded in the item's ledger as a `hold` event of quantity 0, so the history shows who and when."""
    authorize(actor, org, "inventory.adjust")
    found = tenancy.get_for_org(InventoryLot, lot_id, org)
    item = lock_item(org, found.item_id)
    lot = reload_lot(org, found.id)
    new = parse_date(hold_until, "hold_until")
    if lot.remaining_quantity <= 0:
        raise InvalidState(f"Lot {lot.code} is empty; there is nothing to hold or release.")
    if new == lot.hold_until:
        return lot
    before = lot.hold_until
    lot.hold_until = new
    if new is None:
        change = f"Hold released (was until {before.isoformat()})."
    elif before is None:
        change = f"On hold until {new.isoformat()}."
    else:
        change = f"Hold moved from {before.isoformat()} to {new.isoformat()}."
    if lot.hold_reason:
        change += f" Still held by a recall: {lot.hold_reason}"
    extra = clean_text(notes, "notes", 4000)
    move_lot(org, actor, item, lot, Decimal(0), change_type=HOLD_CHANGE, notes=f"{change} {extra}".strip())
    return lot


@unit_of_work
def dispose_expired_lot(org, actor, lot_id, *, notes: str = ""):
    """Write off everything left in one expired lot (an `expired` event on exactly that lot)."""
    authorize(actor, org, "inventory.adjust")
    lot = tenancy.get_for_org(InventoryLot, lot_id, org)
    if not is_expired(lot):
        raise InvalidState(f"Lot {lot.code} has not expired; use a spoil or trash adjustment instead.")
    return dispose_lot(org, actor, lot.id, change_type="expired", notes=notes)


def set_hold_reason(org, actor, lot: InventoryLot, reason: str | None, *,
                    permission: str = "traceability.recall") -> InventoryLot:
    """Put a recall's hold on a lot the caller has locked (lock_lots), or lift it (None): held lots are never
    consumed, checked as usable or sold. Flushes only; the recall service owns the transaction."""
    authorize(actor, org, permission)
    if lot.organization_id != org.id:
        raise NotFound("Lot not found.")
    lot.hold_reason = reason or None
    return lot


def lock_lots(org, lot_ids) -> dict[int, InventoryLot]:
    """Lock the lots' items (id order, like every stock change), then load the lots fresh, by id."""
    if not lot_ids:
        return {}
    ids = sorted(set(lot_ids))
    item_ids = sorted(set(db.session.scalars(tenancy.scoped(InventoryLot, org, InventoryLot.item_id)
                                             .where(InventoryLot.id.in_(ids)))))
    tenancy.lock_for_org(InventoryItem, item_ids, org)
    stmt = tenancy.scoped(InventoryLot, org).where(InventoryLot.id.in_(ids)).execution_options(populate_existing=True)
    return {lot.id: lot for lot in db.session.scalars(stmt)}
