"""Stock check: what can be used now — usable lots (not expired, not on hold) minus reservations."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Integer, and_, func, or_, select, type_coerce
from sqlalchemy.sql.elements import BindParameter

from ...extensions import db
from ...models import InventoryItem, InventoryLot, Reservation
from ...models.types import QUANTUM, utcnow
from .. import tenancy, units
from ..authz import authorize
from ..errors import NotFound
from ..timezones import org_today
from .fifo import usable_condition


def reserved_quantities(org, item_ids, *, now: datetime | None = None) -> dict[int, Decimal]:
    """Open, unexpired reservations per item (item unit), in one query. The single place reservations
    enter availability (a reservation past its expiry stops counting even before the expiry job runs)."""
    ids = sorted({int(item_id) for item_id in item_ids})
    result = {item_id: Decimal(0) for item_id in ids}
    if not ids:
        return result
    for item_id, total in db.session.execute(select(reserved_subquery(org, ids, now=now))):
        result[item_id] = Decimal(total or 0).quantize(QUANTUM)
    return result


def reserved_subquery(org, item_ids, *, now=None):
    """The subquery (item_id, reserved) behind reserved_quantities, for reads that join it to their rows.
    `item_ids` and `now` may be bound parameters (a statement built once and executed with their values)."""
    now = utcnow() if now is None else now
    ids = item_ids if isinstance(item_ids, BindParameter) else list(item_ids)
    # type_coerce: the subquery's item_id is a plain column, not a copy of the foreign key column (building
    # that copy — a ForeignKey attached to a new Column — was a measurable part of every inventory page).
    return (tenancy.scoped(Reservation, org, type_coerce(Reservation.item_id, Integer).label("item_id"),
                           func.sum(Reservation.quantity).label("reserved"))
            .where(Reservation.item_id.in_(ids), Reservation.status == "open", Reservation.expires_at > now)
            .group_by(Reservation.item_id).subquery())


def usable_quantities(org, item_ids, *, now: datetime | None = None) -> dict[int, Decimal]:
    """Σ remaining of usable lots per item, in one query."""
    ids = sorted({int(i) for i in item_ids})
    result = {item_id: Decimal(0) for item_id in ids}
    if not ids:
        return result
    now = now or utcnow()
    stmt = (tenancy.scoped(InventoryLot, org, InventoryLot.item_id, func.sum(InventoryLot.remaining_quantity))
            .where(InventoryLot.item_id.in_(ids), usable_condition(now, org_today(org, now)))
            .group_by(InventoryLot.item_id))
    for item_id, total in db.session.execute(stmt):
        result[item_id] = Decimal(total or 0).quantize(QUANTUM)
    return result


HELD_LOTS_NAMED = 3  # per item; more are summed up as "and N more lots on hold"


def hold_notes(org, items, *, now: datetime | None = None) -> dict[int, str]:
    """Why stock is not usable, per item id: its lots on hold named with their hold, e.g. "lot LOT-000007
    (12 each) is curing until 2026-12-26" (one query; items without held stock are left out)."""
    items = {item.id: item for item in items}
    if not items:
        return {}
    now = now or utcnow()
    today = org_today(org, now)
    held = or_(and_(InventoryLot.hold_reason.is_not(None), InventoryLot.hold_reason != ""),
               and_(InventoryLot.hold_until.is_not(None), InventoryLot.hold_until > today))
    stmt = (tenancy.scoped(InventoryLot, org)
            .where(InventoryLot.item_id.in_(sorted(items)), InventoryLot.remaining_quantity > 0, held)
            .order_by(InventoryLot.item_id, InventoryLot.hold_until, InventoryLot.id))
    found: dict[int, list[InventoryLot]] = defaultdict(list)
    for lot in db.session.scalars(stmt):
        found[lot.item_id].append(lot)
    notes = {}
    for item_id, lots in found.items():
        unit = items[item_id].unit
        parts = [_hold_phrase(lot, unit) for lot in lots[:HELD_LOTS_NAMED]]
        if len(lots) > HELD_LOTS_NAMED:
            parts.append(f"{len(lots) - HELD_LOTS_NAMED} more lots are on hold")
        notes[item_id] = "; ".join(parts)
    return notes


def hold_note(org, item, *, now: datetime | None = None) -> str:
    """hold_notes for one item ("" when none of its stock is on hold)."""
    return hold_notes(org, [item], now=now).get(item.id, "")


def _hold_phrase(lot: InventoryLot, unit: str) -> str:
    amount = f"{units.clean_decimal(lot.remaining_quantity)} {unit}"
    if lot.hold_reason:
        return f"lot {lot.code} ({amount}) is on hold: {lot.hold_reason}"
    return f"lot {lot.code} ({amount}) is curing until {lot.hold_until.isoformat()}"


def available_quantities(org, item_ids, *, now: datetime | None = None) -> dict[int, Decimal]:
    """Available per item: usable stock minus reservations, never below zero."""
    usable = usable_quantities(org, item_ids, now=now)
    reserved = reserved_quantities(org, usable.keys())
    return {item_id: max(qty - reserved.get(item_id, Decimal(0)), Decimal(0)) for item_id, qty in usable.items()}


def available_quantity(org, item, *, now: datetime | None = None) -> Decimal:
    """What of this item can be used right now (item unit)."""
    return available_quantities(org, [item.id], now=now)[item.id]


@dataclass
class StockLine:
    item: InventoryItem
    needed: Decimal
    available: Decimal
    unit: str
    ok: bool
    shortfall: Decimal
    held: str = ""  # on a short line: the item's lots on hold, named (hold_notes)


@dataclass
class StockCheck:
    ok: bool
    lines: list[StockLine] = field(default_factory=list)


def check_stock(org, actor, needs, *, now: datetime | None = None) -> StockCheck:
    """Can these (item_id, quantity, unit) needs be met now? Needs of the same item add up."""
    authorize(actor, org, "inventory.view")
    needs = list(needs)
    ids = {_item_id(item_id) for item_id, _, _ in needs}
    items = {item.id: item for item in db.session.scalars(
        tenancy.scoped(InventoryItem, org).where(InventoryItem.id.in_(sorted(ids))))} if ids else {}
    missing = ids - set(items)
    if missing:
        raise NotFound(f"Item {min(missing)} not found.")
    available = available_quantities(org, ids, now=now)
    used: dict[int, Decimal] = defaultdict(Decimal)
    lines = []
    for item_id, quantity, unit in needs:
        item = items[_item_id(item_id)]
        needed = units.to_item_quantity(org, item, units.parse_quantity(quantity), unit)
        used[item.id] += needed
        shortfall = max(used[item.id] - available[item.id], Decimal(0))
        shortfall = min(shortfall, needed)
        lines.append(StockLine(item=item, needed=needed, available=available[item.id], unit=item.unit,
                               ok=shortfall == 0, shortfall=shortfall))
    short = [line.item for line in lines if not line.ok]
    if short:
        notes = hold_notes(org, short, now=now)
        for line in lines:
            if not line.ok:
                line.held = notes.get(line.item.id, "")
    return StockCheck(ok=all(line.ok for line in lines), lines=lines)


def _item_id(value) -> int:
    try:
        return int(getattr(value, "id", value))
    except (TypeError, ValueError):
        raise NotFound("Item not found.") from None
