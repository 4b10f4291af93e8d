"""Trace time and query count for an ingredient lot whose product lot has 10 vs 1,000 vs 10,000 sales, through
two intermediates (buds → infused oil → soap base → bars → sales).

Run: .venv/bin/python bench/bench_trace.py   (set DATABASE_URL=postgresql://… to measure PostgreSQL)
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from common import counting_queries, make_bench_app, make_org_and_owner, summary, timed

from app.extensions import db
from app.models import BatchOutput, InventoryItem, Sale, SaleConsumption
from app.services import batches, recipes, sales, tenancy, traceability
from app.services.base import transaction
from app.services.inventory import fifo

SIZES = (10, 1_000, 10_000)


def build_chain(org, owner, tag: str):
    """A fresh chain; returns (ingredient lot code, bar item, bar lot id, an event id to hang sales on)."""
    def item(name, kind="ingredient", unit="g"):
        row = InventoryItem(organization_id=org.id, name=f"{tag} {name}", kind=kind, unit=unit,
                            quantity=Decimal(0), allergens="", notes="")
        db.session.add(row)
        return row

    with transaction():
        buds, oil, infused, base, bar = (item("buds"), item("oil"), item("infused"), item("base"),
                                         item("bar", "product", "each"))
        db.session.flush()
        buds_lot = fifo.new_lot(org, owner, buds, Decimal("1000"), Decimal("0.05"), change_type="restock").lot
        fifo.new_lot(org, owner, oil, Decimal("1000"), Decimal("0.01"), change_type="restock")
    steps = [([(buds, "100"), (oil, "200")], infused, "300", "g"), ([(infused, "300")], base, "300", "g"),
             ([(base, "300")], bar, "100000", "each")]
    bar_lot = None
    for index, (lines, output, yield_quantity, unit) in enumerate(steps):
        recipe = recipes.create_recipe(org, owner, name=f"{tag} step {index}", yield_quantity=yield_quantity,
                                       yield_unit=unit, output_item_id=output.id,
                                       lines=[{"item_id": i.id, "quantity": q, "unit": "g"} for i, q in lines])
        batch = batches.start_batch(org, owner, recipe.id, "1")
        batches.finish_batch(org, owner, batch.id, yield_quantity=yield_quantity)
        bar_lot = db.session.scalar(tenancy.scoped(BatchOutput, org, BatchOutput.lot_id)
                                    .where(BatchOutput.batch_id == batch.id))
    first = sales.record_sale(org, owner, item_id=bar.id, quantity="1", unit_price="8", order_ref=f"{tag}-0")
    return buds_lot.code, bar, bar_lot, first.consumption[0].event_id


def add_sales(org, bar, lot_id, event_id, count, tag):
    """Sales rows written directly (the trace only reads them)."""
    now = datetime.now(timezone.utc)
    with transaction():
        for n in range(count - 1):
            sale = Sale(organization_id=org.id, item_id=bar.id, quantity=Decimal("1"), unit_price=Decimal("8"),
                        revenue=Decimal("8"), cogs=Decimal("0"), margin=Decimal("8"), order_ref=f"{tag}-{n + 1}",
                        created_at=now + timedelta(seconds=n))
            db.session.add(sale)
            db.session.flush()
            db.session.add(SaleConsumption(organization_id=org.id, sale_id=sale.id, lot_id=lot_id, event_id=event_id,
                                           quantity=Decimal("1"), unit_cost=Decimal("0"), cost=Decimal("0")))


def main():
    app, backend = make_bench_app()
    with app.app_context():
        org, owner = make_org_and_owner()
        print(f"[{backend}] trace of an ingredient lot through two intermediates")
        figures = {}
        for size in SIZES:
            tag = f"n{size}"
            code, bar, lot_id, event_id = build_chain(org, owner, tag)
            add_sales(org, bar, lot_id, event_id, size, tag)
            db.session.expire_all()
            with counting_queries() as counter:
                trace = traceability.trace_lot(org, owner, code)
            assert len(trace.forward.sales) == size
            median, best = timed(lambda: traceability.trace_lot(org, owner, code), repeat=3)
            print(f"  {size:>6,} downstream sales: {median:8.1f} ms median (best {best:.1f}), "
                  f"{counter.count} queries")
            figures[size] = (median, counter.count)
        small, large = figures[SIZES[0]], figures[SIZES[-1]]
        summary("5", f"trace through two intermediates, {SIZES[0]:,} vs {SIZES[-1]:,} sales ({backend})",
                f"{small[0]:.1f} ms / {small[1]} queries vs {large[0]:.1f} ms / {large[1]} queries",
                "queries constant", large[0] / small[0] if small[0] else None, small[1] == large[1])


if __name__ == "__main__":
    main()
