"""Inventory: items, and every change to an item's quantity — one ledger event per lot touched.

Invariants at every commit: item.quantity = Σ lot remaining = Σ event quantities; 0 ≤ remaining ≤
original; every event carries its lot's unit cost, so received cost = consumed cost + remaining value.
Stock-changing calls lock the item row(s) first (in id order), then read lots.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

from sqlalchemy import func, or_
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import ITEM_KINDS, GlobalItem, InventoryEvent, InventoryItem, InventoryLot, Supplier
from ..models.types import COST_QUANTUM, QUANTUM, utcnow
from . import tenancy, units
from .authz import authorize
from .base import unit_of_work
from .errors import InsufficientStock, InvalidQuantity, InvalidState, NotFound, UnknownChangeType, ValidationFailed
from .expiration import expiry_for_receipt, parse_date, parse_datetime
from .fifo import Plan, apply_plan, consumption_order, event_codes, move_lot, new_lot, plan_consumption
from .pagination import Page, paginate
from .stock_check import hold_notes as stock_hold_notes
from .stock_check import reserved_quantities, usable_quantities
from .timezones import org_today
from .validation import clean_text

CHANGE_TYPES: dict[str, tuple[str, ...]] = {
    "restock": ("restock",),
    "recount": ("recount",),
    "deductions": ("use", "sale", "sample", "tester", "gift", "batch"),
    "disposals": ("spoil", "trash", "damaged", "expired", "quality_fail"),
    "credits": ("returned", "batch_cancelled"),
}
DEDUCTIONS = frozenset(CHANGE_TYPES["deductions"])
DISPOSALS = frozenset(CHANGE_TYPES["disposals"])
CREDITS = frozenset(CHANGE_TYPES["credits"])
ALL_CHANGE_TYPES = frozenset(t for group in CHANGE_TYPES.values() for t in group)
REVERSAL = "reversal"  # written only by reverse_event
HOLD_CHANGE = "hold"  # written only by set_lot_hold: quantity 0, the ledger's record of a hold change
MAX_UNIT_COST = Decimal("1e7")
LIST_SORTS = ("name", "quantity", "value", "kind", "updated")
LIBRARY_LOCKED = ("name", "inci_name", "density")
ITEM_FIELDS = frozenset({
    "name", "kind", "unit", "density", "shelf_life_days", "reorder_point", "safety_stock", "inci_name",
    "allergens", "capacity", "capacity_unit", "supplier_id", "notes", "global_item_id", "allow_fractions",
})


@dataclass
class AdjustmentResult:
    events: list[InventoryEvent]
    item: InventoryItem


@dataclass
class ItemSummary:
    available: Decimal
    value: Decimal
    avg_unit_cost: Decimal | None
    expired_qty: Decimal
    expiring_qty: Decimal
    low_stock: bool
    lots_count: int

    def __getitem__(self, key):  # templates may use summary["available"] as well as summary.available
        return getattr(self, key)


# ---- items -----------------------------------------------------------------------------------------

@unit_of_work
def create_item(org, actor, *, name, kind, unit, density=None, shelf_life_days=None, reorder_point=None,
                safety_stock=None, inci_name=None, allergens="", capacity=None, capacity_unit=None,
                supplier_id=None, notes="", global_item_id=None, allow_fractions=False) -> InventoryItem:
    """Add an item; linked to a library entry it takes the entry's name, INCI and density."""
    authorize(actor, org, "inventory.edit")
    values = _item_values(org, dict(
        name=name, kind=kind, unit=unit, density=density, shelf_life_days=shelf_life_days,
        reorder_point=reorder_point, safety_stock=safety_stock, inci_name=inci_name, allergens=allergens,
        capacity=capacity, capacity_unit=capacity_unit, supplier_id=supplier_id, notes=notes,
        allow_fractions=allow_fractions))
    item = InventoryItem(organization_id=org.id, quantity=Decimal(0), **values)
    if global_item_id not in (None, ""):
        _copy_library_identity(item, _library_entry(global_item_id))
    _check_name_free(org, item.name)
    db.session.add(item)
    db.session.flush()
    return item


@unit_of_work
def update_item(org, actor, item_id, **fields) -> InventoryItem:
    """Edit an item; library-owned identity stays locked while linked; the unit only before any stock."""
    authorize(actor, org, "inventory.edit")
    unknown = set(fields) - ITEM_FIELDS
    if unknown:
        raise TypeError(f"update_item got unknown field(s): {', '.join(sorted(unknown))}")
    item = tenancy.get_for_org_for_update(InventoryItem, item_id, org)
    if "global_item_id" in fields:
        link = fields.pop("global_item_id")
        if link in (None, ""):
            item.global_item_id = None
        else:
            entry = _library_entry(link)
            if entry.id != item.global_item_id:
                _copy_library_identity(item, entry)
    values = _item_values(org, fields, item=item)
    if item.global_item_id is not None:
        locked = {k: "Linked to the global library; unlink the item to edit this."
                  for k in LIBRARY_LOCKED if k in values and values[k] != getattr(item, k)}
        if locked:
            raise ValidationFailed("This item is linked to the global library, which owns its name, INCI name "
                                   "and density. Unlink it to edit them.", fields=locked)
    if "unit" in values and values["unit"] != item.unit and _has_lots(org, item):
        message = "The stock unit cannot change once stock has been recorded in it."
        raise ValidationFailed(message, fields={"unit": message})
    for key, value in values.items():
        setattr(item, key, value)
    if item.archived_at is None:
        _check_name_free(org, item.name, exclude_id=item.id)
    return item


@unit_of_work
def link_library_item(org, actor, item_id, global_item_id) -> InventoryItem:
    """Link an item to a global library entry: it takes the entry's name, INCI name and density."""
    authorize(actor, org, "inventory.edit")
    item = tenancy.get_for_org_for_update(InventoryItem, item_id, org)
    _copy_library_identity(item, _library_entry(global_item_id))
    _check_name_free(org, item.name, exclude_id=item.id)
    return item


@unit_of_work
def unlink_library_item(org, actor, item_id) -> InventoryItem:
    """Unlink an item from the library; it keeps its current values, now editable."""
    authorize(actor, org, "inventory.edit")
    item = tenancy.get_for_org_for_update(InventoryItem, item_id, org)
    item.global_item_id = None
    return item


@unit_of_work
def archive_item(org, actor, item_id) -> InventoryItem:
    """Hide an item from lists and pickers; its lots and history stay."""
    authorize(actor, org, "inventory.edit")
    item = tenancy.get_for_org_for_update(InventoryItem, item_id, org)
    if item.archived_at is None:
        item.archived_at = utcnow()
    return item


@unit_of_work
def restore_item(org, actor, item_id) -> InventoryItem:
    """Bring an archived item back."""
    authorize(actor, org, "inventory.edit")
    item = tenancy.get_for_org_for_update(InventoryItem, item_id, org)
    if item.archived_at is not None:
        _check_name_free(org, item.name, exclude_id=item.id)
        item.archived_at = None
    return item


def _item_values(org, fields: dict, item: InventoryItem | None = None) -> dict:
    """Validated column values for the given fields (all required ones when creating)."""
    values: dict = {}
    creating = item is None
    if creating or "name" in fields:
        values["name"] = clean_text(fields.get("name"), "name", 120, required=True, label="a name")
    if creating or "kind" in fields:
        kind = fields.get("kind") or "ingredient"
        if kind not in ITEM_KINDS:
            raise ValidationFailed(f"Kind must be one of {', '.join(ITEM_KINDS)}.",
                                   fields={"kind": f"One of {', '.join(ITEM_KINDS)}."})
        values["kind"] = kind
    if creating or "unit" in fields:
        values["unit"] = units.unit_def(org, fields.get("unit"), "unit").name
    if "density" in fields:
        values["density"] = units.parse_density(fields["density"])
    if "shelf_life_days" in fields:
        values["shelf_life_days"] = _shelf_life(fields["shelf_life_days"])
    for key in ("reorder_point", "safety_stock"):
        if key in fields:
            values[key] = _optional_quantity(fields[key], key, allow_zero=True)
    if "inci_name" in fields:
        values["inci_name"] = clean_text(fields["inci_name"], "inci_name", 255) or None
    if "allergens" in fields:
        allergens = fields["allergens"]
        if isinstance(allergens, (list, tuple)):
            allergens = ", ".join(str(a).strip() for a in allergens if str(a).strip())
        values["allergens"] = clean_text(allergens, "allergens", 500)
    if "capacity" in fields:
        values["capacity"] = _optional_quantity(fields["capacity"], "capacity")
    if "capacity_unit" in fields:
        unit = fields["capacity_unit"]
        values["capacity_unit"] = units.unit_def(org, unit, "capacity_unit").name if unit else None
    if values.get("capacity") is not None and not (values.get("capacity_unit") or (item and item.capacity_unit)):
        raise ValidationFailed("Choose the unit of the capacity.", fields={"capacity_unit": "Choose a unit."})
    if "supplier_id" in fields:
        values["supplier_id"] = _supplier_id(org, fields["supplier_id"])
    if "notes" in fields:
        values["notes"] = clean_text(fields["notes"], "notes", 5000)
    if "allow_fractions" in fields:
        if fields["allow_fractions"] not in (None, True, False):
            raise ValidationFailed("allow_fractions must be true or false.",
                                   fields={"allow_fractions": "Must be true or false."})
        values["allow_fractions"] = bool(fields["allow_fractions"])
    return values


def require_whole_count(org, item: InventoryItem, quantity: Decimal, field: str = "quantity") -> None:
    """An item stocked in a count unit (each, dozen) moves in whole stock units unless it allows fractions:
    half a jar sold is a typo. InvalidQuantity (422 invalid_quantity) names the field."""
    if item.allow_fractions or quantity == quantity.to_integral_value():
        return
    if units.unit_def(org, item.unit).dimension != "count":
        return
    message = f"This item is counted in whole {item.unit}; enter a whole number."
    raise InvalidQuantity(message, fields={field: message})



def _shelf_life(value) -> int | None:
    if value is None or value == "":
        return None
    try:
        if isinstance(value, bool) or (isinstance(value, (float, Decimal)) and value != int(value)):
            raise ValueError
        days = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed("Shelf life is a whole number of days.", fields={"shelf_life_days": "Whole days."}) \
            from None
    if not 1 <= days <= 36500:
        raise ValidationFailed("Shelf life must be 1 to 36500 days.", fields={"shelf_life_days": "1 to 36500 days."})
    return days


def _optional_quantity(value, field: str, *, allow_zero: bool = False) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return units.parse_quantity(value, field, allow_zero=allow_zero).quantize(QUANTUM, rounding=ROUND_HALF_EVEN)


def _supplier_id(org, value) -> int | None:
    if value in (None, ""):
        return None
    try:
        return tenancy.get_for_org(Supplier, value, org).id
    except NotFound:
        raise ValidationFailed("Choose one of your suppliers.", fields={"supplier_id": "Unknown supplier."}) from None


def _library_entry(global_item_id) -> GlobalItem:
    from .library import get_library_item  # one id check for the library (no overflow on absurd ids)

    try:
        return get_library_item(global_item_id)
    except NotFound:
        raise ValidationFailed("That library entry does not exist.",
                               fields={"global_item_id": "Unknown entry."}) from None


def _copy_library_identity(item: InventoryItem, entry: GlobalItem) -> None:
    item.global_item_id = entry.id
    item.name = entry.name
    item.inci_name = entry.inci
    item.density = entry.density
    if item.shelf_life_days is None:
        item.shelf_life_days = entry.shelf_life_days
    if not item.allergens and entry.allergens:
        item.allergens = ", ".join(entry.allergens)
    if item.capacity is None and entry.capacity is not None:
        item.capacity, item.capacity_unit = entry.capacity, entry.capacity_unit


def _check_name_free(org, name: str, exclude_id: int | None = None) -> None:
    stmt = tenancy.scoped(InventoryItem, org, InventoryItem.id).where(
        func.lower(InventoryItem.name) == name.lower(), InventoryItem.archived_at.is_(None))
    if exclude_id is not None:
        stmt = stmt.where(InventoryItem.id != exclude_id)
    if db.session.scalar(stmt.limit(1)) is not None:
        raise ValidationFailed(f"You already have an item named “{name}”.", fields={"name": "Already in use."})


def _has_lots(org, item) -> bool:
    return tenancy.find_for_org(InventoryLot, org, item_id=item.id) is not None


# ---- stock changes ---------------------------------------------------------------------------------

@unit_of_work
def adjust(org, actor, item_id, *, change_type, quantity, unit=None, unit_cost=None, expires_at=None,
           received_at=None, supplier_id=None, supplier_lot_code=None, lot_code=None, notes="", batch_id=None,
           sale_id=None) -> AdjustmentResult:
    """One stock adjustment of any change type (restock, recount, deduction, disposal, credit)."""
    authorize(actor, org, "inventory.adjust")
    _check_change_type(change_type, ALL_CHANGE_TYPES)
    common = dict(notes=notes, batch_id=batch_id, sale_id=sale_id)
    if change_type == "restock":
        events = [restock(org, actor, item_id, quantity=quantity, unit=unit, unit_cost=unit_cost,
                          expires_at=expires_at, received_at=received_at, supplier_id=supplier_id,
                          supplier_lot_code=supplier_lot_code, lot_code=lot_code, **common)]
    elif change_type == "recount":
        events = recount(org, actor, item_id, quantity=quantity, unit=unit, unit_cost=unit_cost, notes=notes)
    elif change_type in CREDITS:
        if not lot_code or not str(lot_code).strip():
            message = "Choose the lot the stock goes back to."
            raise ValidationFailed(message, fields={"lot_code": message})
        lot = _lot_of_item(org, tenancy.get_for_org(InventoryItem, item_id, org), lot_code)
        events = [credit_lot(org, actor, lot.id, quantity, unit=unit, change_type=change_type, **common)]
    else:
        events = deduct(org, actor, item_id, quantity, unit, change_type=change_type, lot_code=lot_code, **common)
    return AdjustmentResult(events=events, item=tenancy.get_for_org(InventoryItem, item_id, org))


@unit_of_work
def restock(org, actor, item_id, *, quantity, unit=None, unit_cost=None, expires_at=None, received_at=None,
            supplier_id=None, supplier_lot_code=None, lot_code=None, notes="", batch_id=None, sale_id=None,
            hold_until=None, change_type="restock") -> InventoryEvent:
    """Receive stock as one new lot (unit_cost per `unit`, stored per item unit); returns its event."""
    authorize(actor, org, "inventory.adjust")
    _check_change_type(change_type, {"restock"})
    requested = units.parse_quantity(quantity)
    item = _lock_item(org, item_id)
    if item.archived_at is not None:
        raise InvalidState(f"{item.name} is archived; restore it before receiving stock.")
    qty = units.to_item_quantity(org, item, requested, unit)
    require_whole_count(org, item, qty)
    cost = _cost_per_item_unit(unit_cost, requested, qty)
    now = utcnow()
    received = parse_datetime(received_at, "received_at") or now
    if received > now + timedelta(days=1):
        raise ValidationFailed("The received date cannot be in the future.",
                               fields={"received_at": "Cannot be in the future."})
    code = _new_lot_code(org, lot_code)
    event = new_lot(org, actor, item, qty, cost, change_type="restock", received_at=received,
                    expires_on=expiry_for_receipt(item, received, expires_at),
                    supplier_id=_supplier_id(org, supplier_id) if supplier_id not in (None, "") else item.supplier_id,
                    supplier_lot_code=clean_text(supplier_lot_code, "supplier_lot_code", 80) or None, code=code,
                    hold_until=parse_date(hold_until, "hold_until"), notes=clean_text(notes, "notes", 5000),
                    batch_id=batch_id, sale_id=sale_id)
    return event


@unit_of_work
def deduct(org, actor, item_id, quantity, unit=None, *, change_type, lot_code=None, notes="", batch_id=None,
           sale_id=None, permission: str = "inventory.adjust") -> list[InventoryEvent]:
    """Consume stock oldest-lot-first, or from one named lot; one ledger event per lot touched.

    `permission` is what allows this movement: a sale is `products.sell`, a batch `batches.start`."""
    authorize(actor, org, permission)
    _check_change_type(change_type, DEDUCTIONS | DISPOSALS)
    requested = units.parse_quantity(quantity)
    item = _lock_item(org, item_id)
    qty = units.to_item_quantity(org, item, requested, unit)
    require_whole_count(org, item, qty)
    now = utcnow()
    if lot_code not in (None, ""):
        plan = _plan_named_lot(org, item, qty, lot_code, change_type, now)
    else:
        plan = plan_consumption(org, item, qty, now=now)
    if plan.short > 0:
        raise _insufficient([(item, qty, plan.total)], org, now)
    _respect_reservations(org, {item.id: (item, qty)}, change_type, now)
    return apply_plan(org, actor, item, plan, change_type=change_type, notes=clean_text(notes, "notes", 5000),
                      batch_id=batch_id, sale_id=sale_id)


def _respect_reservations(org, wanted: dict, change_type: str, now: datetime) -> None:
    """Uses, sales and batches may not take stock that open reservations hold for other orders
    (disposals may: spoiled stock is gone either way). `wanted` maps item id → (item, quantity)."""
    if change_type not in DEDUCTIONS:
        return
    reserved = {item_id: qty for item_id, qty in reserved_quantities(org, wanted.keys(), now=now).items() if qty > 0}
    if not reserved:  # the usual case: one cheap query, no sum over the lots
        return
    usable = usable_quantities(org, reserved.keys(), now=now)
    short = [(wanted[item_id][0], wanted[item_id][1], max(usable[item_id] - held, Decimal(0)))
             for item_id, held in reserved.items() if wanted[item_id][1] > usable[item_id] - held]
    if short:
        raise _insufficient(short, org, now)


@unit_of_work
def deduct_many(org, actor, needs, *, change_type, batch_id=None, sale_id=None, notes="",
                permission: str = "inventory.adjust") -> dict:
    """Deduct several items at once (batch start): all lines checked before anything is written."""
    authorize(actor, org, permission)
    _check_change_type(change_type, DEDUCTIONS | DISPOSALS)
    parsed = [(_int_id(item_id), units.parse_quantity(quantity), unit) for item_id, quantity, unit in needs]
    ids = sorted({item_id for item_id, _, _ in parsed})
    items = {item.id: item for item in tenancy.lock_for_org(InventoryItem, ids, org)}
    missing = set(ids) - set(items)
    if missing:
        raise NotFound(f"Item {min(missing)} not found.")
    totals: dict[int, Decimal] = {}
    for item_id, quantity, unit in parsed:
        totals[item_id] = totals.get(item_id, Decimal(0)) + units.to_item_quantity(org, items[item_id], quantity,
                                                                                   unit)
    now = utcnow()
    plans: dict[int, Plan] = {}
    short = []
    for item_id in ids:
        plans[item_id] = plan_consumption(org, items[item_id], totals[item_id], now=now)
        if plans[item_id].short > 0:
            short.append((items[item_id], totals[item_id], plans[item_id].total))
    if short:
        raise _insufficient(short, org, now)
    _respect_reservations(org, {item_id: (items[item_id], totals[item_id]) for item_id in ids}, change_type, now)
    notes = clean_text(notes, "notes", 5000)
    codes = iter(event_codes(org, change_type, sum(len(plans[item_id].takes) for item_id in ids)))
    return {item_id: apply_plan(org, actor, items[item_id], plans[item_id], change_type=change_type, notes=notes,
                                batch_id=batch_id, sale_id=sale_id,
                                codes=[next(codes) for _ in plans[item_id].takes]) for item_id in ids}


@unit_of_work
def recount(org, actor, item_id, *, quantity, unit=None, unit_cost=None, notes="") -> list[InventoryEvent]:
    """Set the counted total: a shortfall is drawn oldest-first, a surplus becomes a new lot."""
    authorize(actor, org, "inventory.adjust")
    counted_request = units.parse_quantity(quantity, allow_zero=True)
    item = _lock_item(org, item_id)
    counted = units.to_item_quantity(org, item, counted_request, unit)
    require_whole_count(org, item, counted)
    difference = counted - item.quantity
    notes = clean_text(notes, "notes", 5000)
    now = utcnow()
    if difference == 0:
        return []
    if difference < 0:
        plan = plan_consumption(org, item, -difference, now=now)
        if plan.short > 0:  # then expired and held lots: the count says they are gone too
            rest = plan_consumption(org, item, plan.short, now=now, usable=False)
            plan.takes.extend(rest.takes)
            plan.short = rest.short
        if plan.short > 0:
            raise InvalidState(f"The lots of {item.name} do not add up to its quantity; contact support.")
        return apply_plan(org, actor, item, plan, change_type="recount", notes=notes)
    if unit_cost in (None, ""):
        cost = _latest_unit_cost(org, item)
    else:
        cost = _cost_per_item_unit(unit_cost, counted_request, counted)
    return [new_lot(org, actor, item, difference, cost, change_type="recount", received_at=now,
                    expires_on=expiry_for_receipt(item, now), supplier_id=item.supplier_id, notes=notes)]


@unit_of_work
def credit_lot(org, actor, lot_id, quantity, *, change_type, notes="", batch_id=None, sale_id=None,
               unit=None, permission: str = "inventory.adjust") -> InventoryEvent:
    """Put stock back into exactly this lot (a return, a cancelled batch); never beyond its original."""
    authorize(actor, org, permission)
    _check_change_type(change_type, CREDITS)
    requested = units.parse_quantity(quantity)
    found = tenancy.get_for_org(InventoryLot, lot_id, org)
    item = _lock_item(org, found.item_id)
    lot = _reload_lot(org, found.id)
    qty = units.to_item_quantity(org, item, requested, unit)
    room = lot.original_quantity - lot.remaining_quantity
    if qty > room:
        message = f"At most {units.clean_decimal(room)} {item.unit} can go back to lot {lot.code}."
        raise ValidationFailed(message, fields={"quantity": message})
    return move_lot(org, actor, item, lot, qty, change_type=change_type, notes=clean_text(notes, "notes", 5000),
                    batch_id=batch_id, sale_id=sale_id)


@unit_of_work
def reverse_event(org, actor, event_id, *, notes="") -> InventoryEvent:
    """Undo a ledger event with a reversing event on the same lot (events are never edited)."""
    authorize(actor, org, "inventory.adjust")
    original = tenancy.get_for_org(InventoryEvent, event_id, org)
    item = _lock_item(org, original.item_id)
    if original.change_type == REVERSAL:
        raise InvalidState("A reversal cannot be reversed; record a new adjustment instead.")
    if original.change_type == HOLD_CHANGE:
        raise InvalidState(f"Event {original.code} changed a hold, not stock; change the lot's hold instead.")
    if tenancy.find_for_org(InventoryEvent, org, reverses_event_id=original.id) is not None:
        raise InvalidState(f"Event {original.code} has already been reversed.")
    if original.lot_id is None:
        raise InvalidState(f"Event {original.code} touched no lot and cannot be reversed.")
    lot = _reload_lot(org, original.lot_id)
    change = -original.quantity
    after = lot.remaining_quantity + change
    if after < 0:
        raise InvalidState(f"Only {units.clean_decimal(lot.remaining_quantity)} {item.unit} of lot {lot.code} is "
                           f"left, so event {original.code} can no longer be reversed in full.")
    if after > lot.original_quantity:
        raise InvalidState(f"Reversing {original.code} would put more into lot {lot.code} than it received.")
    return move_lot(org, actor, item, lot, change, change_type=REVERSAL,
                    notes=clean_text(notes, "notes", 5000) or f"Reverses {original.code}",
                    batch_id=original.batch_id, sale_id=original.sale_id, reverses_event_id=original.id)


@unit_of_work
def dispose_lot(org, actor, lot_id, *, change_type="expired", notes="") -> InventoryEvent:
    """Write off everything left in one lot (expired, spoiled, damaged …)."""
    authorize(actor, org, "inventory.adjust")
    _check_change_type(change_type, DISPOSALS)
    found = tenancy.get_for_org(InventoryLot, lot_id, org)
    item = _lock_item(org, found.item_id)
    lot = _reload_lot(org, found.id)
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
    item = _lock_item(org, found.item_id)
    lot = _reload_lot(org, found.id)
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


def _check_change_type(change_type, allowed) -> None:
    if not isinstance(change_type, str) or change_type not in ALL_CHANGE_TYPES:
        shown = change_type if isinstance(change_type, str) else repr(change_type)
        raise UnknownChangeType(f"Unknown change type “{shown}”.",
                                fields={"change_type": f"One of {', '.join(sorted(ALL_CHANGE_TYPES))}."})
    if change_type not in allowed:
        raise ValidationFailed(f"“{change_type}” is not allowed here.",
                               fields={"change_type": f"One of {', '.join(sorted(allowed))}."})


def _lock_item(org, item_id) -> InventoryItem:
    return tenancy.get_for_org_for_update(InventoryItem, item_id, org)


def _reload_lot(org, lot_id) -> InventoryLot:
    stmt = (tenancy.scoped(InventoryLot, org).where(InventoryLot.id == lot_id)
            .execution_options(populate_existing=True))
    lot = db.session.scalar(stmt)
    if lot is None:
        raise NotFound("Lot not found.")
    return lot


def _lot_of_item(org, item, lot_code) -> InventoryLot:
    code = str(lot_code).strip()
    stmt = (tenancy.scoped(InventoryLot, org).where(InventoryLot.code == code)
            .execution_options(populate_existing=True))
    lot = db.session.scalar(stmt)
    if lot is None or lot.item_id != item.id:
        message = f"No lot “{code}” of {item.name}."
        raise ValidationFailed(message, fields={"lot_code": message})
    return lot


def _plan_named_lot(org, item, qty: Decimal, lot_code, change_type: str, now: datetime) -> Plan:
    lot = _lot_of_item(org, item, lot_code)
    status = lot.status(org_today(org, now), now)
    if change_type in DEDUCTIONS and status == "expired":
        message = f"Lot {lot.code} expired on {lot.expires_on.isoformat()}; dispose of it instead of using it."
        raise ValidationFailed(message, fields={"lot_code": message})
    if change_type in DEDUCTIONS and status == "on_hold":
        message = (f"Lot {lot.code} is on hold ({lot.hold_reason}) and cannot be used." if lot.hold_reason else
                   f"Lot {lot.code} is curing until {lot.hold_until.isoformat()} and cannot be used before then.")
        raise ValidationFailed(message, fields={"lot_code": message})
    take = min(qty, lot.remaining_quantity)
    return Plan(takes=[(lot, take)] if take > 0 else [], short=qty - take)


def _insufficient(lines, org=None, now=None) -> InsufficientStock:
    """One error naming every short line: (item, needed, usable), and the lots on hold that hold it back."""
    fields, shortages, sentences = {}, [], []
    held = stock_hold_notes(org, [item for item, _, _ in lines], now=now) if org is not None else {}
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


def _cost_per_item_unit(unit_cost, requested: Decimal, qty: Decimal) -> Decimal:
    """Cost per item unit from a cost per request unit, keeping the total (requested × cost) exact."""
    if unit_cost is None or (isinstance(unit_cost, str) and not unit_cost.strip()):
        return Decimal(0)
    cost = units.parse_decimal(unit_cost, "unit_cost")
    if cost < 0:
        raise ValidationFailed("A unit cost cannot be negative.", fields={"unit_cost": "Zero or more."})
    if cost >= MAX_UNIT_COST:
        raise ValidationFailed("That unit cost is too large.", fields={"unit_cost": "Below 10,000,000."})
    with localcontext() as ctx:
        ctx.prec = 60
        per_item = (cost * requested / qty).quantize(COST_QUANTUM, rounding=ROUND_HALF_EVEN)
    if per_item >= MAX_UNIT_COST:
        raise ValidationFailed("That unit cost is too large for the item's unit.", fields={"unit_cost": "Too large."})
    return per_item


def _latest_unit_cost(org, item) -> Decimal:
    stmt = (tenancy.scoped(InventoryLot, org, InventoryLot.unit_cost).where(InventoryLot.item_id == item.id)
            .order_by(InventoryLot.received_at.desc(), InventoryLot.id.desc()).limit(1))
    cost = db.session.scalar(stmt)
    return Decimal(cost) if cost is not None else Decimal(0)


def _new_lot_code(org, lot_code) -> str | None:
    code = clean_text(lot_code, "lot_code", 40)
    if not code:
        return None
    if tenancy.find_for_org(InventoryLot, org, code=code) is not None:
        raise ValidationFailed(f"Lot code {code} is already used.", fields={"lot_code": "Already used."})
    return code


def _int_id(value) -> int:
    try:
        return int(getattr(value, "id", value))
    except (TypeError, ValueError):
        raise NotFound("Item not found.") from None


# ---- reads -----------------------------------------------------------------------------------------

def get_item(org, item_id, actor=None) -> InventoryItem:
    """The organization's item, or NotFound."""
    if actor is not None:
        authorize(actor, org, "inventory.view")
    return tenancy.get_for_org(InventoryItem, item_id, org)


def get_lot(org, lot_id, actor=None) -> InventoryLot:
    if actor is not None:
        authorize(actor, org, "inventory.view")
    return tenancy.get_for_org(InventoryLot, lot_id, org)


def get_lot_by_code(org, code, actor=None) -> InventoryLot:
    """The organization's lot with this code, or NotFound."""
    if actor is not None:
        authorize(actor, org, "inventory.view")
    lot = tenancy.find_for_org(InventoryLot, org, code=str(code or "").strip())
    if lot is None:
        raise NotFound(f"Lot {code} not found.")
    return lot


def list_items(org, *, q=None, kind=None, sort="name", include_archived=False, page=1, per_page=50,
               actor=None) -> Page:
    """A page of items (search, kind filter, sort) in two queries."""
    if actor is not None:
        authorize(actor, org, "inventory.view")
    filters = []
    if not include_archived:
        filters.append(InventoryItem.archived_at.is_(None))
    if kind:
        if kind not in ITEM_KINDS:
            raise ValidationFailed("Unknown kind.", fields={"kind": f"One of {', '.join(ITEM_KINDS)}."})
        filters.append(InventoryItem.kind == kind)
    if q and str(q).strip():
        pattern = "%" + str(q).strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        filters.append(or_(InventoryItem.name.ilike(pattern, escape="\\"),
                           InventoryItem.inci_name.ilike(pattern, escape="\\")))
    stmt = tenancy.scoped(InventoryItem, org).where(*filters)
    name_order = (func.lower(InventoryItem.name), InventoryItem.id)
    if sort == "quantity":
        stmt = stmt.order_by(InventoryItem.quantity.desc(), *name_order)
    elif sort == "value":
        # One pass over the organization's open lots, grouped per item, joined to the page of items.
        values = (tenancy.scoped(InventoryLot, org, InventoryLot.item_id.label("item_id"),
                                 func.sum(InventoryLot.remaining_quantity * InventoryLot.unit_cost).label("value"))
                  .where(InventoryLot.remaining_quantity > 0)
                  .group_by(InventoryLot.item_id).subquery())
        stmt = (stmt.outerjoin(values, values.c.item_id == InventoryItem.id)
                .order_by(func.coalesce(values.c.value, 0).desc(), *name_order))
    elif sort == "kind":
        stmt = stmt.order_by(InventoryItem.kind, *name_order)
    elif sort == "updated":
        stmt = stmt.order_by(InventoryItem.updated_at.desc(), InventoryItem.id.desc())
    else:
        stmt = stmt.order_by(*name_order)
    count = tenancy.scoped(InventoryItem, org, func.count(InventoryItem.id)).where(*filters)
    return paginate(stmt, count, page, per_page)


def item_summaries(org, items, *, now: datetime | None = None) -> dict[int, ItemSummary]:
    """Availability, value, expiry and low-stock figures for many items in one query."""
    items = list(items)
    ids = [item.id for item in items]
    if not ids:
        return {}
    now = now or utcnow()
    today = org_today(org, now)
    soon = today + timedelta(days=org.expiring_soon_days or 0)
    acc = {item_id: {"usable": Decimal(0), "value": Decimal(0), "total": Decimal(0), "expired": Decimal(0),
                     "expiring": Decimal(0), "lots": 0} for item_id in ids}
    stmt = (tenancy.scoped(InventoryLot, org, InventoryLot.item_id, InventoryLot.remaining_quantity,
                           InventoryLot.unit_cost, InventoryLot.expires_on, InventoryLot.hold_until,
                           InventoryLot.hold_reason)
            .where(InventoryLot.item_id.in_(ids), InventoryLot.remaining_quantity > 0))
    for item_id, remaining, cost, expires_on, hold_until, hold_reason in db.session.execute(stmt):
        row = acc[item_id]
        row["lots"] += 1
        row["total"] += remaining
        row["value"] += remaining * cost
        expired = expires_on is not None and expires_on < today
        if expired:
            row["expired"] += remaining
        elif expires_on is not None and expires_on <= soon:
            row["expiring"] += remaining
        held = bool(hold_reason) or (hold_until is not None and hold_until > today)
        if not expired and not held:
            row["usable"] += remaining
    reserved = reserved_quantities(org, ids)
    result = {}
    for item in items:
        row = acc[item.id]
        available = max(row["usable"] - reserved.get(item.id, Decimal(0)), Decimal(0))
        average = (row["value"] / row["total"]).quantize(COST_QUANTUM) if row["total"] > 0 else None
        result[item.id] = ItemSummary(
            available=available, value=row["value"], avg_unit_cost=average, expired_qty=row["expired"],
            expiring_qty=row["expiring"], lots_count=row["lots"],
            low_stock=item.reorder_point is not None and available <= item.reorder_point)
    return result


def item_summary(org, item, *, now: datetime | None = None) -> ItemSummary:
    """item_summaries for one item."""
    return item_summaries(org, [item], now=now)[item.id]


def lots_in_consumption_order(org, item_id, *, include_depleted=False, actor=None) -> list[InventoryLot]:
    """The item's lots in the organization's consumption order (remaining > 0 unless include_depleted)."""
    item = get_item(org, item_id, actor)
    stmt = tenancy.scoped(InventoryLot, org).where(InventoryLot.item_id == item.id)
    if not include_depleted:
        stmt = stmt.where(InventoryLot.remaining_quantity > 0)
    return list(db.session.scalars(stmt.order_by(*consumption_order(org))))


def list_events(org, item_id, *, page=1, per_page=50, actor=None) -> Page:
    """The item's ledger, newest first, with lot and user loaded."""
    item = get_item(org, item_id, actor)
    where = InventoryEvent.item_id == item.id
    stmt = (tenancy.scoped(InventoryEvent, org).where(where)
            .options(selectinload(InventoryEvent.lot), selectinload(InventoryEvent.user))
            .order_by(InventoryEvent.created_at.desc(), InventoryEvent.id.desc()))
    count = tenancy.scoped(InventoryEvent, org, func.count(InventoryEvent.id)).where(where)
    return paginate(stmt, count, page, per_page)
