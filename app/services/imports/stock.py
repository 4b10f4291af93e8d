"""CSV import of opening stock / restocks: one lot per row, every row checked as `restock` checks one, then all
received at once (inventory.restock_many); items and locations matched by name in the organization (unknown
ones are row errors); quantities in any known unit."""
from __future__ import annotations

from ...models import InventoryItem, Location
from ..inventory import restock_many
from .common import ImportResult, by_name, named, read_csv, run_bulk

COLUMNS = ("item", "quantity", "unit", "unit_cost", "received_at", "expires_at", "supplier_lot_code", "location")
REQUIRED = ("item", "quantity")


def import_stock(org, actor, file_text, result: ImportResult, *, dry_run: bool) -> None:
    """Validate every row, then restock every row (all or nothing; nothing on a dry run)."""
    records = read_csv(file_text, result, columns=COLUMNS, required=REQUIRED)
    if records is None:
        return
    items = by_name(org, InventoryItem, [r.get("item", "") for _, r in records])
    locations = by_name(org, Location, [r.get("location", "") for _, r in records])

    def prepare(number, record):
        values = {column: record.get(column) or None
                  for column in ("quantity", "unit", "unit_cost", "received_at", "expires_at", "supplier_lot_code")}
        name = record.get("item")
        item = name and named(result, number, "item", name, items, "item")
        if not name:
            result.add(number, "item", "Give an item name")
        elif item:
            values["item_id"] = item.id
        if not record.get("quantity"):
            result.add(number, "quantity", "Give a quantity")
        place = record.get("location")
        found = place and named(result, number, "location", place, locations, "location")
        if found:
            values["location_id"] = found.id
        return values

    def write(rows, *, write):
        return restock_many(org, actor, rows, write=write)

    run_bulk(result, records, prepare, write, default_column="item", dry_run=dry_run)
