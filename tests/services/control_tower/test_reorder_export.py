"""The reorder CSV: figures the engine divides out are written to readable places, not 28 digits."""
from __future__ import annotations

import csv
import io

from app.services import control_tower, inventory

from ...factories import make_item, restock


def test_the_reorder_csv_rounds_computed_figures_instead_of_writing_repeating_decimals(org, owner, reference_data):
    """Does an item used 26 units in the 30-day window (0.8666… a day) export its usage, safety stock and weeks
    of supply rounded (it wrote weeks_of_supply 0.6593406593406593406593406593), and its suggestion rounded up?"""
    jar = make_item(org, owner, name="Amber jar", unit="each")
    restock(org, owner, jar, "30")
    inventory.deduct(org, owner, jar.id, "26", change_type="use")
    text = control_tower.exports.export_csv(org, owner, "reorder")
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert row["item"] == "Amber jar" and row["source"] == "computed"
    assert row["avg_daily_usage"] == "0.866667" and row["safety_stock"] == "0.433333"
    assert row["reorder_point"] == "6.5" and row["suggested_quantity"] == "28.5"
    assert row["weeks_of_supply"] == "0.66"
