"""CSV import of sales through the sales service's own import (stock checked, FIFO costs, one transaction).
The file may name items by `item` (name) as well as by `sku`; names are matched in the organization."""
from __future__ import annotations

import csv
import io

from ...models import InventoryItem
from ..errors import ValidationFailed
from ..sales import import_sales_csv, validate_sales_csv
from .common import ImportResult, by_name, named, read_csv

COLUMNS = ("sku", "item", "item_id", "quantity", "unit_price", "order_ref", "channel", "customer", "date")
REQUIRED = ("quantity", "unit_price")
NO_ITEM = "0"  # the item_id of a row whose item name matched nothing (no item has id 0)


def import_sales(org, actor, file_text, result: ImportResult, *, dry_run: bool) -> None:
    """Validate the sales file (and record every sale unless dry_run) — all or nothing."""
    records = read_csv(file_text, result, columns=COLUMNS, required=REQUIRED)
    if records is None:
        return
    if not records or not any(c in records[0][1] for c in ("sku", "item", "item_id")):
        result.add(1, "sku", "Missing column: give a “sku” (code) or an “item” column")
        return
    items = by_name(org, InventoryItem, [r.get("item", "") for _, r in records])
    # the sales service reads item ids: translate names, keeping each record on its own line number; a row whose
    # name is unknown is still checked (its quantity, price, date …) under an id no item has (NO_ITEM)
    lines: dict[int, dict] = {}
    for number, record in records:
        name = record.pop("item", "")
        if name:
            item = named(result, number, "item", name, items, "item")
            record["item_id"] = NO_ITEM if item is None else str(item.id)
        lines[number] = record
    text = _as_csv(lines)
    report = validate_sales_csv(org, actor, text)
    problems = report.problems
    if report.ok and result.ok and not dry_run:
        try:
            result.created = len(import_sales_csv(org, actor, text))
        except ValidationFailed as error:
            problems = getattr(error, "report", report).problems
    for problem in problems:  # the item cell of an unknown name keeps its own message (result.add: once a cell)
        result.add(problem.row, "item" if problem.column == "item_id" else problem.column, problem.message)
    result.problems.sort(key=lambda problem: problem.row)
    result.valid = len(report.rows)


def _as_csv(lines: dict[int, dict]) -> str:
    """The records as CSV text whose line numbers are the original ones (blank lines fill the gaps)."""
    columns = ("sku", "item_id", "quantity", "unit_price", "order_ref", "channel", "customer", "date")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    line = 1
    for number in sorted(lines):
        out.write("\n" * (number - line - 1))
        writer.writerow([_single_line(lines[number].get(c, "")) for c in columns])
        line = number
    return out.getvalue()


def _single_line(value: str) -> str:
    return " ".join(value.splitlines())
