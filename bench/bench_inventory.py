#!/usr/bin/env python3
"""Inventory benchmark: FIFO deduction cost vs number of lots, and the item list page at 5,000 items.

    python bench/bench_inventory.py                      # SQLite scratch file in a temp directory
    DATABASE_URL=postgresql://…/scratch python bench/bench_inventory.py   # PostgreSQL (tables are
                                                          # created, then dropped: use a scratch database)

Prints the median deduction time for an item with 10 lots and one with 10,000 lots (plus one whose
10,000 lots are mostly used up), the ratio, and list_items + item_summaries latency and query count.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REPEATS = 7
LIST_ITEMS = 5000


def main() -> int:
    started = time.perf_counter()
    from app import create_app
    from app.config import normalize_database_url

    url = os.environ.get("DATABASE_URL")
    scratch = None
    if not url:
        scratch = tempfile.TemporaryDirectory()
        url = f"sqlite:///{scratch.name}/bench.db"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": normalize_database_url(url), "TESTING": True})
    from app.extensions import db

    with app.app_context():
        print(f"database: {db.engine.dialect.name}")
        db.drop_all()
        db.create_all()
        try:
            run(db)
        finally:
            db.session.remove()
            if scratch is None and not os.environ.get("BENCH_KEEP_TABLES"):
                db.drop_all()
            db.engine.dispose()
    if scratch:
        scratch.cleanup()
    print(f"total run time {time.perf_counter() - started:.1f} s")
    return 0


def run(db) -> None:
    from app.models import InventoryEvent, InventoryItem, InventoryLot, Organization, User
    from app.services import inventory, reference, units

    reference.seed_tiers()
    units.seed_units()
    org = Organization(name="Bench Soap Co.", tier=reference.get_tier("team"), billing_status="active")
    owner = User(organization=org, email="bench@example.test", role=reference.get_system_role("owner"),
                 password_hash="x")
    db.session.add_all([org, owner])
    db.session.commit()

    def item_with_lots(name: str, lots: int, depleted: int = 0) -> int:
        """An item with `lots` lots (the oldest `depleted` of them used up), ledger included."""
        item = InventoryItem(organization_id=org.id, name=name, kind="ingredient", unit="g", quantity=Decimal(0),
                             allergens="", notes="")
        db.session.add(item)
        db.session.flush()
        start = datetime.now(timezone.utc) - timedelta(days=lots)
        lot_rows, event_rows, total = [], [], Decimal(0)
        for n in range(lots):
            remaining = Decimal(0) if n < depleted else Decimal(10000)
            lot_rows.append(dict(organization_id=org.id, item_id=item.id, code=f"{name}-{n:06d}",
                                 received_at=start + timedelta(days=n), original_quantity=Decimal(10000),
                                 remaining_quantity=remaining, unit_cost=Decimal("0.01"), notes="",
                                 created_at=start))
            total += remaining
        db.session.execute(InventoryLot.__table__.insert(), lot_rows)
        lot_ids = db.session.execute(InventoryLot.__table__.select().with_only_columns(
            InventoryLot.id, InventoryLot.remaining_quantity).where(InventoryLot.item_id == item.id)).all()
        for n, (lot_id, remaining) in enumerate(lot_ids):
            event_rows.append(dict(organization_id=org.id, code=f"RST-{name}-{n}", item_id=item.id, lot_id=lot_id,
                                   change_type="restock", quantity=Decimal(10000), unit_cost=Decimal("0.01"),
                                   notes="", created_at=start))
            if remaining == 0:
                event_rows.append(dict(organization_id=org.id, code=f"USE-{name}-{n}", item_id=item.id,
                                       lot_id=lot_id, change_type="use", quantity=Decimal(-10000),
                                       unit_cost=Decimal("0.01"), notes="", created_at=start))
        db.session.execute(InventoryEvent.__table__.insert(), event_rows)
        item.quantity = total
        db.session.commit()
        return item.id

    def median_deduction(item_id: int, repeats: int = REPEATS) -> float:
        timings = []
        for _ in range(repeats):
            db.session.expire_all()
            begin = time.perf_counter()
            inventory.deduct(org, owner, item_id, "12000", change_type="use")  # spans two lots
            timings.append(time.perf_counter() - begin)
        return statistics.median(timings)

    begin = time.perf_counter()
    few = item_with_lots("FEW", 10)
    many = item_with_lots("MANY", 10_000)
    history = item_with_lots("HISTORY", 10_000, depleted=9_990)
    print(f"setup: 20,010 lots in {time.perf_counter() - begin:.1f} s")
    median_deduction(few, 1)  # warm up caches and statements
    t_few, t_many, t_history = median_deduction(few), median_deduction(many), median_deduction(history)
    print(f"deduct (median of {REPEATS}, each touching 2 lots):")
    print(f"  10 lots:                        {t_few * 1000:8.2f} ms")
    print(f"  10,000 lots:                    {t_many * 1000:8.2f} ms")
    print(f"  10,000 lots, 9,990 used up:     {t_history * 1000:8.2f} ms")
    print(f"  ratio 10,000 / 10 lots:         {t_many / t_few:8.2f}x")
    print(f"  ratio used-up history / 10:     {t_history / t_few:8.2f}x")
    from common import summary

    summary("5", f"FIFO deduction, item with 10,000 lots vs 10 lots ({db.engine.dialect.name})",
            f"{t_many * 1000:.2f} ms vs {t_few * 1000:.2f} ms (used-up history {t_history * 1000:.2f} ms)",
            "flat", t_many / t_few)

    rows, lots = [], []
    begin = time.perf_counter()
    for n in range(LIST_ITEMS):
        rows.append(dict(organization_id=org.id, name=f"Item {n:05d}", kind="ingredient", unit="g",
                         quantity=Decimal(20), reorder_point=Decimal(25) if n % 3 == 0 else None, allergens="",
                         notes="", created_at=datetime.now(timezone.utc), updated_at=datetime.now(timezone.utc)))
    db.session.execute(InventoryItem.__table__.insert(), rows)
    ids = [i for (i,) in db.session.execute(InventoryItem.__table__.select().with_only_columns(
        InventoryItem.id).where(InventoryItem.name.like("Item %")))]
    today = datetime.now(timezone.utc).date()
    for item_id in ids:
        for k in range(2):
            lots.append(dict(organization_id=org.id, item_id=item_id, code=f"L{item_id}-{k}",
                             received_at=datetime.now(timezone.utc), original_quantity=Decimal(10),
                             remaining_quantity=Decimal(10), unit_cost=Decimal("0.25") * (k + 1), notes="",
                             expires_on=today + timedelta(days=(item_id % 60) - 10),
                             created_at=datetime.now(timezone.utc)))
    db.session.execute(InventoryLot.__table__.insert(), lots)
    db.session.commit()
    print(f"setup: {LIST_ITEMS} more items with 2 lots each in {time.perf_counter() - begin:.1f} s")

    from sqlalchemy import text

    from tests.helpers import count_queries

    if db.engine.dialect.name == "postgresql":
        # Fresh planner statistics after the bulk load, as autovacuum would do within a minute; without
        # them PostgreSQL guesses the lots table is tiny and picks a poor plan for the value sort.
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    for sort in ("name", "value"):
        timings, queries = [], 0
        for _ in range(REPEATS):
            db.session.expire_all()
            with count_queries() as counter:
                begin = time.perf_counter()
                page = inventory.list_items(org, owner, sort=sort, page=3, per_page=50)
                inventory.item_summaries(org, page.items)
                timings.append(time.perf_counter() - begin)
            queries = counter.count
        print(f"list_items(sort={sort}) + item_summaries, {page.total} items, page of 50: "
              f"{statistics.median(timings) * 1000:.2f} ms, {queries} queries")
        from common import summary

        summary("5", f"item list reads at {page.total:,} items, sort={sort}, page 3 ({db.engine.dialect.name})",
                f"{statistics.median(timings) * 1000:.2f} ms, {queries} queries")


if __name__ == "__main__":
    sys.exit(main())
