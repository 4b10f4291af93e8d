"""Batch start time and query count for a 20-line recipe whose items have 1 lot vs 1,000 lots each; and the SQL
statements of a whole batch-start request for a 3-line recipe, web form and API, at 5 and 200 lots per
ingredient (issue 11, goal 3: at most 30).

Run: .venv/bin/python bench/bench_batches.py   (set DATABASE_URL=postgresql://… to measure PostgreSQL)
"""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from common import counting_queries, make_bench_app, make_org_and_owner, summary

from app.extensions import db
from app.models import InventoryEvent, InventoryItem, InventoryLot
from app.services import accounts, batches, recipes
from app.services.base import transaction

START_CEILING = 30

LINES = 20
RUNS = int(os.environ.get("BATCH_RUNS", "5"))


def build(org, owner, lots_per_item: int, tag: str, lines: int = LINES):
    """A `lines`-line recipe; each item has `lots_per_item` lots of 10 g (oldest first)."""
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    items = []
    with transaction():
        for index in range(lines):
            item = InventoryItem(organization_id=org.id, name=f"{tag} ingredient {index}", kind="ingredient",
                                 unit="g", quantity=Decimal(0), allergens="", notes="")
            db.session.add(item)
            items.append(item)
        db.session.flush()
        # Lots and their restock events inserted in bulk (1,000 lots through the service per item take minutes);
        # item quantity = Σ lots = Σ ledger as the service keeps it.
        lots = [InventoryLot(organization_id=org.id, item_id=item.id, code=f"{tag}-{item.id}-{n:05d}",
                             received_at=start + timedelta(minutes=n), original_quantity=Decimal("10"),
                             remaining_quantity=Decimal("10"), unit_cost=Decimal("0.01"), notes="")
                for item in items for n in range(lots_per_item)]
        db.session.add_all(lots)
        db.session.flush()
        db.session.add_all([InventoryEvent(organization_id=org.id, code=f"RST-{tag}-{lot.id:07d}", item_id=lot.item_id,
                                           lot_id=lot.id, change_type="restock", quantity=Decimal("10"),
                                           unit_cost=Decimal("0.01"), notes="", created_at=lot.received_at)
                            for lot in lots])
        for item in items:
            item.quantity = Decimal("10") * lots_per_item
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
        summary("5", f"batch start (service), {LINES}-line recipe, 1 vs 1,000 lots per item ({backend})",
                f"{few_ms:.1f} ms / {few_q} queries vs {many_ms:.1f} ms / {many_q} queries", "flat",
                many_ms / few_ms if few_ms else None)
        small, large = build(org, owner, 5, "three-5", lines=3), build(org, owner, 200, "three-200", lines=3)
        _, raw_token = accounts.create_api_token(owner, "bench")
        email, ids = owner.email, (small.id, large.id)
        engine = db.engine
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    client.post("/login", data={"email": email, "password": "bench-password"})
    client.get("/dashboard")  # the sign-in flash
    counts = {}
    for recipe_id, lots in zip(ids, (5, 200)):
        for _ in range(2):  # the second request of each is counted (caches warm)
            web = request_statements(engine, lambda: client.post("/batches/new", data={
                "recipe_id": str(recipe_id), "scale": "1", "notes": "", "action": "start"}), 302)
            api = request_statements(engine, lambda: client.post(
                "/api/v1/batches", json={"recipe_id": recipe_id, "scale": "1"},
                headers={"Authorization": f"Bearer {raw_token}"}), 201)
        counts[lots] = (web, api)
        print(f"  3-line recipe, {lots:>3} lots per ingredient: batch start request {web} statements (web form), "
              f"{api} (API)")
    worst = max(max(pair) for pair in counts.values())
    summary("3", f"batch start request, 3-line recipe, web form / API, 5 vs 200 lots ({backend})",
            " vs ".join(f"{web} / {api}" for web, api in counts.values()), f"<= {START_CEILING}, constant",
            worst / START_CEILING, worst <= START_CEILING and counts[5] == counts[200])


def request_statements(engine, send, status: int) -> int:
    """SQL statements of one request (transaction control not counted)."""
    from sqlalchemy import event

    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "PRAGMA", "COMMIT",
                                                      "ROLLBACK")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = send()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    return len(statements)


if __name__ == "__main__":
    main()
