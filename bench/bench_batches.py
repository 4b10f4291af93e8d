"""Batch start time and query count for a 20-line recipe whose items have 1 lot vs 1,000 lots each.

Run: .venv/bin/python bench/bench_batches.py   (set DATABASE_URL=postgresql://… to measure PostgreSQL)
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from common import counting_queries, make_bench_app, make_org_and_owner

from app.extensions import db
from app.models import InventoryItem, InventoryLot
from app.services import batches, recipes
from app.services.base import transaction
from app.services.inventory import fifo

LINES = 20
RUNS = 5


def build(org, owner, lots_per_item: int, tag: str):
    """A 20-line recipe; each item has `lots_per_item` lots of 10 g (oldest first)."""
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    items = []
    with transaction():
        for index in range(LINES):
            item = InventoryItem(organization_id=org.id, name=f"{tag} ingredient {index}", kind="ingredient",
                                 unit="g", quantity=Decimal(0), allergens="", notes="")
            db.session.add(item)
            items.append(item)
        db.session.flush()
        for item in items:
            for n in range(lots_per_item):
                fifo.new_lot(org, owner, item, Decimal("10"), Decimal("0.01"), change_type="restock",
                             received_at=start + timedelta(minutes=n))
    recipe = recipes.create_recipe(org, owner, name=f"{tag} recipe", yield_quantity="1", yield_unit="kg",
                                   lines=[{"item_id": item.id, "quantity": "2", "unit": "g"} for item in items])
    return recipe


def measure(org, owner, recipe) -> tuple[float, int]:
    import time

    samples, queries = [], 0
    for _ in range(RUNS):
        with counting_queries() as counter:
            started = time.perf_counter()
            batch = batches.start_batch(org, owner, recipe.id, "1")
            samples.append((time.perf_counter() - started) * 1000)
        queries = counter.count
        batches.cancel_batch(org, owner, batch.id)
    samples.sort()
    return samples[len(samples) // 2], queries


def main():
    app, backend = make_bench_app()
    with app.app_context():
        org, owner = make_org_and_owner()
        few = build(org, owner, 1, "one-lot")
        many = build(org, owner, 1000, "thousand-lot")
        db.session.expire_all()
        few_ms, few_q = measure(org, owner, few)
        many_ms, many_q = measure(org, owner, many)
        lots = db.session.scalar(db.select(db.func.count(InventoryLot.id)))
        print(f"[{backend}] batch start, 20-line recipe ({lots:,} lots in the database)")
        print(f"  items with     1 lot : {few_ms:8.1f} ms median of {RUNS}, {few_q} queries")
        print(f"  items with 1,000 lots: {many_ms:8.1f} ms median of {RUNS}, {many_q} queries")
        print(f"  ratio (1,000 / 1): {many_ms / few_ms:.2f}x time, {many_q / few_q:.2f}x queries")


if __name__ == "__main__":
    main()
