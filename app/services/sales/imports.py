"""Sales CSV import: every problem with its row and column before anything is written, then all rows in one
transaction or none."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from ...extensions import db
from ...models import InventoryItem, Sale, Sku
from ...models.types import utcnow
from .. import tenancy, units
from ..authz import authorize
from ..base import unit_of_work
from ..csv_rows import read_rows
from ..errors import DomainError, PermissionDenied, ValidationFailed
from ..features import feature_enabled
from ..inventory import expiration, stock_check
from ..products import parse_price
from .records import record_sale

MAX_CSV_ROWS = 5000
MAX_CSV_CHARS = 2_000_000
CSV_COLUMNS = ("sku", "item_id", "quantity", "unit_price", "order_ref", "channel", "customer", "date")


@dataclass
class ImportProblem:
    row: int  # line number in the file; the header is row 1
    column: str
    message: str

    def __str__(self) -> str:
        return f"Row {self.row}, column {self.column}: {self.message}"


@dataclass
class ImportRow:
    row: int
    item: InventoryItem
    sku: Sku | None
    quantity: Decimal
    unit_price: Decimal
    order_ref: str | None
    channel: str | None
    customer: str | None
    sold_at: datetime | None


@dataclass
class ImportReport:
    rows: list[ImportRow] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, row: int, column: str, message: str) -> None:
        self.problems.append(ImportProblem(row, column, message))

    def fields(self) -> dict[str, str]:
        """{"row 3 quantity": "…"} — the API error's `fields`."""
        result: dict[str, str] = {}
        for problem in self.problems:
            key = f"row {problem.row} {problem.column}"
            result[key] = f"{result[key]} {problem.message}" if key in result else problem.message
        return result


def validate_sales_csv(org, actor, file_text) -> ImportReport:
    """Check a sales CSV without writing anything: every problem with its row and column, and the parsed rows."""
    authorize(actor, org, "sales.import")
    if not feature_enabled(org, "csv_import"):
        raise PermissionDenied("CSV import is not part of this plan.")
    report = ImportReport()
    records = _csv_records(file_text, report)
    if records is None:
        return report
    typed = {(r.get("sku") or "").strip() for _, r in records} - {""}
    # a code names an item whose own `sku` is exactly it (API.md, Inventory), else a product SKU (stored upper case)
    item_skus = dict(db.session.execute(tenancy.scoped(InventoryItem, org, InventoryItem.sku, InventoryItem.id)
                                        .where(InventoryItem.sku.in_(sorted(typed)))).all()) if typed else {}
    codes = {code.upper() for code in typed}
    skus = {s.code: s for s in db.session.scalars(tenancy.scoped(Sku, org).where(Sku.code.in_(sorted(codes))))} \
        if codes else {}
    raw_ids = {(r.get("item_id") or "").strip() for _, r in records}
    ids = {int(v) for v in raw_ids if v.isdigit()} | {s.item_id for s in skus.values()} | set(item_skus.values())
    items = {i.id: i for i in db.session.scalars(tenancy.scoped(InventoryItem, org)
                                                 .where(InventoryItem.id.in_(sorted(ids))))} if ids else {}
    sku_by_item = {s.item_id: s for s in db.session.scalars(tenancy.scoped(Sku, org).where(
        Sku.item_id.in_(sorted(items))))} if items else {}
    now = utcnow()
    free = {}
    if items:
        usable = stock_check.usable_quantities(org, items, now=now)
        reserved = stock_check.reserved_quantities(org, items, now=now)
        free = {item_id: max(usable[item_id] - reserved[item_id], Decimal(0)) for item_id in items}
    wanted: dict[int, Decimal] = {}
    for number, record in records:
        before = len(report.problems)
        item, sku = _csv_item(number, record, item_skus, skus, items, sku_by_item, report)
        qty = _csv_value(report, number, "quantity", lambda v: units.parse_quantity(v), record)
        price = _csv_value(report, number, "unit_price", lambda v: parse_price(v, "unit_price"), record)
        sold_at = None
        if (record.get("date") or "").strip():
            sold_at = _csv_value(report, number, "date", lambda v: expiration.parse_datetime(v, "date"), record)
            if sold_at is not None and sold_at > now + timedelta(days=1):
                report.add(number, "date", "The date is in the future.")
        texts = {}
        for column, limit in (("order_ref", 80), ("channel", 40), ("customer", 120)):
            value = (record.get(column) or "").strip()
            if len(value) > limit:
                report.add(number, column, f"At most {limit} characters.")
            texts[column] = value or None
        if item is not None and qty is not None:
            wanted[item.id] = wanted.get(item.id, Decimal(0)) + qty
            if wanted[item.id] > free[item.id]:
                note = stock_check.hold_note(org, item, now=now)
                report.add(number, "quantity",
                           f"Not enough available stock of {item.name}: the rows so far need "
                           f"{units.clean_decimal(wanted[item.id])} {item.unit}, "
                           f"{units.clean_decimal(free[item.id])} {item.unit} available"
                           f"{': ' + note if note else ''}.")
        if len(report.problems) == before:
            report.rows.append(ImportRow(row=number, item=item, sku=sku, quantity=qty, unit_price=price,
                                         sold_at=sold_at, **texts))
    return report


@unit_of_work
def import_sales_csv(org, actor, file_text) -> list[Sale]:
    """Record every row of a sales CSV in one transaction — only when the whole file validates."""
    report = validate_sales_csv(org, actor, file_text)
    if not report.ok:
        first = report.problems[0]
        more = f" (and {len(report.problems) - 1} more problem(s))" if len(report.problems) > 1 else ""
        error = ValidationFailed(f"Nothing was imported. {first}{more}.", fields=report.fields())
        error.report = report
        raise error
    sales = []
    for row in report.rows:
        try:
            sales.append(record_sale(org, actor, item_id=row.item.id, sku_id=row.sku.id if row.sku else None,
                                     quantity=row.quantity, unit_price=row.unit_price, order_ref=row.order_ref,
                                     channel=row.channel, customer=row.customer, sold_at=row.sold_at,
                                     notes="Imported from CSV"))
        except DomainError as error:  # e.g. stock sold by someone else meanwhile: name the row, roll back all
            error.message = f"Nothing was imported. Row {row.row}: {error.message}"
            error.args = (error.message,)
            raise
    return sales


def _csv_records(file_text, report: ImportReport) -> list[tuple[int, dict]] | None:
    rows = read_rows(file_text, report.add, columns=CSV_COLUMNS, required=("quantity", "unit_price"),
                     one_of=(("sku", "item_id"), "Missing column: give a “sku” (code) or an “item_id” column."),
                     max_rows=MAX_CSV_ROWS, max_chars=MAX_CSV_CHARS, too_large="The file is too large (at most 2 MB).",
                     no_rows="The file has a header but no sales.")
    return None if rows is None else rows.records


def _csv_item(number, record, item_skus, skus, items, sku_by_item, report):
    typed = (record.get("sku") or "").strip()
    code = typed.upper()
    raw_id = (record.get("item_id") or "").strip()
    if typed in item_skus:  # the item's own SKU code, as shop orders match it
        item = items[item_skus[typed]]
        if raw_id and (not raw_id.isdigit() or int(raw_id) != item.id):
            report.add(number, "item_id", f"Item {raw_id} is not the item of SKU {typed}.")
            return None, None
        return item, None
    if code:
        sku = skus.get(code)
        if sku is None:
            report.add(number, "sku", f"Unknown SKU code “{code}”.")
            return None, None
        if raw_id and (not raw_id.isdigit() or int(raw_id) != sku.item_id):
            report.add(number, "item_id", f"Item {raw_id} is not the stock item of SKU {code}.")
            return None, None
        return items[sku.item_id], sku
    if not raw_id:
        report.add(number, "sku", "Give a SKU code or an item_id.")
        return None, None
    if not raw_id.isdigit() or int(raw_id) not in items:
        report.add(number, "item_id", f"Unknown item “{raw_id}”.")
        return None, None
    item = items[int(raw_id)]
    return item, sku_by_item.get(item.id)


def _csv_value(report, number, column, parse, record):
    try:
        return parse((record.get(column) or "").strip())
    except DomainError as error:
        detail = (error.fields or {}).get(column) or error.message
        report.add(number, column, detail if detail.endswith(".") else f"{detail}.")
        return None

