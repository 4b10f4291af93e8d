"""Factories for the inventory page tests: items and stock through the services, bulk rows for
query-count tests, and the reference data (units, library) those pages read."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from app.extensions import db
from app.models.inventory import InventoryEvent, InventoryItem, InventoryLot
from app.services import inventory, units

_counter = itertools.count(1)


def ensure_reference_data() -> None:
    """Units and the global library are reference data kept between tests; seed them once."""
    from sqlalchemy import func, select

    from app.models import GlobalItem, Unit

    if not db.session.scalar(select(func.count(Unit.id))):
        units.seed_units()
    if not db.session.scalar(select(func.count(GlobalItem.id))):
        from app.services import library

        library.seed_library()


def make_item(org, actor, name: str | None = None, *, unit: str = "g", kind: str = "ingredient", **fields):
    return inventory.create_item(org, actor, name=name or f"Item {next(_counter)}", kind=kind, unit=unit, **fields)


def restock(org, actor, item, quantity, *, unit_cost="0.02", **fields):
    return inventory.adjust(org, actor, item.id, change_type="restock", quantity=Decimal(str(quantity)),
                            unit_cost=Decimal(str(unit_cost)), **fields)


def bulk_items(org, count: int, *, start: int = 0) -> None:
    """`count` items, each with one lot and its restock event, inserted in one commit (invariants hold)."""
    now = datetime.now(timezone.utc)
    today = date.today()
    for index in range(start, start + count):
        item = InventoryItem(organization_id=org.id, name=f"Bulk item {index:04d}", kind="ingredient", unit="g",
                             quantity=Decimal("10"), reorder_point=Decimal("50") if index % 3 == 0 else None,
                             allergens="", notes="")
        db.session.add(item)
        db.session.flush()
        lot = InventoryLot(organization_id=org.id, item_id=item.id, code=f"LOT-B{index:05d}", received_at=now,
                           original_quantity=Decimal("10"), remaining_quantity=Decimal("10"),
                           unit_cost=Decimal("0.5"), notes="",
                           expires_on=today - timedelta(days=2) if index % 4 == 0 else today + timedelta(days=10))
        db.session.add(lot)
        db.session.flush()
        db.session.add(InventoryEvent(organization_id=org.id, code=f"RST-B{index:05d}", item_id=item.id,
                                      lot_id=lot.id, change_type="restock", quantity=Decimal("10"),
                                      unit_cost=Decimal("0.5"), notes="", created_at=now))
    db.session.commit()
