"""What every inventory module shares: the change types, the item lock and lot loads, one shortage error."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ...extensions import db
from ...models import InventoryEvent, InventoryItem, InventoryLot, Supplier
from .. import tenancy, units
from ..errors import (
    InsufficientStock,
    InvalidQuantity,
    NotFound,
    UnknownChangeType,
    ValidationFailed,
)
from .stock_check import hold_notes

CHANGE_TYPES: dict[str, tuple[str, ...]] = {
    "restock": ("restock",),
    "recount": ("recount",),
    "deductions": ("use", "sale", "sample", "tester", "gift", "batch"),
    "disposals": ("spoil", "trash", "damaged", "expired", "quality_fail"),
    "credits": ("returned", "batch_cancelled"),
    "produced": ("produced",),  # a finished batch's output lots: written only by receive_produced
}
DEDUCTIONS = frozenset(CHANGE_TYPES["deductions"])
DISPOSALS = frozenset(CHANGE_TYPES["disposals"])
CREDITS = frozenset(CHANGE_TYPES["credits"])
PRODUCED = "produced"
ALL_CHANGE_TYPES = frozenset(t for group in CHANGE_TYPES.values() for t in group) - {PRODUCED}  # adjust() takes these
REVERSAL = "reversal"  # written only by reverse_event
HOLD_CHANGE = "hold"  # written only by set_lot_hold: quantity 0, the ledger's record of a hold change


@dataclass
class AdjustmentResult:
    events: list[InventoryEvent]
    item: InventoryItem


def check_change_type(change_type, allowed) -> None:
    """UnknownChangeType for a name the ledger does not know; ValidationFailed for one not allowed here."""
    if not isinstance(change_type, str) or change_type not in ALL_CHANGE_TYPES:
        shown = change_type if isinstance(change_type, str) else repr(change_type)
        raise UnknownChangeType(f"Unknown change type “{shown}”.",
                                fields={"change_type": f"One of {', '.join(sorted(ALL_CHANGE_TYPES))}."})
    if change_type not in allowed:
        raise ValidationFailed(f"“{change_type}” is not allowed here.",
                               fields={"change_type": f"One of {', '.join(sorted(allowed))}."})


def require_whole_count(org, item: InventoryItem, quantity: Decimal, field: str = "quantity") -> None:
    """An item stocked in a count unit (each, dozen) moves in whole stock units unless it allows fractions:
    half a jar sold is a typo. InvalidQuantity (422 invalid_quantity) names the field."""
    if item.allow_fractions or quantity == quantity.to_integral_value():
        return
    if units.unit_def(org, item.unit).dimension != "count":
        return
    message = f"This item is counted in whole {item.unit}; enter a whole number."
    raise InvalidQuantity(message, fields={field: message})


def lock_item(org, item_id) -> InventoryItem:
    """The item, row-locked for a stock change (NotFound in another organization)."""
    return tenancy.get_for_org_for_update(InventoryItem, item_id, org)


def reload_lot(org, lot_id) -> InventoryLot:
    """The lot, re-read with a row lock."""
    stmt = (tenancy.scoped(InventoryLot, org).where(InventoryLot.id == lot_id)
            .execution_options(populate_existing=True))
    lot = db.session.scalar(stmt)
    if lot is None:
        raise NotFound("Lot not found.")
    return lot


def lot_of_item(org, item, lot_code) -> InventoryLot:
    """The item's lot with this code, or ValidationFailed on lot_code."""
    code = str(lot_code).strip()
    stmt = (tenancy.scoped(InventoryLot, org).where(InventoryLot.code == code)
            .execution_options(populate_existing=True))
    lot = db.session.scalar(stmt)
    if lot is None or lot.item_id != item.id:
        message = f"No lot “{code}” of {item.name}."
        raise ValidationFailed(message, fields={"lot_code": message})
    return lot


def checked_supplier_id(org, value) -> int | None:
    """A supplier id of this organization (or None), else ValidationFailed."""
    if value in (None, ""):
        return None
    try:
        return tenancy.get_for_org(Supplier, value, org).id
    except NotFound:
        raise ValidationFailed("Choose one of your suppliers.", fields={"supplier_id": "Unknown supplier."}) from None


def int_id(value) -> int:
    """An id as an int, or NotFound."""
    try:
        return int(getattr(value, "id", value))
    except (TypeError, ValueError):
        raise NotFound("Item not found.") from None


def insufficient(lines, org=None, now=None) -> InsufficientStock:
    """One error naming every short line: (item, needed, usable), and the lots on hold that hold it back."""
    fields, shortages, sentences = {}, [], []
    held = hold_notes(org, [item for item, _, _ in lines], now=now) if org is not None else {}
    for item, needed, usable in lines:
        note = held.get(item.id, "")
        fields[item.name] = (f"Needs {units.clean_decimal(needed)} {item.unit}; "
                             f"{'only ' if note else ''}{units.clean_decimal(usable)} {item.unit} usable"
                             f"{': ' + note if note else ''}.")
        shortages.append({"item_id": item.id, "name": item.name, "needed": needed, "available": usable,
                          "unit": item.unit, "shortfall": needed - usable, "held": note})
        if note:
            sentences.append(f"{item.name}: only {units.clean_decimal(usable)} {item.unit} usable; {note}.")
    names = ", ".join(item.name for item, _, _ in lines)
    error = InsufficientStock(" ".join([f"Not enough usable stock of {names}.", *sentences]), fields=fields)
    error.shortages = shortages
    return error
