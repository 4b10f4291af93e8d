"""Factories for the product, sale and trace page tests: a product with a stocked SKU, and a finished
batch (ingredient lots → recipe → batch → SKU lot) made through the real services."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

from app.services import batches, products, recipes

from .factories import ensure_inventory_reference_data, make_item, make_lot

_counter = itertools.count(1)


def stocked_sku(org, actor, *, name: str | None = None, price="8.00", quantity="10", unit_cost="1.5",
                lots: int = 1):
    """A product with one SKU whose stock item holds `lots` lots of `quantity` each, oldest first, at
    `unit_cost` (or one cost per lot when it is a list)."""
    ensure_inventory_reference_data()
    product = products.create_product(org, actor, name=name or f"Soap {next(_counter)}", category="Bar soap")
    sku = products.create_sku(org, actor, product.id, size_label="4 oz", retail_price=price)
    start = datetime.now(timezone.utc) - timedelta(days=lots + 1)
    costs = unit_cost if isinstance(unit_cost, (list, tuple)) else [unit_cost] * lots
    made = [make_lot(org, sku_item(org, sku), quantity, cost, received_at=start + timedelta(days=index))
            for index, cost in enumerate(costs)]
    return {"product": product, "sku": sku, "item": sku_item(org, sku), "lots": made}


def sku_item(org, sku):
    from app.models import InventoryItem
    from app.services import tenancy

    return tenancy.get_for_org(InventoryItem, sku.item_id, org)


def finished_batch(org, actor, *, yield_quantity="10"):
    """Olive oil and lye lots → a recipe → a finished batch whose output is a lot of a product SKU."""
    ensure_inventory_reference_data()
    oil = make_item(org, name=f"Olive Oil {next(_counter)}", unit="g")
    lye = make_item(org, name=f"Lye {next(_counter)}", unit="g")
    oil_lot = make_lot(org, oil, "1000", "0.01", received_at=datetime.now(timezone.utc) - timedelta(days=30))
    lye_lot = make_lot(org, lye, "500", "0.005", received_at=datetime.now(timezone.utc) - timedelta(days=30))
    product = products.create_product(org, actor, name=f"Castile Soap {next(_counter)}")
    variant = products.add_variant(org, actor, product.id, name="Unscented")
    sku = products.create_sku(org, actor, product.id, variant_id=variant.id, size_label="4 oz bar",
                              retail_price="9.00")
    recipe = recipes.create_recipe(org, actor, name=f"Castile {next(_counter)}", yield_quantity=yield_quantity,
                                   yield_unit="each", output_item_id=sku.item_id,
                                   lines=[{"item_id": oil.id, "quantity": "700", "unit": "g"},
                                          {"item_id": lye.id, "quantity": "100", "unit": "g"}])
    batch = batches.start_batch(org, actor, recipe.id, "1")
    batches.finish_batch(org, actor, batch.id, yield_quantity=yield_quantity)
    record = batches.batch_record(org, actor, batch.id)
    (_, _, output_lot), = record.outputs
    return {"oil": oil, "lye": lye, "oil_lot": oil_lot, "lye_lot": lye_lot, "product": product, "sku": sku,
            "recipe": recipe, "batch": batch, "output_lot": output_lot, "item": sku_item(org, sku)}
