"""Stock movements: receive, produce, deduct, recount, credit and reverse — one ledger event per lot touched.

Invariants at every commit: item.quantity = Σ lot remaining = Σ event quantities; 0 ≤ remaining ≤
original; every event carries its lot's unit cost, so received cost = consumed cost + remaining value.
Stock-changing calls lock the item row(s) first (in id order), then read lots. Lots and ledger rows are
written only by this package (tests/services/inventory/test_only_writer.py).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

from ...extensions import db
from ...models import InventoryEvent, InventoryItem, InventoryLot
from ...models.types import COST_QUANTUM, utcnow
from .. import tenancy, units
from ..authz import authorize
from ..base import unit_of_work
from ..errors import InvalidState, NotFound, UnknownUnit, ValidationFailed
from ..timezones import org_today
from ..validation import clean_text
from .common import (
    ALL_CHANGE_TYPES,
    CREDITS,
    DEDUCTIONS,
    DISPOSALS,
    HOLD_CHANGE,
    PRODUCED,
    REVERSAL,
    AdjustmentResult,
    check_change_type,
    checked_supplier_id,
    insufficient,
    int_id,
    lock_item,
    lot_of_item,
    reload_lot,
    require_whole_count,
)
from .expiration import expiry_for_receipt, parse_date, parse_datetime
from .fifo import Plan, apply_plan, event_codes, first_lots, move_lot, new_lot, plan_consumption
from .locations import location_for
from .stock_check import reserved_quantities, usable_quantities

MAX_UNIT_COST = Decimal("1e7")


@unit_of_work
def adjust(org, actor, item_id, *, change_type, quantity, unit=None, unit_cost=None, expires_at=None,
           received_at=None, supplier_id=None, supplier_lot_code=None, lot_code=None, notes="", batch_id=None,
           sale_id=None, location_id=None) -> AdjustmentResult:
    """One stock adjustment of any change type (restock, recount, deduction, disposal, credit).

    `location_id`: where a restock goes (default location when absent), or the only place a deduction or
    disposal takes from (absent: FIFO across all locations)."""
    authorize(actor, org, "inventory.adjust")
    check_change_type(change_type, ALL_CHANGE_TYPES)
    common = dict(notes=notes, batch_id=batch_id, sale_id=sale_id)
    if change_type == "restock":
        events = [restock(org, actor, item_id, quantity=quantity, unit=unit, unit_cost=unit_cost,
                          expires_at=expires_at, received_at=received_at, supplier_id=supplier_id,
                          supplier_lot_code=supplier_lot_code, lot_code=lot_code, location_id=location_id,
                          **common)]
    elif change_type == "recount":
        events = recount(org, actor, item_id, quantity=quantity, unit=unit, unit_cost=unit_cost, notes=notes)
    elif change_type in CREDITS:
        if not lot_code or not str(lot_code).strip():
            message = "Choose the lot the stock goes back to."
            raise ValidationFailed(message, fields={"lot_code": message})
        lot = lot_of_item(org, tenancy.get_for_org(InventoryItem, item_id, org), lot_code)
        events = [credit_lot(org, actor, lot.id, quantity, unit=unit, change_type=change_type, **common)]
    else:
        events = deduct(org, actor, item_id, quantity, unit, change_type=change_type, lot_code=lot_code,
                        location_id=location_id, **common)
    return AdjustmentResult(events=events, item=tenancy.get_for_org(InventoryItem, item_id, org))


@unit_of_work
def restock(org, actor, item_id, *, quantity, unit=None, unit_cost=None, expires_at=None, received_at=None,
            supplier_id=None, supplier_lot_code=None, lot_code=None, notes="", batch_id=None, sale_id=None,
            hold_until=None, change_type="restock", location_id=None) -> InventoryEvent:
    """Receive stock as one new lot (unit_cost per `unit`, stored per item unit) at `location_id` (the
    organization's default location when absent); returns its event."""
    authorize(actor, org, "inventory.adjust")
    check_change_type(change_type, {"restock"})
    location = location_for(org, location_id)
    if location is not None and location.archived_at is not None:
        raise ValidationFailed(f"{location.name} is archived.", fields={"location_id": "Archived location."})
    requested = units.parse_quantity(quantity)
    item = lock_item(org, item_id)
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
                    supplier_id=checked_supplier_id(org, supplier_id) if supplier_id not in (None, "") else item.supplier_id,
                    supplier_lot_code=clean_text(supplier_lot_code, "supplier_lot_code", 80) or None, code=code,
                    hold_until=parse_date(hold_until, "hold_until"), notes=clean_text(notes, "notes", 5000),
                    batch_id=batch_id, sale_id=sale_id, location_id=location.id if location is not None else None,
                    purchase_unit=_purchase_unit(org, item, unit))
    return event


@unit_of_work
def receive_produced(org, actor, item_id, quantity, unit_cost, *, batch_id, hold_until=None, expires_on=None,
                     received_at=None, notes="", permission: str = "batches.finish") -> InventoryEvent:
    """A finished batch's output as one new lot (`produced`): `quantity` in the item's unit at `unit_cost` per
    item unit, curing until `hold_until`, expiring on `expires_on` (default: the item's shelf life)."""
    authorize(actor, org, permission)
    if batch_id is None:
        raise ValueError("receive_produced needs the batch that produced the stock")
    qty = units.parse_quantity(quantity)
    cost = units.parse_decimal(unit_cost, "unit_cost")
    if cost < 0:
        raise ValidationFailed("A unit cost cannot be negative.", fields={"unit_cost": "Zero or more."})
    item = lock_item(org, item_id)
    received = parse_datetime(received_at, "received_at") or utcnow()
    expiry = parse_date(expires_on, "expires_on") if expires_on not in (None, "") else None
    return new_lot(org, actor, item, qty, cost, change_type=PRODUCED, received_at=received,
                   expires_on=expiry or expiry_for_receipt(item, received),
                   hold_until=parse_date(hold_until, "hold_until"), notes=clean_text(notes, "notes", 5000),
                   batch_id=batch_id)


@unit_of_work
def deduct(org, actor, item_id, quantity, unit=None, *, change_type, lot_code=None, notes="", batch_id=None,
           sale_id=None, permission: str = "inventory.adjust", location_id=None) -> list[InventoryEvent]:
    """Consume stock oldest-lot-first, or from one named lot; one ledger event per lot touched.
    With `location_id`, only that location's lots (FIFO within it); without, FIFO across all locations.

    `permission` is what allows this movement: a sale is `products.sell`, a batch `batches.start`."""
    authorize(actor, org, permission)
    check_change_type(change_type, DEDUCTIONS | DISPOSALS)
    requested = units.parse_quantity(quantity)
    location = location_for(org, location_id)
    item = lock_item(org, item_id)
    qty = units.to_item_quantity(org, item, requested, unit)
    require_whole_count(org, item, qty)
    now = utcnow()
    if lot_code not in (None, ""):
        plan = _plan_named_lot(org, item, qty, lot_code, change_type, now)
        if location is not None and plan.takes and not _lot_at(plan.takes[0][0], location):
            message = f"Lot {plan.takes[0][0].code} is not at {location.name}."
            raise ValidationFailed(message, fields={"lot_code": message})
    else:
        plan = plan_consumption(org, item, qty, now=now, location=location)
    if plan.short > 0:
        error = insufficient([(item, qty, plan.total)], org, now)
        if location is not None:
            error.message = (f"Not enough usable stock of {item.name} at {location.name}: "
                             f"{units.clean_decimal(plan.total)} {item.unit} there.")
            error.args = (error.message,)
        raise error
    _respect_reservations(org, {item.id: (item, qty)}, change_type, now)
    return apply_plan(org, actor, item, plan, change_type=change_type, notes=clean_text(notes, "notes", 5000),
                      batch_id=batch_id, sale_id=sale_id)


def _respect_reservations(org, wanted: dict, change_type: str, now: datetime, known: dict | None = None) -> None:
    """Uses, sales and batches may not take stock that open reservations hold for other orders
    (disposals may: spoiled stock is gone either way). `wanted` maps item id → (item, quantity); `known`, the
    reserved quantities already read for those items (fifo.first_lots), saves reading them again."""
    if change_type not in DEDUCTIONS:
        return
    if known is None or not set(wanted) <= set(known):
        known = reserved_quantities(org, wanted.keys(), now=now)
    reserved = {item_id: qty for item_id, qty in known.items() if item_id in wanted and qty > 0}
    if not reserved:  # the usual case: one cheap query, no sum over the lots
        return
    usable = usable_quantities(org, reserved.keys(), now=now)
    short = [(wanted[item_id][0], wanted[item_id][1], max(usable[item_id] - held, Decimal(0)))
             for item_id, held in reserved.items() if wanted[item_id][1] > usable[item_id] - held]
    if short:
        raise insufficient(short, org, now)


@unit_of_work
def deduct_many(org, actor, needs, *, change_type, batch_id=None, sale_id=None, notes="",
                permission: str = "inventory.adjust") -> dict:
    """Deduct several items at once (batch start): all lines checked before anything is written."""
    authorize(actor, org, permission)
    check_change_type(change_type, DEDUCTIONS | DISPOSALS)
    parsed = [(int_id(item_id), units.parse_quantity(quantity), unit) for item_id, quantity, unit in needs]
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
    reserved: dict = {}
    # Every item's lots up to its need and its reservations, in one query.
    first = first_lots(org, ids, now=now, needs=totals, reserved=reserved)
    for item_id in ids:
        plans[item_id] = plan_consumption(org, items[item_id], totals[item_id], now=now, first_chunk=first[item_id])
        if plans[item_id].short > 0:
            short.append((items[item_id], totals[item_id], plans[item_id].total))
    if short:
        raise insufficient(short, org, now)
    _respect_reservations(org, {item_id: (items[item_id], totals[item_id]) for item_id in ids}, change_type, now,
                          known=reserved)
    notes = clean_text(notes, "notes", 5000)
    codes = iter(event_codes(org, change_type, sum(len(plans[item_id].takes) for item_id in ids)))
    events = {item_id: apply_plan(org, actor, items[item_id], plans[item_id], change_type=change_type, notes=notes,
                                  batch_id=batch_id, sale_id=sale_id, codes=[next(codes) for _ in plans[item_id].takes],
                                  flush=False) for item_id in ids}
    db.session.flush()  # every item's events, lots and quantity in one flush (batched statements)
    return events


@unit_of_work
def recount(org, actor, item_id, *, quantity, unit=None, unit_cost=None, notes="") -> list[InventoryEvent]:
    """Set the counted total: a shortfall is drawn oldest-first, a surplus becomes a new lot."""
    authorize(actor, org, "inventory.adjust")
    counted_request = units.parse_quantity(quantity, allow_zero=True)
    item = lock_item(org, item_id)
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
    check_change_type(change_type, CREDITS)
    requested = units.parse_quantity(quantity)
    found = tenancy.get_for_org(InventoryLot, lot_id, org)
    item = lock_item(org, found.item_id)
    lot = reload_lot(org, found.id)
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
    item = lock_item(org, original.item_id)
    if original.change_type == REVERSAL:
        raise InvalidState("A reversal cannot be reversed; record a new adjustment instead.")
    if original.change_type in ("transfer_out", "transfer_in"):
        raise InvalidState(f"Event {original.code} is part of a transfer between locations; "
                           "transfer the stock back instead.")
    if original.change_type == HOLD_CHANGE:
        raise InvalidState(f"Event {original.code} changed a hold, not stock; change the lot's hold instead.")
    if tenancy.find_for_org(InventoryEvent, org, reverses_event_id=original.id) is not None:
        raise InvalidState(f"Event {original.code} has already been reversed.")
    if original.lot_id is None:
        raise InvalidState(f"Event {original.code} touched no lot and cannot be reversed.")
    lot = reload_lot(org, original.lot_id)
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


def _plan_named_lot(org, item, qty: Decimal, lot_code, change_type: str, now: datetime) -> Plan:
    lot = lot_of_item(org, item, lot_code)
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


def _lot_at(lot, location) -> bool:
    return lot.location_id == location.id or (lot.location_id is None and location.is_default)


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


def _purchase_unit(org, item, unit) -> str | None:
    """The unit a receipt was entered in when it is not the item's own (kept to show costs per it too)."""
    if not isinstance(unit, str) or not unit.strip():
        return None
    try:
        name = units.unit_def(org, unit).name
    except UnknownUnit:  # one of the item's own units ("bar"): the conversion already accepted it
        name = unit.strip()[:40]
    return None if name.lower() == item.unit.lower() else name


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
