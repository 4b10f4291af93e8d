"""CSV import of items: every row checked as `create_item` checks one, then all created at once
(inventory.create_items_bulk); suppliers matched by name (unknown ones are row errors)."""
from __future__ import annotations

from ...models import Supplier
from ..inventory import create_items_bulk
from .common import ImportResult, by_name, named, read_csv, run_bulk

COLUMNS = ("name", "kind", "unit", "density", "shelf_life_days", "reorder_point", "supplier")
REQUIRED = ("name", "kind", "unit")


def import_items(org, actor, file_text, result: ImportResult, *, dry_run: bool) -> None:
    """Validate every row, then create every item (all or nothing; nothing on a dry run)."""
    records = read_csv(file_text, result, columns=COLUMNS, required=REQUIRED)
    if records is None:
        return
    suppliers = by_name(org, Supplier, [r.get("supplier", "") for _, r in records])

    def prepare(number, record):
        values = {column: record.get(column) or None for column in COLUMNS if column != "supplier"}
        for column in REQUIRED:
            if not record.get(column):
                result.add(number, column, f"Give a {column}")
        supplier = record.get("supplier")
        found = supplier and named(result, number, "supplier", supplier, suppliers, "supplier")
        if found:
            values["supplier_id"] = found.id
        return values

    def write(rows, *, write):
        return create_items_bulk(org, actor, rows, write=write)

    run_bulk(result, records, prepare, write, default_column="name", dry_run=dry_run)
