"""Stock check: what can be used now — usable lots (not expired, not on hold) minus reservations."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func

from ..extensions import db
from ..models import InventoryItem, InventoryLot
from ..models.types import QUANTUM, utcnow
from . import tenancy, units
from .authz import authorize
from .errors import NotFound
from .fifo import usable_condition
from .timezones import org_today


def reserved_quantities(org, item_ids, *, now: datetime | None = None) -> dict[int, Decimal]:
    """Open, unexpired reservations per item (item unit), in one query. The single place reservations
    enter availability (a reservation past its expiry stops counting even before the expiry job runs)."""
    from ..models import Reservation

    ids = sorted({int(item_id) for item_id in item_ids})
    result = {item_id: Decimal(0) for item_id in ids}
    if not ids:
        return result
    now = now or utcnow()
    stmt = (tenancy.scoped(Reservation, org, Reservation.item_id, func.sum(Reservation.quantity))
            .where(Reservation.item_id.in_(ids), Reservation.status == "open", Reservation.expires_at > now)
            .group_by(Reservation.item_id))
    for item_id, total in db.session.execute(stmt):
        result[item_id] = Decimal(total or 0).quantize(QUANTUM)
    return result


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
    return StockCheck(ok=all(line.ok for line in lines), lines=lines)


def _item_id(value) -> int:
    try:
        return int(getattr(value, "id", value))
    except (TypeError, ValueError):
        raise NotFound("Item not found.") from None
