"""FIFO: which lots a deduction consumes, crediting exact lots, lot and event codes.

Helpers here only flush and are private to the inventory package; its public verbs own the transaction and take the
item row lock before calling them. Lots are read in small keyset-paginated chunks in consumption order
(received_at, then id), so a deduction costs the lots it touches, not the lots an item has.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import and_, func, literal, not_, or_, select, union_all
from sqlalchemy.orm import aliased

from ...extensions import db
from ...models import InventoryEvent, InventoryItem, InventoryLot
from ...models.types import QUANTUM, utcnow
from .. import sequences, tenancy
from ..timezones import org_today

# change type → event code prefix
EVENT_PREFIXES = {
    "restock": "RST", "recount": "RCN",
    "use": "USE", "sale": "SAL", "sample": "SMP", "tester": "TST", "gift": "GFT", "batch": "BAT",
    "spoil": "SPL", "trash": "TRS", "damaged": "DMG", "expired": "EXP", "quality_fail": "QCF",
    "returned": "RET", "batch_cancelled": "BCN",
    "reversal": "REV",
    "produced": "PRD",  # batch output lots (written only by movements.receive_produced)
    "hold": "HLD",  # a lot's cure / hold date set, changed or released: quantity 0 (holds.set_lot_hold)
    "transfer_out": "TRO", "transfer_in": "TRI",  # a transfer's pair per lot moved (transfers.transfer_stock)
}
FIRST_CHUNK = 8
MAX_CHUNK = 512


def usable_condition(now: datetime, today: date | None = None):
    """SQL: the lot can be consumed now (has stock, not in transit, not expired, not on hold). Never NULL.

    `today` is the organization's date (timezones.org_today); a hold ends on its date."""
    today = today or now.date()
    return and_(
        InventoryLot.remaining_quantity > 0,
        InventoryLot.in_transit.is_(False),
        or_(InventoryLot.hold_reason.is_(None), InventoryLot.hold_reason == ""),
        or_(InventoryLot.hold_until.is_(None), InventoryLot.hold_until <= today),
        or_(InventoryLot.expires_on.is_(None), InventoryLot.expires_on >= today),
    )


def unusable_condition(now: datetime, today: date | None = None):
    """SQL: the lot has stock but is expired or on hold."""
    return and_(InventoryLot.remaining_quantity > 0, not_(usable_condition(now, today)))


@dataclass
class Plan:
    """Lots a deduction would take from, in order, before anything is written."""

    takes: list[tuple[InventoryLot, Decimal]] = field(default_factory=list)
    short: Decimal = Decimal(0)

    @property
    def total(self) -> Decimal:
        return sum((qty for _, qty in self.takes), Decimal(0))


NO_EXPIRY = date(9999, 12, 31)  # lots that never expire go last under FEFO


def consumption_order(org, lots=InventoryLot) -> tuple:
    """ORDER BY for the organization's consumption order: FIFO (received, then created — the default)
    or FEFO (first expiring first; lots without expiry last; then received, then created). `lots`: the lots
    table's columns as another FROM names them (a subquery's .c), by default the table itself."""
    if getattr(org, "consumption_order", "fifo") == "fefo":
        return (_expiry_key(lots), lots.received_at, lots.id)
    return (lots.received_at, lots.id)


def _expiry_key(lots=InventoryLot):
    return func.coalesce(lots.expires_on, NO_EXPIRY)


def _after(org, lot: InventoryLot):
    """Keyset condition: lots strictly after `lot` in the consumption order."""
    later = or_(InventoryLot.received_at > lot.received_at,
                and_(InventoryLot.received_at == lot.received_at, InventoryLot.id > lot.id))
    if getattr(org, "consumption_order", "fifo") != "fefo":
        return later
    expiry = lot.expires_on or NO_EXPIRY
    return or_(_expiry_key() > expiry, and_(_expiry_key() == expiry, later))


def at_location(location):
    """SQL: the lot is at this location (lots without one are at the organization's default location)."""
    if location.is_default:
        return or_(InventoryLot.location_id == location.id, InventoryLot.location_id.is_(None))
    return InventoryLot.location_id == location.id


FIRST_WINDOW = 64  # lots per item first_lots() looks at (an index range scan): the rest is read in chunks
ITEMS_PER_READ = 200  # items per first_lots() statement (SQLite allows 500 parts in a compound SELECT)


def first_lots(org, item_ids, *, now: datetime, usable: bool = True, needs: dict | None = None,
               reserved: dict | None = None, window: int | None = FIRST_WINDOW) -> dict[int, list[InventoryLot]]:
    """The first lots of each item in consumption order, for all these items in one query: the first chunk
    (FIRST_CHUNK lots) and, with `needs` ({item id: quantity}), every lot up to the one that completes the
    item's need (a running sum in SQL) within the item's first FIRST_WINDOW lots. Each item's part reads at
    most FIRST_WINDOW lots through the consumption-order index, whatever the item holds. Pass an item's list
    to plan_consumption(first_chunk=…): a deduction of several items then costs one read of lots (more only
    for an item whose need goes beyond them). `reserved`, a dict, receives in the same query
    stock_check.reserved_quantities() of every item that has such lots. window=None: no FIRST_WINDOW limit (a
    read-only caller, the cost preview, gets every lot its need spans in this one query, scanning the item's
    usable lots)."""
    ids = sorted({int(item_id) for item_id in item_ids})
    result: dict[int, list[InventoryLot]] = {item_id: [] for item_id in ids}
    for start in range(0, len(ids), ITEMS_PER_READ):
        _first_lots_of(org, ids[start:start + ITEMS_PER_READ], result, now=now, usable=usable, needs=needs or {},
                       reserved=reserved, window=window)
    return result


def _first_lots_of(org, ids: list[int], result: dict, *, now, usable, needs, reserved, window) -> None:
    from .stock_check import reserved_subquery

    today = org_today(org, now)
    condition = usable_condition(now, today) if usable else unusable_condition(now, today)
    quantity_type = InventoryLot.remaining_quantity.type
    parts = []
    for item_id in ids:
        # The item's first lots through the index, then ranked and summed over just those.
        first = tenancy.scoped(InventoryLot, org).where(InventoryLot.item_id == item_id, condition)
        if window is not None:
            first = first.order_by(*consumption_order(org)).limit(window)
        first = first.subquery()
        order = consumption_order(org, first.c)
        need = Decimal(needs.get(item_id) or 0)
        parts.append(select(*first.c,
                            func.row_number().over(order_by=order).label("rank"),
                            (func.sum(first.c.remaining_quantity).over(order_by=order, rows=(None, 0))
                             - first.c.remaining_quantity).label("before"),
                            literal(need if need > 0 else Decimal(0), quantity_type).label("need")))
    if not parts:
        return
    ranked = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery()
    lot = aliased(InventoryLot, ranked, adapt_on_names=True)
    held = reserved_subquery(org, ids, now=now)
    stmt = (select(lot, held.c.reserved)
            .outerjoin(held, held.c.item_id == lot.item_id)
            .where(or_(ranked.c.rank <= FIRST_CHUNK, ranked.c.before < ranked.c.need))
            .order_by(lot.item_id, ranked.c.rank)
            .execution_options(populate_existing=True))
    for row, total in db.session.execute(stmt):
        result[row.item_id].append(row)
        if reserved is not None:
            reserved[row.item_id] = Decimal(total or 0).quantize(QUANTUM)


def plan_consumption(org, item: InventoryItem, quantity: Decimal, *, now: datetime, usable: bool = True,
                     skip: set[int] | None = None, location=None, first_chunk: list | None = None) -> Plan:
    """Walk the item's lots in consumption order and take `quantity`; `short` > 0 if they run out.
    With a `location` (models.Location), only that location's lots. `first_chunk`: the item's first lots
    already read by first_lots() (same `usable`, no location), used instead of reading them again."""
    today = org_today(org, now)
    condition = usable_condition(now, today) if usable else unusable_condition(now, today)
    if location is not None:
        condition = and_(condition, at_location(location))
    plan, needed, after, chunk = Plan(), quantity, None, FIRST_CHUNK
    while needed > 0:
        if first_chunk is not None and after is None and location is None:
            lots = list(first_chunk)
        else:
            stmt = tenancy.scoped(InventoryLot, org).where(InventoryLot.item_id == item.id, condition)
            if after is not None:
                stmt = stmt.where(_after(org, after))
            stmt = (stmt.order_by(*consumption_order(org)).limit(chunk)
                    .execution_options(populate_existing=True))
            lots = list(db.session.scalars(stmt))
        for lot in lots:
            if skip and lot.id in skip:
                continue
            take = min(needed, lot.remaining_quantity)
            plan.takes.append((lot, take))
            needed -= take
            if needed == 0:
                break
        if len(lots) < chunk:
            break
        after, chunk = lots[-1], min(chunk * 2, MAX_CHUNK)
    plan.short = needed
    return plan


def apply_plan(org, actor, item: InventoryItem, plan: Plan, *, change_type: str, notes: str = "",
               batch_id=None, sale_id=None, codes: list[str] | None = None, flush: bool = True) -> list[InventoryEvent]:
    """Write one negative event per lot in the plan and update the lots and the item.

    `codes` may carry event codes reserved in advance (several plans, one counter round-trip); with
    flush=False the caller flushes once after several plans (their rows then go in a few batched statements)."""
    codes = codes if codes is not None else event_codes(org, change_type, len(plan.takes))
    events = []
    for (lot, take), code in zip(plan.takes, codes):
        lot.remaining_quantity = lot.remaining_quantity - take
        events.append(_event(org, actor, item, lot, -take, change_type, code, notes, batch_id, sale_id))
    item.quantity = item.quantity - plan.total
    if flush:
        db.session.flush()
    return events


def new_lot(org, actor, item: InventoryItem, quantity: Decimal, unit_cost: Decimal, *, change_type: str,
            received_at: datetime | None = None, expires_on: date | None = None, supplier_id=None,
            supplier_lot_code=None, code: str | None = None, hold_until=None, notes: str = "",
            batch_id=None, sale_id=None, location_id: int | None = None, in_transit: bool = False,
            source_lot_id: int | None = None, transfer_id: int | None = None,
            purchase_unit: str | None = None) -> InventoryEvent:
    """Create a lot holding `quantity` and the positive event that brought it in (at `location_id`, else the
    organization's default location)."""
    if location_id is None:
        from .locations import default_location

        location_id = default_location(org).id
    lot = InventoryLot(organization_id=org.id, item_id=item.id,
                       code=code or sequences.next_code(org, "lot", "LOT"),
                       received_at=received_at or utcnow(), original_quantity=quantity,
                       remaining_quantity=quantity, unit_cost=unit_cost, supplier_id=supplier_id,
                       supplier_lot_code=supplier_lot_code or None, expires_on=expires_on,
                       hold_until=hold_until, notes=notes or "", location_id=location_id,
                       in_transit=in_transit, source_lot_id=source_lot_id, transfer_id=transfer_id,
                       purchase_unit=purchase_unit)
    db.session.add(lot)
    db.session.flush()
    event = _event(org, actor, item, lot, quantity, change_type, event_codes(org, change_type, 1)[0], notes,
                   batch_id, sale_id)
    item.quantity = item.quantity + quantity
    db.session.flush()
    return event


def move_lot(org, actor, item: InventoryItem, lot: InventoryLot, quantity: Decimal, *, change_type: str,
             notes: str = "", batch_id=None, sale_id=None, reverses_event_id=None) -> InventoryEvent:
    """Add (positive) or take (negative) `quantity` on exactly this lot; caller checked the bounds."""
    lot.remaining_quantity = lot.remaining_quantity + quantity
    item.quantity = item.quantity + quantity
    event = _event(org, actor, item, lot, quantity, change_type, event_codes(org, change_type, 1)[0], notes,
                   batch_id, sale_id)
    event.reverses_event_id = reverses_event_id
    db.session.flush()
    return event


def event_codes(org, change_type: str, count: int) -> list[str]:
    """`count` consecutive event codes for the change type (one counter round-trip)."""
    if count <= 0:
        return []
    prefix = EVENT_PREFIXES[change_type]
    last = sequences.next_value(org, f"event:{prefix}", count)
    return [f"{prefix}-{n:06d}" for n in range(last - count + 1, last + 1)]


def _event(org, actor, item, lot, quantity, change_type, code, notes, batch_id, sale_id) -> InventoryEvent:
    event = InventoryEvent(organization_id=org.id, code=code, item_id=item.id, lot_id=lot.id,
                           change_type=change_type, quantity=quantity, unit_cost=lot.unit_cost,
                           batch_id=batch_id, sale_id=sale_id, user_id=getattr(actor, "id", None),
                           notes=notes or "", created_at=utcnow())
    db.session.add(event)
    return event
