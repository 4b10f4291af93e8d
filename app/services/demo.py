"""Demo content for the demo organization that `flask seed-users` creates (clearly a demo workshop).

Everything goes through the real services, so the demo's stock, ledger and costs obey the same rules
as a maker's own data."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import GlobalItem
from ..models.types import utcnow
from . import batches, inventory, products, recipes, suppliers
from .base import unit_of_work

_LIBRARY = {"olive": "Olive Oil", "coconut": "Coconut Oil (76°F)", "lye": "Sodium Hydroxide (Lye)",
            "water": "Distilled Water", "lavender": "Lavender Essential Oil"}


def _library_id(name: str) -> int | None:
    return db.session.scalar(select(GlobalItem.id).where(GlobalItem.name == name))


@unit_of_work
def seed_demo_workshop(org, owner) -> None:
    """A small soap workshop: a supplier, five ingredients in lots, a recipe, a product and one batch."""
    now = utcnow()
    supplier = suppliers.create_supplier(org, owner, name="Bramble Berry (demo)", lead_time_days=5)
    items = {}
    for key, name in _LIBRARY.items():
        library_id = _library_id(name)
        unit = "mL" if key == "water" else "g"
        if library_id is not None:
            items[key] = inventory.create_item(org, owner, name=name, kind="ingredient", unit=unit,
                                               global_item_id=library_id, supplier_id=supplier.id,
                                               reorder_point="500")
        else:
            items[key] = inventory.create_item(org, owner, name=name, kind="ingredient", unit=unit)
    receipts = [("olive", "3000", "0.0095", 40), ("olive", "2000", "0.0110", 10), ("coconut", "2000", "0.0070", 30),
                ("lye", "1000", "0.0080", 30), ("water", "4000", "0.0005", 30), ("lavender", "250", "0.1200", 20)]
    for key, quantity, cost, days_ago in receipts:
        inventory.adjust(org, owner, items[key].id, change_type="restock", quantity=quantity, unit_cost=cost,
                         received_at=(now - timedelta(days=days_ago)).isoformat(), supplier_id=supplier.id,
                         supplier_lot_code=f"DEMO-{key.upper()}-{days_ago}")
    product = products.create_product(org, owner, name="Lavender Castile Soap", category="soap")
    sku = products.create_sku(org, owner, product.id, size_label="4 oz bar", retail_price="8.50",
                              wholesale_price="4.25")
    recipe = recipes.create_recipe(
        org, owner, name="Lavender Castile Soap", category="soap", yield_quantity="12", yield_unit="each",
        output_item_id=sku.item_id, portion_count=12, portion_name="bar", superfat_pct="5", water_pct="33",
        instructions="Dissolve the lye in the water, cool to 40 °C, blend into the oils to trace, add the "
                     "lavender oil, pour and cure for four weeks.",
        lines=[{"item_id": items["olive"].id, "quantity": "900", "unit": "g"},
               {"item_id": items["coconut"].id, "quantity": "300", "unit": "g"},
               {"item_id": items["lye"].id, "quantity": "170", "unit": "g"},
               {"item_id": items["water"].id, "quantity": "400", "unit": "mL"},
               {"item_id": items["lavender"].id, "quantity": "36", "unit": "g"}])
    batch = batches.start_batch(org, owner, recipe.id, "1")
    batches.finish_batch(org, owner, batch.id, yield_quantity="12")
