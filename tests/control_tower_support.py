"""A hand-built ledger for the control-tower tests (services, API and pages share it).

Everything is recorded through the real services, then back-dated (events, sales) so that the windows
matter. The expected figures are worked out by hand in HAND below; the tests compare against those
literal numbers, never against a second computation.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import update

from app.extensions import db
from app.models import InventoryEvent, Sale

from .factories import make_item, make_lot, make_sale, make_supplier

D = Decimal
NOW = datetime.now(timezone.utc)


def age_events(events, days: float) -> None:
    """Move these ledger rows `days` into the past (tests only: the ledger is append-only in the app)."""
    ids = [e.id for e in (events if isinstance(events, (list, tuple)) else [events])]
    db.session.execute(update(InventoryEvent).where(InventoryEvent.id.in_(ids))
                       .values(created_at=NOW - timedelta(days=days)))
    db.session.commit()


def age_sale(sale, days: float) -> None:
    db.session.execute(update(Sale).where(Sale.id == sale.id).values(created_at=NOW - timedelta(days=days)))
    db.session.commit()


@dataclass
class Ledger:
    oil: object
    bar: object
    wax: object
    jar: object
    supplier: object
    sale: object


def build_ledger(org, owner) -> Ledger:
    """Olive oil (g, manual reorder point 600), lavender bars (each, sold and partly returned), wax (used by a
    batch that was partly cancelled, supplier lead time 10 days), jars (an expired and an expiring lot).

    Hand-computed figures (window 30 days, safety 0.5 days, cover 30 days, expiring 30 days):

    oil: restock 1000 g @ 0.01 (40 days ago); use 300 (10 days ago); spoil 50 (5 days ago, not usage);
         `sale` adjustment 90 (now, usage without revenue); returned 30 (now).
         usage = 300 + 90 − 30 = 360 → avg 12/day; lead 7 (no supplier); safety 6; manual point 600;
         available 1000 − 300 − 50 − 90 + 30 = 590 ≤ 600 → below; suggested 600 + 12×30 − 590 = 370;
         weeks 590 / 84.
    bar: restock 20 @ 2.5 (now); sale 5 @ 10 (revenue 50, cogs 12.5); 2 returned (−20 revenue, −5 cost).
         usage 3 → avg 0.1; lead 7; safety 0.05; point 0.75; available 17 → not below.
    wax: supplier lead 10; restock 100 @ 0.2 (now); batch deduction 60; batch_cancelled 20 back → usage 40,
         avg 4/3; point = 4/3 × 10 + 2/3 = 14; available 60 → not below. Safety stock set on the item? no.
    jar: lot A 10 @ 1 expired yesterday; lot B 5 @ 2 expiring in 10 days; no usage → no reorder point.

    KPIs over 30 days:
      inventory_value = oil 590×0.01 + bar 17×2.5 + wax 60×0.2 + jar 10 + 10 = 5.9 + 42.5 + 12 + 20 = 80.4
      expired_value 10, expiring_value 10
      revenue 50 − 20 = 30; cogs 12.5 − 5 = 7.5; margin 22.5; pct 75
      usage_cost = oil 3.6 + bar 7.5 (5 × 2.5 − 2 × 2.5) + wax 8 (40 × 0.2) = 19.1
      weeks_of_supply = 80.4 / (19.1 / 30 × 7)
      value 30 days ago = oil's restock only = 10 → turnover 7.5 / ((10 + 80.4) / 2)
      stockouts 0; below_reorder 1 (oil)
    """
    from app.services import inventory

    supplier = make_supplier(org, name="Beeswax Bros", lead_time_days=10)
    oil = make_item(org, name="Olive oil", unit="g", reorder_point=D("600"))
    bar = make_item(org, name="Lavender bar", unit="each", kind="product")
    wax = make_item(org, name="Beeswax", unit="g", supplier_id=supplier.id)
    jar = make_item(org, name="Amber jar", unit="each", kind="container")

    oil_lot = make_lot(org, oil, "1000", "0.01")
    age_events(_lot_events(org, oil_lot), 40)
    age_events(inventory.deduct(org, owner, oil.id, "300", change_type="use"), 10)
    age_events(inventory.deduct(org, owner, oil.id, "50", change_type="spoil"), 5)
    inventory.deduct(org, owner, oil.id, "90", change_type="sale")
    inventory.credit_lot(org, owner, oil_lot.id, "30", change_type="returned")

    make_lot(org, bar, "20", "2.5")
    sale = make_sale(org, owner, bar, quantity="5", unit_price="10")
    from app.services import sales

    sales.return_sale(org, owner, sale.id, quantity="2")

    wax_lot = make_lot(org, wax, "100", "0.2")
    inventory.deduct(org, owner, wax.id, "60", change_type="batch")
    inventory.credit_lot(org, owner, wax_lot.id, "20", change_type="batch_cancelled")

    today = NOW.date()
    make_lot(org, jar, "10", "1", expires_on=today - timedelta(days=1), code="JAR-OLD")
    make_lot(org, jar, "5", "2", expires_on=today + timedelta(days=10), code="JAR-NEW")
    return Ledger(oil=oil, bar=bar, wax=wax, jar=jar, supplier=supplier, sale=sale)


def _lot_events(org, lot):
    from app.services import tenancy

    return list(db.session.scalars(tenancy.scoped(InventoryEvent, org).where(InventoryEvent.lot_id == lot.id)))


def today_utc() -> date:
    return datetime.now(timezone.utc).date()
