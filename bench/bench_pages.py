"""Every main page, signed in, at 10 / 1,000 / 10,000 items: latency (wall and CPU, median of ROUNDS) and
SQL statements per request (issue 11, goals 3 and 5: at most 10 statements a page, the same at every size).

Each size gets its own scratch database (SQLite file, or PostgreSQL when DATABASE_URL is set): the demo
workshop (a supplier, lots, a recipe, a product, a finished batch) through the real services, one sale,
then items up to the size with one lot each, bulk-inserted through the models in one transaction.

Run: .venv/bin/python bench/bench_pages.py   [PAGES_SIZES=10,1000,10000 ROUNDS=15]
"""
from __future__ import annotations

import os
import statistics
import time

from common import bulk_items, make_bench_app, make_org_and_owner, summary
from sqlalchemy import event, select

from app.extensions import db
from app.models import Batch, InventoryItem, InventoryLot, Product, PurchaseOrder, Recipe, Sale, Sku, Supplier
from app.services import demo

SIZES = [int(size) for size in os.environ.get("PAGES_SIZES", "10,1000,10000").split(",")]
ROUNDS = int(os.environ.get("ROUNDS", "15"))
WARM_UPS = int(os.environ.get("WARM_UPS", "2"))
STATEMENT_CEILING = 10


def record_one_sale(org, owner) -> None:
    from app.services import sales

    sku_id = first_id(Sku, org.id)
    try:
        sales.record_sale(org, owner, sku_id=sku_id, quantity="1")
    except Exception as exc:  # the sales list is still measured, just without a row
        print(f"  (no sale recorded: {type(exc).__name__}: {exc})")


def first_id(model, org_id: int):
    return db.session.scalar(select(model.id).where(model.organization_id == org_id).order_by(model.id))


def main_pages(org_id: int) -> list[tuple[str, str]]:
    olive = db.session.scalar(select(InventoryItem.id).where(InventoryItem.organization_id == org_id,
                                                             InventoryItem.name.like("Olive%")))
    lot_code = db.session.scalar(select(InventoryLot.code).where(InventoryLot.organization_id == org_id,
                                                                 InventoryLot.item_id == olive))
    pages = [("dashboard", "/dashboard"), ("inventory list", "/inventory"), ("item detail", f"/inventory/{olive}"),
             ("expiring", "/inventory/expiring"),
             ("recipe list", "/recipes"), ("recipe detail", f"/recipes/{first_id(Recipe, org_id)}"),
             ("batch list", "/batches"), ("batch detail", f"/batches/{first_id(Batch, org_id)}"),
             ("product list", "/products"), ("product detail", f"/products/{first_id(Product, org_id)}"),
             ("sales list", "/sales"), ("suppliers", "/suppliers"),
             ("supplier detail", f"/suppliers/{first_id(Supplier, org_id)}"), ("purchase orders", "/purchase-orders"),
             ("trace", f"/trace/lots/{lot_code}"), ("reports", "/reports"), ("reorder", "/reorder"),
             ("alerts", "/alerts"), ("settings", "/settings")]
    sale_id = first_id(Sale, org_id)
    if sale_id is not None:
        pages.insert(11, ("sale detail", f"/sales/{sale_id}"))
    po_id = first_id(PurchaseOrder, org_id)
    if po_id is not None:
        pages.insert(pages.index(("purchase orders", "/purchase-orders")) + 1, ("purchase order", f"/purchase-orders/{po_id}"))
    return pages


def open_purchase_order(org, owner) -> None:
    from app.services import purchasing

    olive = db.session.scalar(select(InventoryItem.id).where(InventoryItem.organization_id == org.id,
                                                             InventoryItem.name.like("Olive%")))
    try:
        purchasing.create_purchase_order(org, owner, supplier_id=first_id(Supplier, org.id),
                                         lines=[{"item_id": olive, "quantity": "1000", "unit_cost": "0.01"}])
    except Exception as exc:  # the purchase order pages are still measured, just without one
        print(f"  (no purchase order: {type(exc).__name__}: {exc})")


def measure(client, engine, url: str) -> dict:
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "PRAGMA", "COMMIT")):
            statements.append(statement)

    response = client.get(url)
    for _ in range(WARM_UPS - 1):  # warm: templates, the permission cache, SQL compilation, alerts brought up to date
        response = client.get(url)
    if response.status_code != 200:
        return {"status": response.status_code}
    event.listen(engine, "before_cursor_execute", count)
    try:
        client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    wall, cpu = [], []
    for _ in range(ROUNDS):
        started, started_cpu = time.perf_counter(), time.process_time()
        client.get(url)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return {"status": 200, "statements": len(statements), "wall": statistics.median(wall),
            "cpu": statistics.median(cpu)}


def run_size(size: int) -> tuple[str, dict[str, dict]]:
    app, backend = make_bench_app()
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        org, owner = make_org_and_owner()
        demo.seed_demo_workshop(org, owner)
        record_one_sale(org, owner)
        open_purchase_order(org, owner)
        started = time.perf_counter()
        bulk_items(org, size)
        seeded = time.perf_counter() - started
        pages = main_pages(org.id)
        email, engine = owner.email, db.engine
    print(f"  [{backend}] {size:,} items seeded in {seeded:.1f} s", flush=True)
    client = app.test_client()
    client.post("/login", data={"email": email, "password": "bench-password"})
    client.get("/dashboard")  # shows the sign-in flash
    results = {label: {"url": url, **measure(client, engine, url)} for label, url in pages}
    if size == SIZES[0]:
        work_once(client, engine, backend)
    return backend, results


def work_once(client, engine, backend: str) -> None:
    """Goal 4: a plain signed-in page view loads the user once, no permission rows (cached), writes no session."""
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.lstrip().upper())

    client.get("/inventory")
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get("/inventory")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    users = sum(1 for s in statements if s.startswith("SELECT USERS."))
    permissions = sum(1 for s in statements if "ROLE_PERMISSIONS" in s or "TIER_PERMISSIONS" in s)
    cookie = "Set-Cookie" in response.headers
    summary("4", f"per-request work, GET /inventory ({backend}): user loads / permission queries / session write",
            f"{users} / {permissions} / {'yes' if cookie else 'no'}", "1 / 0 / no", None,
            users == 1 and permissions == 0 and not cookie)


def main():
    results: dict[int, dict[str, dict]] = {}
    backend = "?"
    for size in SIZES:
        backend, results[size] = run_size(size)
    labels = list(results[SIZES[0]])
    header = "".join(f" | {size:>6,} items: ms wall / CPU / SQL" for size in SIZES)
    print(f"[{backend}] page latency (median of {ROUNDS}) and SQL statements per request")
    print(f"{'page':<15}{header}")
    for label in labels:
        cells = []
        for size in SIZES:
            row = results[size].get(label, {})
            if row.get("status") != 200:
                cells.append(f" | {'HTTP ' + str(row.get('status')):>31}")
            else:
                cells.append(f" | {row['wall']:>14.1f} / {row['cpu']:>5.1f} / {row['statements']:>3}")
        print(f"{label:<15}{''.join(cells)}")
    counts = {(label, size): results[size][label]["statements"] for size in SIZES for label in labels
              if results[size].get(label, {}).get("status") == 200}
    worst = max(counts.items(), key=lambda pair: pair[1]) if counts else (("-", 0), 0)
    over = sorted({label for (label, _), count in counts.items() if count > STATEMENT_CEILING})
    growing = [label for label in labels
               if len({counts.get((label, size)) for size in SIZES}) > 1]
    print(f"goal 3 (<= {STATEMENT_CEILING} SQL statements on every main page): worst {worst[1]} "
          f"({worst[0][0]} at {worst[0][1]:,} items); ratio {worst[1] / STATEMENT_CEILING:.2f}x of the ceiling; "
          + ("ok" if not over else f"MISSED on {', '.join(over)}"))
    print(f"goal 3 (statements constant from {SIZES[0]:,} to {SIZES[-1]:,} items): "
          + ("ok" if not growing else f"MISSED, they change on {', '.join(growing)}"))
    for label in labels:
        per_size = [counts.get((label, size)) for size in SIZES]
        if None in per_size:
            summary("3", f"SQL statements: {label} ({backend})", "HTTP error", f"<= {STATEMENT_CEILING}", None, False)
            continue
        figure = " / ".join(str(count) for count in per_size)
        summary("3", f"SQL statements: {label} at {' / '.join(f'{size:,}' for size in SIZES)} items ({backend})",
                figure, f"<= {STATEMENT_CEILING}, constant", max(per_size) / STATEMENT_CEILING,
                max(per_size) <= STATEMENT_CEILING and len(set(per_size)) == 1)
    slowest = max(((label, size, results[size][label]["wall"]) for (label, size) in counts), key=lambda t: t[2])
    print(f"goal 5 (page latency at every size): slowest {slowest[0]} at {slowest[1]:,} items, {slowest[2]:.1f} ms; "
          f"inventory list {results[SIZES[-1]]['inventory list'].get('wall', 0):.1f} ms at {SIZES[-1]:,} items vs "
          f"{results[SIZES[0]]['inventory list'].get('wall', 0):.1f} ms at {SIZES[0]:,} "
          f"(ratio {results[SIZES[-1]]['inventory list'].get('wall', 0) / max(results[SIZES[0]]['inventory list'].get('wall', 1), 0.001):.2f}x)")
    for label in labels:
        walls = [results[size].get(label, {}).get("wall") for size in SIZES]
        if None in walls:
            continue
        summary("5", f"page latency: {label} at {' / '.join(f'{size:,}' for size in SIZES)} items ({backend})",
                " / ".join(f"{wall:.0f} ms" for wall in walls), "", walls[-1] / walls[0] if walls[0] else None)


if __name__ == "__main__":
    main()
