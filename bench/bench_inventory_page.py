"""Inventory list PAGE (rendered HTML through the full request cycle): latency and SQL queries with 5,000 items.

Run: .venv/bin/python bench/bench_inventory_page.py   (set DATABASE_URL=postgresql://… to measure PostgreSQL)
"""
from __future__ import annotations

import statistics
import time
from decimal import Decimal

from common import counting_queries, make_bench_app, make_org_and_owner, summary

from app.extensions import db
from app.models import InventoryEvent, InventoryItem, InventoryLot
from app.services.base import transaction

ITEMS = 5000
RUNS = 7


def main():
    app, backend = make_bench_app()
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        org, owner = make_org_and_owner()
        with transaction():  # in bulk through the models (10,000 lots through the service take minutes)
            items = [InventoryItem(organization_id=org.id, name=f"Ingredient {n:05d}", kind="ingredient", unit="g",
                                   quantity=Decimal(80), reorder_point=Decimal("50"), allergens="", notes="")
                     for n in range(ITEMS)]
            db.session.add_all(items)
            db.session.flush()
            lots = [InventoryLot(organization_id=org.id, item_id=item.id, code=f"LOT-{item.id:06d}-{cost}",
                                 original_quantity=Decimal("40"), remaining_quantity=Decimal("40"),
                                 unit_cost=Decimal(cost), notes="") for item in items for cost in ("0.01", "0.02")]
            db.session.add_all(lots)
            db.session.flush()
            db.session.add_all([InventoryEvent(organization_id=org.id, code=f"RST-{lot.id:07d}", item_id=lot.item_id,
                                               lot_id=lot.id, change_type="restock", quantity=Decimal("40"),
                                               unit_cost=lot.unit_cost, notes="") for lot in lots])
        email = owner.email
        if backend == "PostgreSQL":  # what autovacuum does after a bulk load: give the planner statistics
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
    client = app.test_client()
    client.post("/login", data={"email": email, "password": "bench-password"})
    for url in ("/inventory", "/inventory?sort=value", "/inventory?q=Ingredient%2004&page=2"):
        samples = []
        with app.app_context():
            for _ in range(RUNS):
                with counting_queries() as counter:
                    started = time.perf_counter()
                    response = client.get(url)
                    samples.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.status_code
        print(f"[{backend}] GET {url:<38} {ITEMS:,} items: {statistics.median(samples):7.1f} ms median of {RUNS}, "
              f"{counter.count} queries")
        summary("5", f"list page GET {url} at {ITEMS:,} items ({backend})",
                f"{statistics.median(samples):.1f} ms, {counter.count} statements", "<= 10 statements",
                counter.count / 10, counter.count <= 10)


if __name__ == "__main__":
    main()
