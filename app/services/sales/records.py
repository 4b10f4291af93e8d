"""Sales: FIFO deduction of the item's usable lots, cost of goods sold from exactly those lots, revenue and
margin per sale; returns that credit the very lots a sale drew from; CSV import that writes all or nothing.

revenue = quantity × unit_price; cogs = Σ consumed quantity × that lot's unit cost; margin = revenue − cogs.
A sale never digs into stock held by another order's open reservation.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import func, or_

from ..extensions import db
from ..models import InventoryEvent, InventoryItem, InventoryLot, Reservation, Sale, SaleConsumption, Sku
from ..models.types import MONEY_QUANTUM, utcnow
from . import expiration, inventory, stock_check, tenancy, units
from .authz import authorize
from .base import unit_of_work
from .errors import DomainError, InsufficientStock, InvalidState, PermissionDenied, ValidationFailed
from .features import feature_enabled
from .pagination import Page, page_args
from .products import parse_price
from .validation import clean_text

SALE_CHANGE_TYPE = "sale"
RETURN_CHANGE_TYPE = "returned"
MAX_CSV_ROWS = 5000
MAX_CSV_CHARS = 2_000_000
CSV_COLUMNS = ("sku", "item_id", "quantity", "unit_price", "order_ref", "channel", "customer", "date")


def money(value: Decimal) -> Decimal:
    """Money at the stored precision (10 places), so the object in hand equals what the database keeps."""
    return Decimal(value).quantize(MONEY_QUANTUM)


def line_cost(row) -> Decimal:
    """A consumption row's cost exactly: quantity (6 places) × the lot's unit cost (10 places)."""
    return row.quantity * row.unit_cost


def exact_figures(sale: Sale) -> tuple[Decimal, Decimal, Decimal]:
    """(revenue, cogs, margin) exactly, from the stored factors. The money columns keep 10 places (SQLite:
    a float), which can round a 6-place quantity times a 10-place price or unit cost; API.md wants
    cogs = Σ quantity × lot unit cost and margin = revenue − cogs exactly."""
    revenue = sale.quantity * sale.unit_price
    cogs = sum((line_cost(row) for row in sale.consumption), Decimal(0))
    return revenue, cogs, revenue - cogs


# ---- recording ---------------------------------------------------------------------------------------

@unit_of_work
def record_sale(org, actor, *, item_id=None, sku_id=None, quantity, unit_price=None, unit=None, order_ref=None,
                channel=None, customer=None, reservation_id=None, notes="", sold_at=None) -> Sale:
    """Sell stock oldest-lot-first; COGS from the lots consumed, revenue and margin stored on the sale.

    `unit_price` blank uses the SKU's retail price. With `reservation_id` that open reservation (of this item)
    is converted: its held quantity counts as available for this sale."""
    authorize(actor, org, "products.sell")
    item, sku = _item_and_sku(org, item_id, sku_id)
    qty_requested = units.parse_quantity(quantity)
    if unit_price in (None, "") and sku is not None and sku.retail_price is not None:
        unit_price = sku.retail_price  # no price given: the SKU's retail price
    if unit_price in (None, ""):
        raise ValidationFailed("Enter the unit price.", fields={"unit_price": "Enter the unit price."})
    price = parse_price(unit_price, "unit_price")
    item = tenancy.get_for_org_for_update(InventoryItem, item.id, org)  # serializes sales of this item
    qty = units.to_item_quantity(org, item, qty_requested, unit)
    inventory.require_whole_count(org, item, qty)  # before the stock check: "1.5 each" is a typo, not a shortfall
    reservation = _reservation_for_sale(org, reservation_id, item) if reservation_id not in (None, "") else None
    now = utcnow()
    when = expiration.parse_datetime(sold_at, "date") if sold_at not in (None, "") else now
    if when > now + timedelta(days=1):
        raise ValidationFailed("A sale cannot be dated in the future.", fields={"date": "Cannot be in the future."})
    free = free_to_sell(org, item, reservation=reservation, now=now)
    if qty > free:
        raise insufficient(item, qty, free, org, now)
    sale = Sale(organization_id=org.id, item_id=item.id, sku_id=sku.id if sku else None, quantity=qty,
                unit_price=price, revenue=money(qty * price), cogs=Decimal(0), margin=Decimal(0),
                order_ref=clean_text(order_ref, "order_ref", 80) or None,
                channel=clean_text(channel, "channel", 40) or None,
                customer=clean_text(customer, "customer", 120) or None, notes=clean_text(notes, "notes", 5000),
                reservation_id=reservation.id if reservation else None, user_id=getattr(actor, "id", None),
                created_at=when)
    db.session.add(sale)
    db.session.flush()
    if reservation is not None:  # converted first, so the stock it held is free for this very sale
        reservation.status = "converted"
        reservation.sale_id = sale.id
        reservation.closed_at = now
        db.session.flush()
    events = inventory.deduct(org, actor, item.id, qty, change_type=SALE_CHANGE_TYPE, sale_id=sale.id,
                              permission="products.sell",
                              notes=f"Sale {sale.order_ref or sale.id}")
    cogs = Decimal(0)
    for event in events:
        taken = -event.quantity
        cost = money(taken * event.unit_cost)
        db.session.add(SaleConsumption(organization_id=org.id, sale_id=sale.id, lot_id=event.lot_id,
                                       event_id=event.id, quantity=taken, unit_cost=event.unit_cost, cost=cost,
                                       returned_quantity=Decimal(0)))
        cogs += cost
    sale.cogs = cogs
    sale.margin = sale.revenue - cogs
    db.session.flush()
    db.session.expire(sale, ["consumption"])
    return sale


def free_to_sell(org, item, *, reservation: Reservation | None = None, now: datetime | None = None) -> Decimal:
    """Usable stock less every open reservation except the one this sale converts (item unit)."""
    now = now or utcnow()
    usable = stock_check.usable_quantities(org, [item.id], now=now)[item.id]
    reserved = stock_check.reserved_quantities(org, [item.id], now=now)[item.id]
    if reservation is not None:
        reserved -= reservation.quantity
    return max(usable - max(reserved, Decimal(0)), Decimal(0))


def insufficient(item, needed: Decimal, available: Decimal, org=None, now=None) -> InsufficientStock:
    """The shortfall of one item, naming its lots on hold (when `org` is given) so the cause is visible."""
    note = stock_check.hold_note(org, item, now=now) if org is not None else ""
    detail = (f"Needs {units.clean_decimal(needed)} {item.unit}; {'only ' if note else ''}"
              f"{units.clean_decimal(available)} {item.unit} available (usable lots less open reservations)"
              f"{': ' + note if note else ''}.")
    error = InsufficientStock(f"Not enough available stock of {item.name}: {detail}",
                              fields={item.name: detail, "quantity": detail})
    error.shortages = [{"item_id": item.id, "name": item.name, "needed": needed, "available": available,
                        "unit": item.unit, "shortfall": needed - available}]
    return error


def _item_and_sku(org, item_id, sku_id) -> tuple[InventoryItem, Sku | None]:
    sku = tenancy.get_for_org(Sku, sku_id, org) if sku_id not in (None, "") else None
    if item_id in (None, ""):
        if sku is None:
            raise ValidationFailed("Choose what was sold.", fields={"item_id": "Required."})
        return tenancy.get_for_org(InventoryItem, sku.item_id, org), sku
    item = tenancy.get_for_org(InventoryItem, item_id, org)
    if sku is not None and sku.item_id != item.id:
        raise ValidationFailed("That SKU is not stocked as this item.", fields={"sku_id": "Does not match item_id."})
    if sku is None:
        sku = tenancy.find_for_org(Sku, org, item_id=item.id)
    return item, sku


def _reservation_for_sale(org, reservation_id, item) -> Reservation:
    reservation = tenancy.get_for_org_for_update(Reservation, reservation_id, org)
    status = reservation.effective_status(utcnow())
    if status != "open":
        raise InvalidState(f"Reservation {reservation.id} for order {reservation.order_ref} is {status}; only an "
                           "open reservation can be converted to a sale.")
    if reservation.item_id != item.id:
        raise ValidationFailed("That reservation is for another item.", fields={"reservation_id": "Other item."})
    return reservation


@unit_of_work
def return_sale(org, actor, sale_id, *, quantity=None, notes="") -> list[InventoryEvent]:
    """Credit returned stock to the exact lots the sale drew from (newest consumption first)."""
    authorize(actor, org, "sales.return")
    sale = tenancy.get_for_org_for_update(Sale, sale_id, org)
    returnable = sale.quantity - sale.returned_quantity
    if returnable <= 0:
        raise InvalidState("Everything from this sale has already been returned.")
    qty = returnable if quantity in (None, "") else units.parse_quantity(quantity)
    if qty > returnable:
        message = f"At most {units.clean_decimal(returnable)} can still be returned from this sale."
        raise ValidationFailed(message, fields={"quantity": message})
    rows = list(db.session.scalars(tenancy.scoped(SaleConsumption, org).where(SaleConsumption.sale_id == sale.id)
                                   .order_by(SaleConsumption.id.desc())))
    notes = clean_text(notes, "notes", 5000) or f"Return from sale {sale.order_ref or sale.id}"
    events, rest, cost = [], qty, Decimal(0)
    for row in rows:
        take = min(rest, row.quantity - row.returned_quantity)
        if take <= 0:
            continue
        events.append(inventory.credit_lot(org, actor, row.lot_id, take, change_type=RETURN_CHANGE_TYPE,
                                           permission="sales.return",
                                           sale_id=sale.id, notes=notes))
        row.returned_quantity += take
        cost += money(take * row.unit_cost)
        rest -= take
        if rest == 0:
            break
    if rest > 0:  # the consumption rows and the sale disagree: never happens unless data was edited by hand
        raise InvalidState("This sale's lots do not add up to its quantity; contact support.")
    sale.returned_quantity += qty
    sale.returned_revenue += money(qty * sale.unit_price)
    sale.returned_cogs += cost
    db.session.flush()
    return events


# ---- reads -------------------------------------------------------------------------------------------

def get_sale(org, actor, sale_id) -> Sale:
    """The organization's sale (with .consumption), or NotFound."""
    authorize(actor, org, "sales.view")
    return tenancy.get_for_org(Sale, sale_id, org)


@dataclass
class SaleRecord:
    """A sale with its item, SKU, consumed lots [(row, lot)] and return events, in a fixed number of queries."""

    sale: Sale
    item: InventoryItem
    sku: Sku | None
    consumption: list
    returns: list

    @property
    def net_revenue(self) -> Decimal:
        return self.sale.revenue - self.sale.returned_revenue

    @property
    def net_cogs(self) -> Decimal:
        return self.sale.cogs - self.sale.returned_cogs

    @property
    def net_margin(self) -> Decimal:
        return self.net_revenue - self.net_cogs


def sale_record(org, actor, sale_id) -> SaleRecord:
    """Everything the sale page and the API show."""
    sale = get_sale(org, actor, sale_id)
    item = tenancy.get_for_org(InventoryItem, sale.item_id, org)
    sku = tenancy.find_for_org(Sku, org, id=sale.sku_id) if sale.sku_id else None
    rows = list(sale.consumption)
    lot_ids = sorted({row.lot_id for row in rows})
    lots = {lot.id: lot for lot in db.session.scalars(tenancy.scoped(InventoryLot, org)
                                                      .where(InventoryLot.id.in_(lot_ids)))} if lot_ids else {}
    returns = list(db.session.scalars(tenancy.scoped(InventoryEvent, org).where(
        InventoryEvent.sale_id == sale.id, InventoryEvent.change_type == RETURN_CHANGE_TYPE)
        .order_by(InventoryEvent.created_at, InventoryEvent.id)))
    return SaleRecord(sale, item, sku, [(row, lots[row.lot_id]) for row in rows], returns)


@dataclass
class SalesTotals:
    count: int = 0
    quantity: Decimal = Decimal(0)
    revenue: Decimal = Decimal(0)
    cogs: Decimal = Decimal(0)
    margin: Decimal = Decimal(0)
    returned_revenue: Decimal = Decimal(0)
    returned_cogs: Decimal = Decimal(0)

    @property
    def net_revenue(self) -> Decimal:
        return self.revenue - self.returned_revenue

    @property
    def net_cogs(self) -> Decimal:
        return self.cogs - self.returned_cogs

    @property
    def net_margin(self) -> Decimal:
        return self.net_revenue - self.net_cogs


@dataclass
class SaleRow:
    sale: Sale
    item: InventoryItem
    sku: Sku | None


@dataclass
class SalesPage(Page):
    totals: SalesTotals = field(default_factory=SalesTotals)


def list_sales(org, actor, *, q=None, channel=None, item_id=None, sku_id=None, date_from=None, date_to=None,
               page=1, per_page=50) -> SalesPage:
    """Sales newest first (SaleRow), filtered, with totals over the whole filter: four queries."""
    authorize(actor, org, "sales.view")
    filters = []
    if q and str(q).strip():
        pattern = "%" + str(q).strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        items = tenancy.scoped(InventoryItem, org, InventoryItem.id).where(
            InventoryItem.name.ilike(pattern, escape="\\"))
        skus = tenancy.scoped(Sku, org, Sku.id).where(Sku.code.ilike(pattern, escape="\\"))
        filters.append(or_(Sale.order_ref.ilike(pattern, escape="\\"), Sale.customer.ilike(pattern, escape="\\"),
                           Sale.item_id.in_(items), Sale.sku_id.in_(skus)))
    if channel:
        filters.append(Sale.channel == str(channel))
    if item_id not in (None, ""):
        filters.append(Sale.item_id == _int(item_id, "item_id"))
    if sku_id not in (None, ""):
        filters.append(Sale.sku_id == _int(sku_id, "sku_id"))
    start = _day_start(date_from, "date_from")
    if start is not None:
        filters.append(Sale.created_at >= start)
    end = _day_start(date_to, "date_to")
    if end is not None:
        filters.append(Sale.created_at < end + timedelta(days=1))  # date_to is inclusive
    page_no, size = page_args(page, per_page)
    aggregate = tenancy.scoped(Sale, org, func.count(Sale.id), func.sum(Sale.quantity), func.sum(Sale.revenue),
                               func.sum(Sale.cogs), func.sum(Sale.margin), func.sum(Sale.returned_revenue),
                               func.sum(Sale.returned_cogs)).where(*filters)
    count, quantity, revenue, cogs, margin, returned_revenue, returned_cogs = db.session.execute(aggregate).one()
    totals = SalesTotals(count=count or 0, quantity=Decimal(quantity or 0), revenue=money(revenue or 0),
                         cogs=money(cogs or 0), margin=money(margin or 0),
                         returned_revenue=money(returned_revenue or 0), returned_cogs=money(returned_cogs or 0))
    stmt = (tenancy.scoped(Sale, org).where(*filters).order_by(Sale.created_at.desc(), Sale.id.desc())
            .limit(size).offset((page_no - 1) * size))
    sales = list(db.session.scalars(stmt))
    item_ids = sorted({s.item_id for s in sales})
    sku_ids = sorted({s.sku_id for s in sales if s.sku_id})
    items = {i.id: i for i in db.session.scalars(tenancy.scoped(InventoryItem, org)
                                                 .where(InventoryItem.id.in_(item_ids)))} if item_ids else {}
    skus = {s.id: s for s in db.session.scalars(tenancy.scoped(Sku, org).where(Sku.id.in_(sku_ids)))} \
        if sku_ids else {}
    rows = [SaleRow(sale=s, item=items[s.item_id], sku=skus.get(s.sku_id)) for s in sales]
    return SalesPage(items=rows, total=totals.count, page=page_no, per_page=size, totals=totals)


def lot_codes(org, sale_list) -> dict[int, str]:
    """Lot id → code for every lot these sales drew from (one query)."""
    lot_ids = sorted({row.lot_id for sale in sale_list for row in sale.consumption})
    if not lot_ids:
        return {}
    stmt = tenancy.scoped(InventoryLot, org, InventoryLot.id, InventoryLot.code).where(InventoryLot.id.in_(lot_ids))
    return dict(db.session.execute(stmt).all())


def list_channels(org, actor) -> list[str]:
    """The channels this organization has sold through (filter choices)."""
    authorize(actor, org, "sales.view")
    stmt = tenancy.scoped(Sale, org, Sale.channel).where(Sale.channel.isnot(None)).distinct().order_by(Sale.channel)
    return [c for c in db.session.scalars(stmt) if c]


def _day_start(value, field_name: str) -> datetime | None:
    day = expiration.parse_date(value, field_name)
    return datetime.combine(day, time(0), tzinfo=timezone.utc) if day is not None else None


def _int(value, field_name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationFailed("Choose one from the list.", fields={field_name: "Invalid id."}) from None



# ---- CSV import --------------------------------------------------------------------------------------

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
    codes = {(r.get("sku") or "").strip().upper() for _, r in records} - {""}
    skus = {s.code: s for s in db.session.scalars(tenancy.scoped(Sku, org).where(Sku.code.in_(sorted(codes))))} \
        if codes else {}
    raw_ids = {(r.get("item_id") or "").strip() for _, r in records}
    ids = {int(v) for v in raw_ids if v.isdigit()} | {s.item_id for s in skus.values()}
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
        item, sku = _csv_item(number, record, skus, items, sku_by_item, report)
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
    if isinstance(file_text, bytes):
        try:
            file_text = file_text.decode("utf-8-sig")
        except UnicodeDecodeError:
            report.add(1, "file", "The file is not UTF-8 text; save it as CSV (UTF-8).")
            return None
    if not isinstance(file_text, str) or not file_text.strip():
        report.add(1, "file", "The file is empty.")
        return None
    if len(file_text) > MAX_CSV_CHARS:
        report.add(1, "file", "The file is too large (at most 2 MB).")
        return None
    if "\x00" in file_text:
        report.add(1, "file", "The file contains NUL characters; save it as CSV (UTF-8) and try again.")
        return None
    reader = csv.reader(io.StringIO(file_text.lstrip("\ufeff")))
    try:
        header = next(reader)
    except csv.Error as error:
        report.add(1, "file", f"Not a readable CSV file ({error}).")
        return None
    columns = [h.strip().lower() for h in header]
    for required in ("quantity", "unit_price"):
        if required not in columns:
            report.add(1, required, f"Missing column “{required}”.")
    if "sku" not in columns and "item_id" not in columns:
        report.add(1, "sku", "Missing column: give a “sku” (code) or an “item_id” column.")
    unknown = [c for c in columns if c and c not in CSV_COLUMNS]
    for column in unknown:
        report.add(1, column, f"Unknown column “{column}”; expected {', '.join(CSV_COLUMNS)}.")
    if report.problems:
        return None
    records = []
    try:
        for values in reader:
            number = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) > len(columns):
                report.add(number, "file", f"{len(values)} values but {len(columns)} columns.")
                continue
            records.append((number, dict(zip(columns, values))))
            if len(records) > MAX_CSV_ROWS:
                report.add(number, "file", f"At most {MAX_CSV_ROWS} rows per file.")
                return None
    except csv.Error as error:
        report.add(reader.line_num, "file", f"Not a readable CSV line ({error}).")
        return None
    if not records and not report.problems:
        report.add(2, "file", "The file has a header but no sales.")
    return records


def _csv_item(number, record, skus, items, sku_by_item, report):
    code = (record.get("sku") or "").strip().upper()
    raw_id = (record.get("item_id") or "").strip()
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

