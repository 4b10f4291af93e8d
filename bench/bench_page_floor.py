"""Signed-in inventory list vs the stack's floor: CPU per request, measured in one process, interleaved.

The floor is a bare Flask page (defined here) that runs one query for the same 50 rows and renders them
with Jinja. Goal (issue 11): the inventory list's first page costs at most 3x the floor's CPU.

Run: .venv/bin/python bench/bench_page_floor.py   (DATABASE_URL=postgresql://… for PostgreSQL)
"""
from __future__ import annotations

import statistics
import time
from decimal import Decimal

from common import counting_queries, make_bench_app, make_org_and_owner, summary
from flask import Flask, render_template_string
from sqlalchemy import create_engine, text

from app.extensions import db
from app.models import InventoryItem
from app.services.base import transaction
from app.services.inventory import fifo

ITEMS = 200
ROUNDS = 300

FLOOR_TEMPLATE = """<!doctype html><html><head><title>Inventory</title></head><body><table>
<thead><tr><th>Item</th><th>Kind</th><th>In stock</th><th>Reorder point</th></tr></thead><tbody>
{% for row in rows %}<tr><td><a href="/inventory/{{ row.id }}">{{ row.name }}</a></td><td>{{ row.kind }}</td>
<td>{{ '{:,.2f}'.format(row.quantity) }} {{ row.unit }}</td><td>{{ row.reorder_point or '' }}</td></tr>
{% endfor %}</tbody></table></body></html>"""


def floor_app(uri: str, org_id: int) -> Flask:
    """The minimal page: one query for 50 rows, rendered with Jinja."""
    engine = create_engine(uri)
    app = Flask("floor")

    @app.get("/inventory")
    def inventory():
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT id, name, kind, quantity, unit, reorder_point FROM inventory_items "
                "WHERE organization_id = :org ORDER BY name LIMIT 50"), {"org": org_id}).all()
        return render_template_string(FLOOR_TEMPLATE, rows=rows)

    return app


def cpu_ms(client, url: str) -> float:
    started = time.process_time()
    response = client.get(url)
    elapsed = (time.process_time() - started) * 1000
    assert response.status_code == 200, response.status_code
    return elapsed


def main():
    app, backend = make_bench_app()
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        org, owner = make_org_and_owner()
        with transaction():
            items = [InventoryItem(organization_id=org.id, name=f"Ingredient {n:04d}", kind="ingredient", unit="g",
                                   quantity=Decimal(0), reorder_point=Decimal("50"), allergens="", notes="")
                     for n in range(ITEMS)]
            db.session.add_all(items)
            db.session.flush()
            for item in items:
                fifo.new_lot(org, owner, item, Decimal("40"), Decimal("0.01"), change_type="restock")
        email, org_id = owner.email, org.id
        uri = str(db.engine.url.render_as_string(hide_password=False))
    client = app.test_client()
    client.post("/login", data={"email": email, "password": "bench-password"})
    floor = floor_app(uri, org_id).test_client()

    for _ in range(20):  # warm both up (template compilation, caches, connections)
        client.get("/inventory")
        floor.get("/inventory")
    app_samples, floor_samples = [], []
    for _ in range(ROUNDS):  # interleaved, so both see the same machine state
        app_samples.append(cpu_ms(client, "/inventory"))
        floor_samples.append(cpu_ms(floor, "/inventory"))
    with app.app_context(), counting_queries() as counter:
        client.get("/inventory")
    app_ms, floor_ms = statistics.median(app_samples), statistics.median(floor_samples)
    ratio = app_ms / floor_ms
    print(f"[{backend}] inventory list (50 of {ITEMS} rows): {app_ms:.2f} ms CPU median, {counter.count} queries; "
          f"floor page: {floor_ms:.2f} ms CPU; ratio {ratio:.2f}x (goal <= 3x)")
    summary("1", f"inventory list CPU vs a one-query Jinja page, 50 rows ({backend})",
            f"{app_ms:.2f} ms vs {floor_ms:.2f} ms", "<= 3x", ratio, ratio <= 3)


if __name__ == "__main__":
    main()
